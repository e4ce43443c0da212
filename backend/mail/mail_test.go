package mail_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/mail"
	"github.com/cardagent/cardagent/internal/testkit"
)

const (
	from     = "Smartcard service <noreply@cardagent.test>"
	to       = "ada@example.test"
	user     = "identityd"
	password = "correct horse battery staple"
	code     = "482913"
)

// unlockMessage is the real template's message, so the tests also show it
// survives a real server.
func unlockMessage(to string) mail.Message {
	issued := time.Date(2026, 12, 3, 13, 50, 0, 0, time.UTC)
	return mail.UnlockCodeMessage(mail.UnlockCode{
		To: to, HolderName: "Ada Lovelace", CardLabel: "1A2B3C4D", Code: code,
		Issued: issued, ValidUntil: issued.Add(15 * time.Minute),
	})
}

func newSMTP(t *testing.T, cfg mail.SMTPConfig) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func send(t *testing.T, s *mail.SMTP, m mail.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

// checkSecretFree fails t if err's text holds the code or the password.
func checkSecretFree(t *testing.T, err error) {
	t.Helper()
	t.Logf("error: %v", err)
	for _, secret := range []string{code, password} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error quotes a secret (%q): %v", secret, err)
		}
	}
}

func TestSMTPStartTLSAuthDelivers(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{StartTLS: true, Username: user, Password: password})
	s := newSMTP(t, mail.SMTPConfig{
		Host: srv.Host, Port: srv.Port, From: from,
		Username: user, Password: password, RootCAs: srv.CertPool,
	})
	want := unlockMessage(to)
	if err := send(t, s, want); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitMessage(t, to, 10*time.Second)
	if !got.TLS || !got.Authenticated {
		t.Errorf("session: TLS %v, authenticated %v; want both", got.TLS, got.Authenticated)
	}
	if got.From != "noreply@cardagent.test" {
		t.Errorf("envelope sender %q", got.From)
	}
	if got.Subject != want.Subject {
		t.Errorf("subject %q, want %q", got.Subject, want.Subject)
	}
	if got.Text != want.Text {
		t.Errorf("body:\n%s\nwant:\n%s", got.Text, want.Text)
	}
	if h := got.Header.Get("From"); !strings.Contains(h, "Smartcard service") || !strings.Contains(h, "<noreply@cardagent.test>") {
		t.Errorf("From header %q", h)
	}
	if id := got.Header.Get("Message-Id"); !strings.HasSuffix(id, "@cardagent.test>") {
		t.Errorf("Message-ID %q: want one in the sender's domain", id)
	}
}

func TestSMTPWrongPasswordIsPermanent(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{StartTLS: true, Username: user, Password: password + "!"})
	s := newSMTP(t, mail.SMTPConfig{
		Host: srv.Host, Port: srv.Port, From: from,
		Username: user, Password: password, RootCAs: srv.CertPool,
	})
	err := send(t, s, unlockMessage(to))
	if err == nil {
		t.Fatal("Send with a wrong password succeeded")
	}
	if errors.Is(err, mail.ErrUnavailable) {
		t.Errorf("a refused login is reported as temporary: %v", err)
	}
	var e *mail.Error
	if !errors.As(err, &e) || e.Code != 535 || e.Op != "connect" {
		t.Errorf("want a connect *mail.Error with code 535, got %#v", err)
	}
	checkSecretFree(t, err)
	if msgs, _ := srv.Messages(); len(msgs) != 0 {
		t.Errorf("%d messages delivered without a login", len(msgs))
	}
}

func TestSMTPNoneOnLoopback(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, TLS: mail.TLSNone})
	if err := send(t, s, unlockMessage(to)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitMessage(t, to, 10*time.Second)
	if got.TLS || got.Authenticated {
		t.Errorf("session: TLS %v, authenticated %v; want neither", got.TLS, got.Authenticated)
	}
	if !strings.Contains(got.Text, code) {
		t.Errorf("body lacks the code:\n%s", got.Text)
	}
}

