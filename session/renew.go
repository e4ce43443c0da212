package session

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session/renewal"
	"github.com/cardagent/cardagent/wording"
)

// Renewal of the certificates from the active session (docs/renewal.md):
// the popup asks for the passcode (a fresh VERIFY), then identityd opens a
// renewal and session/renewal does the card work, reporting each step. A
// card pulled on the way locks the session like any removal; the renewal
// waits at identityd where it stood.

// renewalTimeout bounds the whole card work: key generation on a real card
// takes seconds (RSA up to a minute), and identityd is called eight times.
const renewalTimeout = 3 * time.Minute

// Renew opens the renewal popup (the Renew now button, the tray item, the
// daily reminder), or says why renewal is not offered now.
func (a *Agent) Renew() {
	a.do(func() {
		if a.sess == nil || a.st.Screen != ScreenActive {
			return
		}
		if c := a.sess.Certificate; !c.SelfRenewalAllowed {
			a.show(ScreenRenewFailed, func(s *State) { trouble(s, notOffered(c.RenewalRefusal)) })
			return
		}
		a.show(ScreenRenewPasscode, func(s *State) { s.TriesLeft = a.cardTriesLeft() })
	})
}

// remindRenewal opens the renewal popup by itself once a day while
// self-renewal is offered ("Remind me tomorrow" closes it until the next
// day).
func (a *Agent) remindRenewal() {
	e, user := a.st.Expiry, a.sess.User.ID
	today := a.cfg.Now().Format(time.DateOnly)
	if e == nil || !e.CanSelfRenew || a.cfg.Reminders.RemindedOn(user) >= today { // days compare as text
		return
	}
	if err := a.cfg.Reminders.SetRemindedOn(user, today); err != nil {
		a.log.Warn("remembering the renewal reminder", "err", err)
	}
	a.show(ScreenRenewPasscode, func(s *State) { s.TriesLeft = a.cardTriesLeft() })
}

// SubmitRenewalPasscode starts the renewal with the passcode typed on
// ScreenRenewPasscode. As with SubmitPasscode, the agent owns p and wipes
// it; a passcode that does not match the rule costs no card try.
func (a *Agent) SubmitRenewalPasscode(question uint64, p []byte) {
	a.post(intent{cancel: func() { clear(p) }, run: func() {
		if !a.asking(ScreenRenewPasscode, question) || (a.ticket == nil && a.unfinished == nil) || a.conn == nil || a.id == nil {
			clear(p)
			return
		}
		if msg := ruleProblem(p, a.st.Rule); msg != "" {
			clear(p)
			a.show(ScreenRenewPasscode, func(s *State) { s.Message = msg })
			return
		}
		a.renew(p)
	}})
}

// CloseRenewal closes the popup (Cancel, Close, Remind me tomorrow); while
// the card work runs it cannot be closed.
func (a *Agent) CloseRenewal() {
	a.do(func() {
		if !a.st.Screen.Renewal() || a.st.Screen == ScreenRenewing {
			return
		}
		a.retry = nil
		if a.sess == nil { // an unfinished renewal, finished or not: now the login
			a.unfinished = nil
			a.restartCard(notice{})
			return
		}
		a.newGen() // drops a Retry's pending step, if any
		a.show(ScreenActive, nil)
	})
}

// renew runs the renewal step: open at identityd, then the card work.
func (a *Agent) renew(passcode []byte) {
	ctx := a.newGen()
	gen := a.gen
	conn, guid := a.conn, a.id.guid
	var ticket client.Ticket
	if a.ticket != nil {
		ticket = *a.ticket
	}
	unfinished := a.unfinished
	a.show(ScreenRenewing, func(s *State) { s.Renewing = RenewPreparing })
	progress := func(st renewal.Step) {
		a.do(func() {
			if a.gen == gen && a.st.Screen == ScreenRenewing {
				a.show(ScreenRenewing, func(s *State) { s.Renewing = RenewalStep(st) })
			}
		})
	}
	step(a, ctx, func(ctx context.Context) (api.Renewal, error) {
		r, err := a.openRenewal(ctx, ticket, unfinished)
		if err == nil && r.Token == "" { // stopped before identityd had the new 9A key: prove the card with 9C
			rctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout+a.cfg.BackendTimeout)
			r, err = renewal.Recover(rctx, conn, guid, a.backend, r, slices.Clone(passcode), renewal.Options{Trace: a.trace})
			cancel()
		}
		if err != nil {
			clear(passcode)
			return r, err
		}
		rctx, cancel := context.WithTimeout(ctx, renewalTimeout)
		defer cancel()
		return renewal.Run(rctx, conn, guid, a.backend, r, passcode,
			renewal.Options{CallTimeout: a.cfg.BackendTimeout, Trace: a.trace, Progress: progress})
	}, func(r api.Renewal, err error) {
		if err != nil {
			a.renewFailed(err)
			return
		}
		a.renewed(r)
	})
}

