package mail

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/netip"
	"strings"
	"time"
)

// TLSPolicy is how an SMTP connection is protected.
type TLSPolicy string

const (
	// TLSStartTLS upgrades the connection with STARTTLS and refuses a
	// server that does not offer it. The default: the codes are secrets.
	TLSStartTLS TLSPolicy = "starttls"
	// TLSStartTLSOpportunistic upgrades when the server offers STARTTLS and
	// sends in clear when it does not. Even then the password is sent in
	// clear only to a loopback host (go-mail refuses PLAIN otherwise).
	TLSStartTLSOpportunistic TLSPolicy = "starttls-opportunistic"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSPolicy = "tls"
	// TLSNone never encrypts: for a relay on this host (a local MTA or a
	// test server) only, so Validate refuses it for any other host.
	TLSNone TLSPolicy = "none"
)

// DefaultTimeout bounds each network step of a send (dial, each command and
// reply) when SMTPConfig.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// SMTPConfig is where and how SMTP sends. The zero values of Port, TLS and
// Timeout are filled in by NewSMTP (see each field).
type SMTPConfig struct {
	// Host is the mail server's name or IP address, without a port. With
	// TLS it is also the name the server's certificate must carry.
	Host string
	// Port defaults by TLS policy: 587 (submission) for both STARTTLS
	// policies, 465 for "tls", 25 for "none".
	Port int
	// From is the sender, an address with or without a display name
	// ("Smartcard service <noreply@example.org>").
	From string
	// Username and Password log in with AUTH PLAIN; both or neither. Without
	// them no AUTH is tried (a relay that trusts this host). Password is
	// never logged nor shown by String.
	Username string
	Password string
	// TLS is the policy: "starttls" (the default), "starttls-opportunistic",
	// "tls" or "none".
	TLS TLSPolicy
	// RootCAs, or the PEM file CAFile, replaces the system's roots for the
	// server's certificate: for a private CA or a test server's self-signed
	// certificate. At most one of them; neither means the system's roots.
	RootCAs *x509.CertPool
	CAFile  string
	// Timeout bounds each network step (dial, each command); DefaultTimeout
	// when zero. The context given to Send can end a send sooner.
	Timeout time.Duration
}

// withDefaults fills in the zero Port, TLS and Timeout.
func (c SMTPConfig) withDefaults() SMTPConfig {
	if isIPv6(c.Host) {
		c.Host = strings.Trim(c.Host, "[]")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate says what is wrong with c, all of it at once. Zero Port, TLS and
// Timeout are valid: they take their defaults.
func (c SMTPConfig) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("mail: smtp: "+format, args...)) }
	switch {
	case c.Host == "":
		bad("no host")
	case strings.ContainsAny(c.Host, ":/ ") && !isIPv6(c.Host):
		bad("host %q must be a name or an IP address alone (the port goes in Port)", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		bad("port %d is not a TCP port", c.Port)
	}
	if c.From == "" {
		bad("no sender address (From)")
	} else if _, err := netmail.ParseAddress(c.From); err != nil {
		bad("sender %q is not an email address: %v", c.From, err)
	}
	if (c.Username == "") != (c.Password == "") {
		bad("username and password go together: set both to log in, or neither")
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSStartTLSOpportunistic, TLSImplicit:
	case TLSNone:
		if c.Host != "" && !isLoopback(c.Host) {
			bad("TLS policy %q sends the codes (and any password) in clear, so it is allowed only to a loopback host (localhost, 127.0.0.0/8, ::1), not %q: use %q or %q", TLSNone, c.Host, TLSStartTLS, TLSImplicit)
		}
		if c.RootCAs != nil || c.CAFile != "" {
			bad("a CA (RootCAs, CAFile) has no use with TLS policy %q", TLSNone)
		}
	default:
		bad("unknown TLS policy %q: use %q, %q, %q or %q (loopback only)", c.TLS, TLSStartTLS, TLSStartTLSOpportunistic, TLSImplicit, TLSNone)
	}
	if c.RootCAs != nil && c.CAFile != "" {
		bad("set RootCAs or CAFile, not both")
	}
	if c.Timeout < 0 {
		bad("timeout %v is negative", c.Timeout)
	}
	return errors.Join(errs...)
}

// String describes c without its password, for logs and %v.
func (c SMTPConfig) String() string {
	c = c.withDefaults()
	auth := "no login"
	if c.Username != "" {
		auth = fmt.Sprintf("login %q (password not shown)", c.Username)
	}
	return fmt.Sprintf("smtp %s, TLS %s, from %q, %s", net.JoinHostPort(c.Host, fmt.Sprint(c.Port)), c.TLS, c.From, auth)
}

// GoString is String, for %#v.
func (c SMTPConfig) GoString() string { return c.String() }

// isLoopback reports whether host is this machine without asking DNS:
// "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

func isIPv6(host string) bool {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Is6()
}
