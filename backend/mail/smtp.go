package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends each message over a connection of its own to one mail server
// (dial, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT): unlock codes are
// rare, so a long-lived connection would only add a way to fail. Safe for
// concurrent use.
type SMTP struct {
	cfg SMTPConfig  // validated, defaults filled in
	tls *tls.Config // shared, never modified after NewSMTP
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg (SMTPConfig.Validate), fills in its defaults and reads
// CAFile, so a configuration that cannot work fails when identityd starts
// rather than when someone asks for a code.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	roots := cfg.RootCAs
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mail: smtp: CA file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mail: smtp: CA file %s holds no PEM certificate", cfg.CAFile)
		}
	}
	return &SMTP{cfg: cfg, tls: &tls.Config{
		ServerName: cfg.Host,
		RootCAs:    roots,
		MinVersion: tls.VersionTLS12,
	}}, nil
}

// Send delivers m. Its error is an *Error (errors.Is(err, ErrUnavailable)
// when a later try may succeed) or, for a message no server would take, one
// matching ErrInvalidMessage. ctx can end the send at any stage: its end
// closes the connection.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	msg, err := compose(s.cfg.From, m)
	if err != nil {
		return err
	}

	// go-mail dials through this function so that the connection can be
	// closed when ctx ends (go-mail itself heeds ctx only while dialling)
	// and when a step before MAIL fails (go-mail leaves it open then).
	var conn net.Conn
	var stop func() bool
	dial := func(dctx context.Context, network, _ string) (net.Conn, error) {
		addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
		d := &net.Dialer{}
		var err error
		if s.cfg.TLS == TLSImplicit {
			// A *tls.Conn, which go-mail's AUTH PLAIN sees as encrypted.
			conn, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(dctx, network, addr)
		} else {
			conn, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		c := conn
		stop = context.AfterFunc(ctx, func() { c.Close() })
		return conn, nil
	}
	defer func() {
		if stop != nil {
			stop()
		}
	}()

	client, err := gomail.NewClient(s.cfg.Host, s.options(dial)...)
	if err != nil {
		return &Error{Op: "connect", Err: err}
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return s.fail(ctx, "connect", err)
	}
	if err := client.SendWithSMTPClient(sc, msg); err != nil {
		client.CloseWithSMTPClient(sc)
		return s.fail(ctx, "send", err)
	}
	// The server has taken the message: a failed QUIT changes nothing.
	_ = client.CloseWithSMTPClient(sc)
	return nil
}

// options are go-mail's settings for one send.
func (s *SMTP) options(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(s.tls),
		// One message per connection: no NOOP before it, no RSET after it
		// (a failed RSET would report a delivered message as failed).
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	switch s.cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSStartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSImplicit, TLSNone:
		// Implicit TLS is the dialer's: no STARTTLS on top of it.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		auth := gomail.SMTPAuthPlain // refuses to send the password unencrypted, except to localhost
		if s.cfg.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc // Validate allowed "none" for a loopback host only
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}

// fail classifies err; when ctx has ended, that is the cause to report
// (closing the connection shows up as a network error).
func (s *SMTP) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return &Error{Op: op, Temporary: true, Err: fmt.Errorf("%w (%v)", cerr, err)}
	}
	return classify(op, err)
}
