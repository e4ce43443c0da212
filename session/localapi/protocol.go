// Package localapi serves tickets to the applications of the desktop user
// over the D-Bus session bus, and is the Go client for them
// (docs/tickets.md). The session decides what is served (session.Agent's
// Assertion and State.Local); this package only carries it.
package localapi

import (
	"errors"

	"github.com/godbus/dbus/v5"

	"github.com/cardagent/cardagent/session"
)

// The names on the bus.
const (
	BusName   = "uk.nhs.cardagent"
	Path      = dbus.ObjectPath("/uk/nhs/cardagent")
	Interface = "uk.nhs.cardagent.Agent1"

	// StateChanged carries the new session.LocalState ("active",
	// "locked", "no-session").
	StateChanged = Interface + ".StateChanged"
)

// The errors a caller may get, by D-Bus error name.
const (
	ErrorLocked       = "uk.nhs.cardagent.Error.Locked"       // the session is locked: wait for StateChanged "active"
	ErrorNoSession    = "uk.nhs.cardagent.Error.NoSession"    // nobody is logged in in a role
	ErrorBadAudience  = "uk.nhs.cardagent.Error.BadAudience"  // 1 to 100 letters, digits and . _ : / -
	ErrorAccessDenied = "uk.nhs.cardagent.Error.AccessDenied" // the caller is not the desktop user
	ErrorRefused      = "uk.nhs.cardagent.Error.Refused"      // identityd refused or could not be reached
)

// introspection describes the object for callers such as busctl and gdbus.
const introspection = `<node>
  <interface name="` + Interface + `">
    <method name="Status">
      <arg name="state" type="s" direction="out"/>
      <arg name="uuid" type="s" direction="out"/>
      <arg name="name" type="s" direction="out"/>
      <arg name="role" type="s" direction="out"/>
      <arg name="organisation" type="s" direction="out"/>
    </method>
    <method name="GetTicket">
      <arg name="audience" type="s" direction="in"/>
      <arg name="assertion" type="s" direction="out"/>
      <arg name="expires_unix" type="x" direction="out"/>
    </method>
    <signal name="StateChanged">
      <arg name="state" type="s"/>
    </signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg name="xml" type="s" direction="out"/>
    </method>
  </interface>
</node>`

// errorName is the D-Bus error for an Assertion refusal.
func errorName(err error) string {
	switch {
	case errors.Is(err, session.ErrSessionLocked):
		return ErrorLocked
	case errors.Is(err, session.ErrNoSession):
		return ErrorNoSession
	case errors.Is(err, session.ErrBadAudience):
		return ErrorBadAudience
	}
	return ErrorRefused
}

// fromErrorName is the Go error for a D-Bus error name (the client's side).
func fromErrorName(name, message string) error {
	switch name {
	case ErrorLocked:
		return session.ErrSessionLocked
	case ErrorNoSession:
		return session.ErrNoSession
	case ErrorBadAudience:
		return session.ErrBadAudience
	case ErrorAccessDenied:
		return ErrAccessDenied
	case ErrorRefused:
		return &RefusedError{Message: message}
	}
	return errors.New(name + ": " + message)
}

// ErrAccessDenied: the caller runs as another user than the agent.
var ErrAccessDenied = errors.New("only the desktop user may ask the agent for tickets")

// ErrNoAgent: no agent owns BusName on the session bus.
var ErrNoAgent = errors.New("no cardagent is running on this desktop")

// RefusedError is identityd's refusal (or its absence), as the agent said it.
type RefusedError struct{ Message string }

func (e *RefusedError) Error() string { return e.Message }
