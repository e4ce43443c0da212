package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"syscall"

	gomail "github.com/wneessen/go-mail"
)

// ErrUnavailable matches (errors.Is) an SMTP send that may succeed if tried
// again later: the server could not be reached, the connection dropped or
// timed out, the caller's context ended, or the server answered 4xx. The
// caller may retry (or tell the person to try again shortly); every other
// error from SMTP.Send is permanent and needs a person to fix something.
//
// One ambiguity is SMTP's own: a connection lost after the message was sent
// but before the server confirmed it is reported as unavailable, so a retry
// can deliver a second copy.
var ErrUnavailable = errors.New("mail server unavailable")

// Error is a failed SMTP send. Its text names the stage and the server's
// reply or the network error, never the message's text.
type Error struct {
	// Op is the stage that failed: "connect" (dial, EHLO, STARTTLS, AUTH)
	// or "send" (MAIL FROM, RCPT TO, DATA).
	Op string
	// Code is the server's SMTP reply code, 0 when there was none (a
	// network failure, a TLS failure, a policy the client refused).
	Code int
	// Temporary says whether trying again later may help; errors.Is(err,
	// ErrUnavailable) reports it.
	Temporary bool
	// Err is the cause (go-mail's, net's, crypto/tls's).
	Err error
}

func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return "mail: " + e.Op + " (" + kind + "): " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnavailable) true for temporary failures.
func (e *Error) Is(target error) bool { return target == ErrUnavailable && e.Temporary }

// classify wraps a go-mail error with its stage, reply code and whether it
// is worth retrying.
func classify(op string, err error) *Error {
	e := &Error{Op: op, Err: err}
	var reply *textproto.Error
	var send *gomail.SendError
	switch {
	case errors.As(err, &reply):
		// A reply from the server (e.g. 535 after AUTH, 454 for STARTTLS):
		// 4xx means "not now", 5xx means "no".
		e.Code = reply.Code
		e.Temporary = reply.Code/100 == 4
	case errors.As(err, &send):
		// go-mail keeps the reply inside a SendError it does not unwrap,
		// but reports its code. No code during MAIL/RCPT/DATA means the
		// conversation broke off (I/O): temporary. Building the envelope
		// from our own message failing is not.
		e.Code = send.ErrorCode()
		switch {
		case e.Code != 0:
			e.Temporary = e.Code/100 == 4
		case send.Reason == gomail.ErrGetSender, send.Reason == gomail.ErrGetRcpts, send.Reason == gomail.ErrNoUnencoded:
			e.Temporary = false
		default:
			e.Temporary = true
		}
	default:
		e.Temporary = transient(err)
	}
	return e
}

// transient tells a network that failed (try later) from a configuration
// that cannot work (a certificate that does not verify, a host name that
// does not exist, STARTTLS or AUTH that the server does not offer).
func transient(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname),
		errors.As(err, &invalid), errors.As(err, &alert), errors.As(err, &record):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return true
	}
	// A name that does not exist will not exist on the next try either;
	// any other DNS failure may pass.
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}
