package config

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// Mail is how unlock codes reach their holders. With neither SMTPHost nor
// Dir there is no self-service unlock (the request says so).
type Mail struct {
	// From is the sender of every message.
	From string
	// SMTPHost is the mail server; SMTPPort defaults by SMTPTLS.
	SMTPHost string
	SMTPPort int
	// SMTPTLS is "starttls" (default), "starttls-opportunistic", "tls" or
	// "none" (a loopback relay only).
	SMTPTLS string
	// SMTPUser logs in with the password read from SMTPPasswordFile (or
	// IDENTITYD_SMTP_PASSWORD); never on the command line.
	SMTPUser         string
	SMTPPasswordFile string
	SMTPPassword     string // from the file or the environment; never logged
	// SMTPCAFile is a PEM file of roots for the server's certificate (a
	// private CA); default the system's.
	SMTPCAFile string
	// Dir writes each message as a .eml file there instead of sending it:
	// the demo's mailbox, and trying identityd without a mail server.
	Dir string
	// TimeZone is the zone the emails give times in.
	TimeZone string
	// SMS is the text channel beside email for holders with a mobile
	// number: "off" (default) or "log" (a stand-in that logs a text was
	// due, never the code).
	SMS string
}

// DefaultMailFrom is the sender unless configured.
const DefaultMailFrom = "NHS Smartcard service <smartcards@localhost>"

func defaultMail() Mail {
	return Mail{From: DefaultMailFrom, SMTPTLS: "starttls", TimeZone: "Europe/London", SMS: "off"}
}

// Enabled reports whether codes can be sent at all.
func (m Mail) Enabled() bool { return m.SMTPHost != "" || m.Dir != "" }

// Validate reports a mail setting that cannot work.
func (m Mail) Validate() error {
	if m.SMS != "off" && m.SMS != "log" {
		return fmt.Errorf("config: -unlock-sms %q is not off or log", m.SMS)
	}
	_, err := m.Location()
	return err
}

// Location is TimeZone loaded.
func (m Mail) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("config: mail time zone %q: %w", m.TimeZone, err)
	}
	return loc, nil
}

func (m *Mail) flags(fs *flag.FlagSet) {
	fs.StringVar(&m.From, "mail-from", m.From, "sender of unlock-code emails (env IDENTITYD_MAIL_FROM)")
	fs.StringVar(&m.SMTPHost, "smtp-host", m.SMTPHost, "mail server for unlock codes; none: no self-service unlock unless -mail-dir (env IDENTITYD_SMTP_HOST)")
	fs.IntVar(&m.SMTPPort, "smtp-port", m.SMTPPort, "mail server port (default 587, 465 with -smtp-tls tls, 25 with none)")
	fs.StringVar(&m.SMTPTLS, "smtp-tls", m.SMTPTLS, "starttls, starttls-opportunistic, tls, or none (loopback only)")
	fs.StringVar(&m.SMTPUser, "smtp-user", m.SMTPUser, "mail server login (password from -smtp-password-file or IDENTITYD_SMTP_PASSWORD)")
	fs.StringVar(&m.SMTPPasswordFile, "smtp-password-file", m.SMTPPasswordFile, "file holding the mail server password")
	fs.StringVar(&m.SMTPCAFile, "smtp-ca-file", m.SMTPCAFile, "PEM roots for the mail server's certificate (default: the system's)")
	fs.StringVar(&m.Dir, "mail-dir", m.Dir, "write unlock-code emails as .eml files here instead of sending them (a local mailbox)")
	fs.StringVar(&m.TimeZone, "mail-time-zone", m.TimeZone, "time zone of the times in emails")
	fs.StringVar(&m.SMS, "unlock-sms", m.SMS, "text channel for unlock codes beside email: off, or log (a stand-in that logs a text was due, never the code)")
}

func (m *Mail) env(get func(string) string) {
	for _, e := range []struct {
		name string
		dst  *string
	}{{"IDENTITYD_MAIL_FROM", &m.From}, {"IDENTITYD_SMTP_HOST", &m.SMTPHost}, {"IDENTITYD_SMTP_PASSWORD", &m.SMTPPassword}} {
		if v := strings.TrimSpace(get(e.name)); v != "" {
			*e.dst = v
		}
	}
}
