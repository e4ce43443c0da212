package localapi

import (
	"context"
	"errors"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/cardagent/cardagent/internal/sessionbus"
	"github.com/cardagent/cardagent/session"
)

// Client asks the desktop's agent for tickets: what a Go application (and
// `cardagent ticket`) uses. Others call the same methods with any D-Bus
// library, busctl or gdbus (docs/tickets.md).
type Client struct {
	conn *dbus.Conn
	obj  dbus.BusObject
}

// Status is the answer of Status.
type Status struct {
	State        session.LocalState
	UUID         string // the rest only while State is active
	Name         string
	Role         string
	Organisation string
}

// Ticket is an assertion the agent handed out.
type Ticket struct {
	Assertion string // the JWT, for the application's server
	ExpiresAt time.Time
}

// Dial connects to the desktop user's session bus (a connection of its own).
func Dial() (*Client, error) {
	conn, err := sessionbus.Connect()
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, obj: conn.Object(BusName, Path)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Status asks the agent's state and who is logged in.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	var state string
	err := c.obj.CallWithContext(ctx, Interface+".Status", 0).Store(&state, &s.UUID, &s.Name, &s.Role, &s.Organisation)
	s.State = session.LocalState(state)
	return s, callError(err)
}

// Ticket asks for an assertion for audience: session.ErrSessionLocked,
// session.ErrNoSession, session.ErrBadAudience, ErrAccessDenied, a
// *RefusedError or ErrNoAgent when there is none.
func (c *Client) Ticket(ctx context.Context, audience string) (Ticket, error) {
	var t Ticket
	var exp int64
	err := c.obj.CallWithContext(ctx, Interface+".GetTicket", 0, audience).Store(&t.Assertion, &exp)
	if err != nil {
		return Ticket{}, callError(err)
	}
	t.ExpiresAt = time.Unix(exp, 0)
	return t, nil
}

// Watch sends each new state of the agent, from its current one, until ctx
// ends. An agent leaving the bus (it quit or died) is "no-session"; one
// coming back sends its state again.
func (c *Client) Watch(ctx context.Context) (<-chan session.LocalState, error) {
	if err := c.conn.AddMatchSignalContext(ctx, dbus.WithMatchObjectPath(Path), dbus.WithMatchInterface(Interface), dbus.WithMatchMember("StateChanged")); err != nil {
		return nil, err
	}
	if err := c.conn.AddMatchSignalContext(ctx, dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, BusName)); err != nil {
		return nil, err
	}
	signals := make(chan *dbus.Signal, 16)
	c.conn.Signal(signals)
	out := make(chan session.LocalState, 16)
	first := session.LocalNoSession
	if s, err := c.Status(ctx); err == nil {
		first = s.State
	}
	go func() {
		defer close(out)
		defer c.conn.RemoveSignal(signals)
		out <- first
		for {
			select {
			case <-ctx.Done():
				return
			case sig, ok := <-signals:
				if !ok {
					out <- session.LocalNoSession // the bus connection closed
					return
				}
				if state, ok := stateOf(sig); ok {
					select {
					case out <- state:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return out, nil
}

// stateOf reads a StateChanged or NameOwnerChanged signal.
func stateOf(sig *dbus.Signal) (session.LocalState, bool) {
	switch sig.Name {
	case StateChanged:
		if len(sig.Body) == 1 {
			if s, ok := sig.Body[0].(string); ok {
				return session.LocalState(s), true
			}
		}
	case "org.freedesktop.DBus.NameOwnerChanged":
		if len(sig.Body) == 3 {
			if newOwner, ok := sig.Body[2].(string); ok && newOwner == "" {
				return session.LocalNoSession, true
			}
		}
	}
	return "", false
}

// callError turns a D-Bus error into the package's.
func callError(err error) error {
	var derr dbus.Error
	if errors.As(err, &derr) {
		if derr.Name == "org.freedesktop.DBus.Error.ServiceUnknown" || derr.Name == "org.freedesktop.DBus.Error.NameHasNoOwner" {
			return ErrNoAgent
		}
		msg := ""
		if len(derr.Body) > 0 {
			msg, _ = derr.Body[0].(string)
		}
		return fromErrorName(derr.Name, msg)
	}
	return err
}
