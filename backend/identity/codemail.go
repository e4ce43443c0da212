package identity

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/mail"
)

// codeMailer delivers identityd's codes as email (backend/mail).
type codeMailer struct {
	sender mail.Sender
	loc    *time.Location
	now    func() time.Time
}

func (m codeMailer) SendUnlockCode(ctx context.Context, c UnlockCode) error {
	message := mail.UnlockCodeMessage
	if c.Purpose == CodeForQuestions {
		message = mail.QuestionsCodeMessage
	}
	return m.sender.Send(ctx, message(mail.UnlockCode{
		To: c.To, HolderName: c.Holder, CardLabel: c.Card, Code: c.Code,
		Issued: m.now(), ValidUntil: c.ValidUntil, Location: m.loc,
	}))
}

// newCodeSender is the sender cfg describes: a directory mailbox with
// Dir, else SMTP with SMTPHost; nil when neither is set (no self-service
// unlock). New uses it unless WithCodeSender gave one.
func newCodeSender(cfg config.Mail, log *slog.Logger) (CodeSender, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	loc, err := cfg.Location()
	if err != nil {
		return nil, err
	}
	var s mail.Sender
	if cfg.Dir != "" {
		if s, err = mail.NewDir(cfg.Dir, cfg.From); err != nil {
			return nil, err
		}
	} else {
		password := cfg.SMTPPassword
		if cfg.SMTPPasswordFile != "" {
			b, err := os.ReadFile(cfg.SMTPPasswordFile)
			if err != nil {
				return nil, fmt.Errorf("reading the SMTP password file: %w", err)
			}
			password = strings.TrimSpace(string(b))
		}
		s, err = mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, From: cfg.From,
			Username: cfg.SMTPUser, Password: password, TLS: mail.TLSPolicy(cfg.SMTPTLS), CAFile: cfg.SMTPCAFile})
		if err != nil {
			return nil, err
		}
	}
	email := codeMailer{sender: s, loc: loc, now: time.Now}
	if cfg.SMS == "log" {
		return channels{first: email, more: []CodeSender{smsLog{log}}, log: log}, nil
	}
	return email, nil
}