// "none" with a login: the password goes in clear, which only loopback allows.
func TestSMTPNoneOnLoopbackWithLogin(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{Username: user, Password: password})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, TLS: mail.TLSNone, Username: user, Password: password})
	if err := send(t, s, unlockMessage(to)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.WaitMessage(t, to, 10*time.Second); !got.Authenticated {
		t.Error("not authenticated")
	}
}

// Mandatory STARTTLS against a server without it: refused before anything
// (the password above all) is sent.
func TestSMTPStartTLSRequired(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, Username: user, Password: password})
	err := send(t, s, unlockMessage(to))
	if err == nil {
		t.Fatal("sent without STARTTLS")
	}
	if errors.Is(err, mail.ErrUnavailable) {
		t.Errorf("a server without STARTTLS is reported as temporary: %v", err)
	}
	if !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("the error does not say STARTTLS: %v", err)
	}
	checkSecretFree(t, err)
}

// Opportunistic STARTTLS upgrades when offered.
func TestSMTPStartTLSOpportunistic(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{StartTLS: true})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, TLS: mail.TLSStartTLSOpportunistic, RootCAs: srv.CertPool})
	if err := send(t, s, unlockMessage(to)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.WaitMessage(t, to, 10*time.Second); !got.TLS {
		t.Error("opportunistic STARTTLS did not upgrade")
	}
}

func TestSMTPUntrustedCertificateIsPermanent(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{StartTLS: true})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from}) // the system's roots
	err := send(t, s, unlockMessage(to))
	if err == nil {
		t.Fatal("trusted a self-signed certificate")
	}
	if errors.Is(err, mail.ErrUnavailable) {
		t.Errorf("an untrusted certificate is reported as temporary: %v", err)
	}
	checkSecretFree(t, err)
}

// Implicit TLS, trusting the server through a CA file.
func TestSMTPImplicitTLSWithCAFile(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{ImplicitTLS: true, Username: user, Password: password})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, srv.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSMTP(t, mail.SMTPConfig{
		Host: "localhost", Port: srv.Port, From: from, TLS: mail.TLSImplicit,
		Username: user, Password: password, CAFile: caFile,
	})
	if err := send(t, s, unlockMessage(to)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.WaitMessage(t, to, 10*time.Second); !got.TLS || !got.Authenticated {
		t.Errorf("session: TLS %v, authenticated %v; want both", got.TLS, got.Authenticated)
	}
}

func TestSMTPServerDownIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	s := newSMTP(t, mail.SMTPConfig{Host: "127.0.0.1", Port: port, From: from, TLS: mail.TLSNone})
	err = send(t, s, unlockMessage(to))
	if !errors.Is(err, mail.ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	checkSecretFree(t, err)
}

func TestSMTPTemporaryRejectionIsUnavailable(t *testing.T) {
	busy := "busy@example.test"
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{TempFail: []string{busy}})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, TLS: mail.TLSNone})
	err := send(t, s, unlockMessage(busy))
	if !errors.Is(err, mail.ErrUnavailable) {
		t.Fatalf("a 451 reply: want ErrUnavailable, got %v", err)
	}
	var e *mail.Error
	if !errors.As(err, &e) || e.Code != 451 || e.Op != "send" {
		t.Errorf("want a send *mail.Error with code 451, got %#v", err)
	}
	checkSecretFree(t, err)
}

