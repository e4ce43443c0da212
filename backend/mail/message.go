package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
)

// Message is one plain-text message to one person.
type Message struct {
	// To is the recipient's address ("ada@example.org" or
	// "Ada Lovelace <ada@example.org>").
	To string
	// Subject is one line. It never holds a secret: subjects show on lock
	// screens and in notification previews.
	Subject string
	// Text is the plain-text body. It may hold a secret (an unlock code):
	// no Sender logs it and no error quotes it.
	Text string
}

// Sender delivers one Message. Implementations are safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage matches (errors.Is) a Message that no Sender will
// deliver: a bad address, a subject on more than one line, no text.
var ErrInvalidMessage = errors.New("invalid message")

// Validate checks what every Sender needs; its errors never quote Text.
func (m Message) Validate() error {
	if _, err := netmail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("mail: %w: recipient %q is not one email address: %v", ErrInvalidMessage, m.To, err)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("mail: %w: no subject", ErrInvalidMessage)
	}
	// A line break in a header would let the subject write headers of its own.
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("mail: %w: the subject holds a line break", ErrInvalidMessage)
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("mail: %w: no text", ErrInvalidMessage)
	}
	return nil
}

// String shows the recipient and subject only, so a Message that ends up in
// a format string or a log line does not carry its Text with it.
func (m Message) String() string {
	return fmt.Sprintf("message to %q, subject %q (%d bytes of text not shown)", m.To, m.Subject, len(m.Text))
}

// GoString is String, for %#v.
func (m Message) GoString() string { return m.String() }

// LogValue keeps Text out of structured logs (slog.Any("message", m)).
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.String("to", m.To), slog.String("subject", m.Subject))
}