// openRenewal opens a renewal with the session's ticket, or goes on with
// the unfinished one identityd named at login.
func (a *Agent) openRenewal(ctx context.Context, session client.Ticket, unfinished *api.Renewal) (api.Renewal, error) {
	if unfinished != nil {
		return *unfinished, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
	defer cancel()
	return a.backend.OpenRenewal(ctx, session)
}

// unfinishedRenewal: identityd refused the login because a renewal of this
// card stopped half-way (the card may hold new keys and old certificates).
// With the token identityd handed out, the popup asks for the passcode and
// finishes it; then the card logs in.
func (a *Agent) unfinishedRenewal(err error) {
	var ae *client.APIError
	errors.As(err, &ae)
	recoverable := ae.Renewal != nil && (ae.Renewal.Token != "" ||
		ae.Renewal.State == api.RenewalStateGenerating9A && ae.Renewal.PublicKeys != nil && ae.Renewal.PublicKeys.Signature != "")
	if !recoverable {
		a.backendFailed(err, a.backToPasscode) // no way on from here: words from refusal
		return
	}
	r := *ae.Renewal
	a.unfinished = &r
	a.log.Info("finishing an interrupted renewal", "renewal", r.ID, "state", string(r.State))
	a.show(ScreenRenewPasscode, func(s *State) { s.TriesLeft, s.Message = a.id.triesLeft, wording.RenewUnfinished })
}

// renewed shows the new expiry; the card's new login certificate replaces
// the cached one, and the expiry alert goes.
func (a *Agent) renewed(r api.Renewal) {
	var until time.Time
	if r.Certificates != nil {
		if der, err := base64.StdEncoding.DecodeString(r.Certificates.Authentication); err == nil {
			if cert, err := x509.ParseCertificate(der); err == nil {
				until = cert.NotAfter
				a.cache.putCert(a.id.guid, der)
				a.id.cert = cert
			}
		}
	}
	a.unfinished = nil
	a.log.Info("certificates renewed", "renewal", r.ID, "not_after", until)
	a.show(ScreenRenewed, func(s *State) { s.Expiry, s.RenewedUntil = nil, until })
}

// renewFailed says why the renewal did not finish: a wrong passcode asks
// again; otherwise the popup explains, with Retry where it may help.
func (a *Agent) renewFailed(err error) {
	a.log.Warn("renewal did not finish", "err", err)
	var auth piv.AuthError
	switch {
	case errors.As(err, &auth) && !auth.Blocked:
		a.id.triesLeft = auth.Retries
		a.show(ScreenRenewPasscode, func(s *State) { s.TriesLeft, s.Message = auth.Retries, wording.WrongPasscode(auth.Retries) })
		return
	case errors.As(err, &auth):
		a.show(ScreenRenewFailed, func(s *State) { s.TriesLeft = 0; trouble(s, wording.Blocked) })
		return
	}
	t, retryable := renewalTrouble(err)
	a.retry = nil
	if retryable {
		a.retry = func() { a.show(ScreenRenewPasscode, func(s *State) { s.TriesLeft = a.cardTriesLeft() }) }
	}
	a.show(ScreenRenewFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

// renewalTrouble words a failed renewal.
func renewalTrouble(err error) (wording.Trouble, bool) {
	var ae *client.APIError
	switch {
	case errors.As(err, &ae) && ae.Code == api.CodeRenewalRefused:
		return notOffered(ae.RenewalRefusal), false
	case errors.As(err, &ae):
		if t, retryable := refusal(err); t != wording.Refused(ae.Message) {
			return t, retryable
		}
		return wording.RenewalFailed, true
	case errors.Is(err, client.ErrUnreachable), errors.Is(err, client.ErrUntrusted):
		t, retryable := refusal(err)
		return wording.Trouble{Problem: t.Problem, Fix: wording.RenewInterrupted}, retryable
	}
	if t, retryable := CardTrouble(err); t != wording.Unreadable {
		return t, retryable
	}
	return wording.RenewalFailed, true
}