func TestSMTPContextEndedIsUnavailable(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, TLS: mail.TLSNone})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Send(ctx, unlockMessage(to))
	if !errors.Is(err, mail.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("want ErrUnavailable and context.Canceled, got %v", err)
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	ok := mail.SMTPConfig{Host: "smtp.example.org", From: from}
	for _, tc := range []struct {
		name string
		edit func(*mail.SMTPConfig)
		want string // in the error; "" means valid
	}{
		{"defaults", func(c *mail.SMTPConfig) {}, ""},
		{"every policy but none", func(c *mail.SMTPConfig) { c.TLS = mail.TLSImplicit; c.Port = 465 }, ""},
		{"none to 127.0.0.1", func(c *mail.SMTPConfig) { c.Host, c.TLS = "127.0.0.1", mail.TLSNone }, ""},
		{"none to 127.1.2.3", func(c *mail.SMTPConfig) { c.Host, c.TLS = "127.1.2.3", mail.TLSNone }, ""},
		{"none to ::1", func(c *mail.SMTPConfig) { c.Host, c.TLS = "::1", mail.TLSNone }, ""},
		{"none to localhost", func(c *mail.SMTPConfig) { c.Host, c.TLS = "localhost", mail.TLSNone }, ""},
		{"none to a remote name", func(c *mail.SMTPConfig) { c.TLS = mail.TLSNone }, "loopback"},
		{"none to a private address", func(c *mail.SMTPConfig) { c.Host, c.TLS = "10.0.0.25", mail.TLSNone }, "loopback"},
		{"no host", func(c *mail.SMTPConfig) { c.Host = "" }, "no host"},
		{"host with a port", func(c *mail.SMTPConfig) { c.Host = "smtp.example.org:587" }, "port goes in Port"},
		{"bad port", func(c *mail.SMTPConfig) { c.Port = 70000 }, "not a TCP port"},
		{"no sender", func(c *mail.SMTPConfig) { c.From = "" }, "no sender"},
		{"bad sender", func(c *mail.SMTPConfig) { c.From = "noreply" }, "not an email address"},
		{"password alone", func(c *mail.SMTPConfig) { c.Password = password }, "go together"},
		{"username alone", func(c *mail.SMTPConfig) { c.Username = user }, "go together"},
		{"unknown policy", func(c *mail.SMTPConfig) { c.TLS = "ssl" }, "unknown TLS policy"},
		{"two CAs", func(c *mail.SMTPConfig) { c.CAFile = "ca.pem"; c.RootCAs = x509.NewCertPool() }, "not both"},
		{"negative timeout", func(c *mail.SMTPConfig) { c.Timeout = -time.Second }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate: %v; want an error saying %q", err, tc.want)
			}
			if err != nil {
				checkSecretFree(t, err)
				if _, nerr := mail.NewSMTP(c); nerr == nil {
					t.Error("NewSMTP took a configuration Validate refuses")
				}
			}
		})
	}
}

func TestSMTPConfigHidesPassword(t *testing.T) {
	c := mail.SMTPConfig{Host: "smtp.example.org", From: from, Username: user, Password: password}
	if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, &c); strings.Contains(s, password) {
		t.Errorf("%q shows the password", s)
	}
}

func TestSMTPRefusesInvalidMessage(t *testing.T) {
	s := newSMTP(t, mail.SMTPConfig{Host: "127.0.0.1", Port: 1, From: from, TLS: mail.TLSNone})
	m := unlockMessage(to)
	m.Subject = "Hello\r\nBcc: eve@example.test"
	if err := send(t, s, m); !errors.Is(err, mail.ErrInvalidMessage) {
		t.Errorf("a subject with a line break: %v", err)
	}
}

// One SMTP serves concurrent sends, each on its own connection.
func TestSMTPConcurrentSends(t *testing.T) {
	srv := testkit.StartSMTP(t, testkit.SMTPOptions{StartTLS: true, Username: user, Password: password})
	s := newSMTP(t, mail.SMTPConfig{Host: srv.Host, Port: srv.Port, From: from, Username: user, Password: password, RootCAs: srv.CertPool})
	const n = 4
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Send(context.Background(), unlockMessage(fmt.Sprintf("user%d@example.test", i))) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i := range n {
		srv.WaitMessage(t, fmt.Sprintf("user%d@example.test", i), 10*time.Second)
	}
}
