package mail

import (
	"context"
	"log/slog"
)

// Log stands in for a channel that is not wired yet (an SMS gateway): it
// delivers nothing and logs that a message was due, with its recipient and
// subject only. The text holds the code, and a log is read by more people
// than the code's owner, so Log never writes it anywhere.
type Log struct {
	logger *slog.Logger
}

var _ Sender = (*Log)(nil)

// NewLog logs to logger (slog.Default() when nil).
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Send logs m's recipient and subject at Info. It fails only for an invalid
// message, so that Log refuses what the real channels refuse.
func (l *Log) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	l.logger.InfoContext(ctx, "message not delivered: log-only channel (text withheld)",
		slog.String("to", m.To), slog.String("subject", m.Subject))
	return nil
}
