// Package sessionbus connects to the desktop user's D-Bus session bus as the
// agent's parts need it: a connection of their own, and never a bus
// launched for the occasion (godbus would start one with dbus-launch when
// none is known, a bus no other program of the desktop is on).
package sessionbus

import "github.com/godbus/dbus/v5"

// Connect opens a private, authenticated connection to the session bus
// the environment names (DBUS_SESSION_BUS_ADDRESS, else the user's runtime
// directory's bus).
func Connect() (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
