package mail_test

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/backend/mail"
)

func TestDirWritesParsableEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mailbox")
	d, err := mail.NewDir(dir, from)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("mailbox directory: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	var sent []mail.Message
	for _, rcpt := range []string{"first@example.test", "second@example.test", "third@example.test"} {
		m := unlockMessage(rcpt)
		if err := d.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		sent = append(sent, m)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != len(sent) || !slices.IsSorted(names) {
		t.Fatalf("files %v: want %d .eml files and nothing else", names, len(sent))
	}
	for i, name := range names { // ReadDir sorts by name: the order sent
		if !strings.HasSuffix(name, ".eml") {
			t.Errorf("%s: not a .eml name", name)
		}
		path := filepath.Join(dir, name)
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v; want 0600", name, fi.Mode().Perm())
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte("\r\n")) {
			t.Errorf("%s: lines do not end in CRLF (RFC 5322)", name)
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: not RFC 5322: %v", name, err)
		}
		h := msg.Header
		if got := h.Get("To"); got != "<"+sent[i].To+">" {
			t.Errorf("%s: To %q, want %s (sorted by time)", name, got, sent[i].To)
		}
		if got := h.Get("Subject"); got != sent[i].Subject {
			t.Errorf("%s: Subject %q, want %q", name, got, sent[i].Subject)
		}
		if _, err := h.Date(); err != nil {
			t.Errorf("%s: Date: %v", name, err)
		}
		if h.Get("Message-Id") == "" || !strings.Contains(h.Get("From"), "noreply@cardagent.test") {
			t.Errorf("%s: headers %v", name, h)
		}
		if h.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Fatalf("%s: Content-Transfer-Encoding %q", name, h.Get("Content-Transfer-Encoding"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != sent[i].Text {
			t.Errorf("%s: body\n%s\nwant\n%s", name, got, sent[i].Text)
		}
	}
}

func TestDirRefuses(t *testing.T) {
	if _, err := mail.NewDir("", from); err == nil {
		t.Error("NewDir took no directory")
	}
	if _, err := mail.NewDir(t.TempDir(), "noreply"); err == nil {
		t.Error("NewDir took a sender that is no address")
	}
	d, err := mail.NewDir(t.TempDir(), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Send(context.Background(), mail.Message{To: "nobody", Subject: "s", Text: code}); err == nil {
		t.Error("Send took a recipient that is no address")
	}
}
