package identity

import (
	"context"
	"errors"
	"log/slog"
)

// smsLog stands in for an SMS gateway behind the same CodeSender interface
// as email: it sends nothing and logs that a text was due, to a partly
// hidden number, never the code. Kept apart from backend/mail: a text is
// not an email, and a real gateway would replace only this.
type smsLog struct{ log *slog.Logger }

func (s smsLog) SendUnlockCode(ctx context.Context, c UnlockCode) error {
	if c.Mobile == "" {
		return nil
	}
	s.log.InfoContext(ctx, "unlock code text not sent: log-only SMS channel (code withheld)", "to", hideNumber(c.Mobile))
	return nil
}

// channels sends a code by every channel: the first (email) must deliver;
// a later one that fails is logged, since the code is already on its way.
type channels struct {
	first CodeSender
	more  []CodeSender
	log   *slog.Logger
}

func (c channels) SendUnlockCode(ctx context.Context, code UnlockCode) error {
	if err := c.first.SendUnlockCode(ctx, code); err != nil {
		return err
	}
	var errs []error
	for _, m := range c.more {
		errs = append(errs, m.SendUnlockCode(ctx, code))
	}
	if err := errors.Join(errs...); err != nil {
		c.log.WarnContext(ctx, "an extra channel for the unlock code failed", "err", err)
	}
	return nil
}

// hideNumber shows the last three digits of a phone number: •••001.
func hideNumber(n string) string {
	if len(n) <= 3 {
		return "•••"
	}
	return "•••" + n[len(n)-3:]
}
