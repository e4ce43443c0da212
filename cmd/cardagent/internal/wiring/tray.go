package wiring

import "github.com/cardagent/cardagent/internal/sessionbus"

// Resident says whether the window is tray-resident: "on", "off", or by
// default ("auto") when a system tray is there to bring it back.
func (c Config) Resident() bool {
	switch c.TrayResident {
	case "on":
		return true
	case "off":
		return false
	}
	return trayPresent()
}

// trayPresent reports whether a StatusNotifierItem host (the system tray of
// KDE, GNOME with the AppIndicator extension, XFCE, …) runs on the session
// bus: the name org.kde.StatusNotifierWatcher has an owner.
func trayPresent() bool {
	conn, err := sessionbus.Connect()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
