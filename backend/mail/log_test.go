package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/backend/mail"
)

func TestLogNeverLogsTheText(t *testing.T) {
	for _, handler := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		}},
		{"json", func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		}},
	} {
		t.Run(handler.name, func(t *testing.T) {
			var out bytes.Buffer
			m := unlockMessage(to)
			if err := mail.NewLog(slog.New(handler.new(&out))).Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			logged := out.String()
			if strings.Contains(logged, code) {
				t.Errorf("the log holds the code: %s", logged)
			}
			if !strings.Contains(logged, to) || !strings.Contains(logged, "card ID ending 1A2B3C4D") {
				t.Errorf("the log lacks the recipient or subject: %s", logged)
			}
		})
	}
}

// A Message put in a log line or an error by mistake shows no text.
func TestMessagePrintsWithoutText(t *testing.T) {
	m := unlockMessage(to)
	var out bytes.Buffer
	slog.New(slog.NewJSONHandler(&out, nil)).Info("oops", "message", m)
	printed := out.String() + fmt.Sprintf(" %v %+v %#v %s", m, m, m, m) + fmt.Errorf("wrapped: %v", m).Error()
	if strings.Contains(printed, code) {
		t.Errorf("a printed Message shows the code: %s", printed)
	}
	if !strings.Contains(printed, to) {
		t.Errorf("a printed Message does not name its recipient: %s", printed)
	}
}

func TestLogRefusesInvalidMessage(t *testing.T) {
	var out bytes.Buffer
	err := mail.NewLog(slog.New(slog.NewTextHandler(&out, nil))).Send(context.Background(), mail.Message{To: to, Subject: "a\nb", Text: code})
	if err == nil || out.Len() != 0 {
		t.Errorf("Send: %v, logged %q; want a refusal and nothing logged", err, out.String())
	}
}
