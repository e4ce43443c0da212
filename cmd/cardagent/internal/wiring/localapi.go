package wiring

import (
	"context"
	"log/slog"

	"github.com/godbus/dbus/v5"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
)

// serveLocalAPI serves tickets to the desktop user's applications on the
// session bus until ctx ends or the agent stops. Without a session bus, or
// with another agent on it, the agent runs on without: said once.
func serveLocalAPI(ctx context.Context, agent *session.Agent, log *slog.Logger) {
	conn, err := dbus.SessionBusPrivate()
	if err == nil {
		if err = conn.Auth(nil); err == nil {
			err = conn.Hello()
		}
		defer conn.Close()
	}
	if err == nil {
		err = localapi.Serve(ctx, conn, agent, log)
	}
	if err != nil {
		log.Warn("local applications cannot ask this agent for tickets", "err", err)
	}
}
