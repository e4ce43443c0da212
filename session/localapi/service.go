package localapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/session"
)

// Agent is what the service needs of session.Agent.
type Agent interface {
	Subscribe() (<-chan session.State, func())
	Current() session.State
	Assertion(ctx context.Context, audience string) (api.Assertion, error)
}

var _ Agent = (*session.Agent)(nil)

// service is the object exported at Path.
type service struct {
	conn  *dbus.Conn
	agent Agent
	uid   uint32
	log   *slog.Logger
}

// Serve exports the agent on conn under BusName until ctx ends or the
// agent stops, then says "no-session" and gives the name up. It fails at
// once when another process owns the name.
func Serve(ctx context.Context, conn *dbus.Conn, agent Agent, log *slog.Logger) error {
	s := &service{conn: conn, agent: agent, uid: uint32(os.Getuid()), log: log}
	if err := conn.Export(s, Path, Interface); err != nil {
		return err
	}
	if err := conn.Export(introspectable(introspection), Path, "org.freedesktop.DBus.Introspectable"); err != nil {
		return err
	}
	defer conn.Export(nil, Path, Interface)
	reply, err := conn.RequestName(BusName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("asking for %s on the session bus: %w", BusName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("%s is taken: another cardagent runs on this desktop", BusName)
	}
	defer conn.ReleaseName(BusName)
	states, stop := agent.Subscribe()
	defer stop()
	last := session.LocalState("")
	for {
		select {
		case <-ctx.Done():
			s.emit(session.LocalNoSession, last)
			return nil
		case st, ok := <-states:
			if !ok {
				s.emit(session.LocalNoSession, last)
				return nil
			}
			last = s.emit(st.Local, last)
		}
	}
}

// emit signals state when it differs from last, and returns it.
func (s *service) emit(state, last session.LocalState) session.LocalState {
	if state == last || state == "" {
		return last
	}
	if err := s.conn.Emit(Path, StateChanged, string(state)); err != nil {
		s.log.Warn("telling local applications the session state failed", "state", string(state), "err", err)
	}
	return state
}

// Status answers the state and, while a session is active, who is in it.
func (s *service) Status(sender dbus.Sender) (state, uuid, name, role, organisation string, derr *dbus.Error) {
	if derr := s.check(sender); derr != nil {
		return "", "", "", "", "", derr
	}
	st := s.agent.Current()
	if st.Local != session.LocalActive || st.Active == nil {
		return string(st.Local), "", "", "", "", nil
	}
	a := st.Active
	return string(st.Local), a.UUID, a.User, a.Role, a.Organisation, nil
}

// GetTicket answers an assertion of the active session for audience.
func (s *service) GetTicket(sender dbus.Sender, audience string) (assertion string, expiresUnix int64, derr *dbus.Error) {
	if derr := s.check(sender); derr != nil {
		return "", 0, derr
	}
	// D-Bus gives a method call 25 s by default; identityd's step is 15.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	as, err := s.agent.Assertion(ctx, audience)
	if err != nil {
		s.log.Info("ticket refused to a local application", "audience", audience, "err", err)
		return "", 0, dbus.NewError(errorName(err), []any{err.Error()})
	}
	return as.Assertion, as.ExpiresAt.Unix(), nil
}

// check refuses a caller running as another user. The session bus lets
// only its owner connect already; this holds even on a bus configured to
// let others in.
func (s *service) check(sender dbus.Sender) *dbus.Error {
	var uid uint32
	err := s.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixUser", 0, string(sender)).Store(&uid)
	if err != nil || uid != s.uid {
		if err == nil {
			err = errors.New("caller runs as uid " + fmt.Sprint(uid))
		}
		s.log.Warn("a local application of another user was refused", "sender", string(sender), "err", err)
		return dbus.NewError(ErrorAccessDenied, []any{ErrAccessDenied.Error()})
	}
	return nil
}

// introspectable answers org.freedesktop.DBus.Introspectable.Introspect.
type introspectable string

func (i introspectable) Introspect() (string, *dbus.Error) { return string(i), nil }
