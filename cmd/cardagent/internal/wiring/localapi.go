package wiring

import (
	"context"
	"log/slog"

	"github.com/cardagent/cardagent/internal/sessionbus"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
)

// serveLocalAPI serves tickets to the desktop user's applications on the
// session bus until ctx ends or the agent stops. Without a session bus, or
// with another agent on it, the agent runs on without: said once.
func serveLocalAPI(ctx context.Context, agent *session.Agent, log *slog.Logger) {
	conn, err := sessionbus.Connect()
	if err == nil {
		defer conn.Close()
		err = localapi.Serve(ctx, conn, agent, log)
	}
	if err != nil {
		log.Warn("local applications cannot ask this agent for tickets", "err", err)
	}
}
