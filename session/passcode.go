package session

import (
	"context"
	"errors"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/wording"
)

// Changing the passcode from the active session: the popup asks for the
// current passcode and the new one twice. The rule is checked here, so a
// mistake there costs no card try; then the card alone compares the current
// passcode and stores the new one (CHANGE REFERENCE DATA) in one exclusive
// transaction that leaves nothing verified. identityd is told the outcome,
// never a value, for its audit trail; that report never delays the answer
// on screen and is retried while the backend is unreachable.

// ChangePasscode opens the passcode change popup (the active screen's
// button, the tray item).
func (a *Agent) ChangePasscode() {
	a.do(func() {
		if a.sess == nil || a.st.Screen != ScreenActive {
			return
		}
		a.show(ScreenChangePasscode, func(s *State) { s.TriesLeft = a.cardTriesLeft() })
	})
}

// SubmitPasscodeChange changes the passcode with what was typed on
// ScreenChangePasscode. The agent owns the three buffers and wipes them;
// the passcodes go to the card and nowhere else.
func (a *Agent) SubmitPasscodeChange(question uint64, current, next, again []byte) {
	wipe := func() { clear(current); clear(next); clear(again) }
	a.post(intent{cancel: wipe, run: func() {
		defer clear(again) // only ever compared
		if !a.asking(ScreenChangePasscode, question) || a.ticket == nil || a.conn == nil || a.id == nil {
			wipe()
			return
		}
		if msg := newPasscodeProblem(current, next, again, a.st.Rule); msg != "" {
			wipe()
			a.show(ScreenChangePasscode, func(s *State) { s.TriesLeft, s.Message = a.cardTriesLeft(), msg })
			return
		}
		a.changePasscode(current, next)
	}})
}

// ClosePasscodeChange closes the popup (Cancel, Close); while the card
// works it cannot be closed.
func (a *Agent) ClosePasscodeChange() {
	a.do(func() {
		if !a.st.Screen.PasscodeChange() || a.st.Screen == ScreenChangingPasscode {
			return
		}
		a.retry = nil
		a.show(ScreenActive, nil)
	})
}

// changePasscode runs the card's change as a step and reports its outcome.
func (a *Agent) changePasscode(current, next []byte) {
	ctx := a.newGen()
	conn, ticket := a.conn, *a.ticket
	a.show(ScreenChangingPasscode, nil)
	step(a, ctx, func(ctx context.Context) (struct{}, error) {
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
		err := changePIN(cctx, conn, current, next, a.trace)
		cancel()
		// Reported whatever becomes of this step's result: a card pulled
		// right after its answer drops the result, not the audit record.
		if r, ok := passcodeReport(err); ok {
			a.reportInOrder(passcodeReportFor, func(ctx context.Context) { a.reportPasscodeChange(ctx, ticket, r) })
		}
		return struct{}{}, err
	}, func(_ struct{}, err error) { a.passcodeChangeDone(err) })
}

// changePIN is CHANGE REFERENCE DATA in one transaction of its own; the
// buffers are wiped whatever happens.
func changePIN(ctx context.Context, conn CardConn, current, next []byte, trace piv.Option) error {
	defer clear(current)
	defer clear(next)
	return conn.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(conn.ATR()), trace)
		if err := p.Select(); err != nil {
			return err
		}
		defer p.DropPIN() // some cards leave the PIN verified after a change
		return p.ChangePIN(current, next)
	})
}

// passcodeReport is what the card's answer tells identityd; ok is false
// when the card gave no verdict (pulled, mute) and there is nothing to say.
func passcodeReport(err error) (api.PasscodeChangeReport, bool) {
	var auth piv.AuthError
	switch {
	case err == nil:
		return api.PasscodeChangeReport{Outcome: api.PasscodeChanged}, true
	case errors.As(err, &auth) && auth.Blocked:
		return api.PasscodeChangeReport{Outcome: api.PasscodeBlocked}, true
	case errors.As(err, &auth) && auth.Retries > 0:
		return api.PasscodeChangeReport{Outcome: api.PasscodeWrongCurrent, TriesLeft: auth.Retries}, true
	}
	return api.PasscodeChangeReport{}, false
}

// passcodeChangeDone shows the card's answer.
func (a *Agent) passcodeChangeDone(err error) {
	var auth piv.AuthError
	a.retry = nil
	switch {
	case err == nil:
		a.id.triesLeft = a.passcodeRetries() // the card reset its count
		a.log.Info("passcode changed on the card")
		a.show(ScreenPasscodeChanged, func(s *State) { s.TriesLeft = a.cardTriesLeft() })
	case errors.As(err, &auth) && auth.Blocked:
		a.id.triesLeft, a.id.blocked = 0, true
		a.log.Warn("passcode change: the card is now locked")
		a.show(ScreenPasscodeChangeFailed, func(s *State) { s.TriesLeft = 0; trouble(s, wording.Blocked) })
	case errors.As(err, &auth):
		a.id.triesLeft = auth.Retries
		a.show(ScreenChangePasscode, func(s *State) { s.TriesLeft, s.Message = auth.Retries, wording.WrongPasscode(auth.Retries) })
	case errors.Is(err, reader.ErrRemoved), errors.Is(err, reader.ErrNoCard), errors.Is(err, context.Canceled):
		// the removal event locks the session
	case errors.Is(err, apdu.ErrWrongData):
		// The card's own rule is stricter than the policy: no try was used.
		a.retry = a.askPasscodeChangeAgain
		a.show(ScreenPasscodeChangeFailed, func(s *State) { trouble(s, wording.PasscodeCardRefused); s.Retryable = true })
	default:
		a.log.Warn("passcode change did not finish", "err", err)
		t, retryable := CardTrouble(err)
		if t == wording.Unreadable {
			t, retryable = wording.PasscodeNotChanged, true
		}
		if retryable {
			a.retry = a.askPasscodeChangeAgain
		}
		a.show(ScreenPasscodeChangeFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
	}
}

func (a *Agent) askPasscodeChangeAgain() {
	if a.sess != nil {
		a.show(ScreenChangePasscode, func(s *State) { s.TriesLeft = a.cardTriesLeft() })
	}
}

// cardTriesLeft is the card's passcode tries as last known (-1: unknown).
func (a *Agent) cardTriesLeft() int {
	if a.id == nil {
		return -1
	}
	return a.id.triesLeft
}

// passcodeRetries is how many tries a card has after a good passcode.
func (a *Agent) passcodeRetries() int {
	if a.policy != nil && a.policy.PasscodeRetries > 0 {
		return a.policy.PasscodeRetries
	}
	return defaultPasscodeRetries
}

// defaultPasscodeRetries is the seeds' limit, until the policy says.
const defaultPasscodeRetries = 3

// passcodeReportFor is how long a passcode change's report is retried
// while identityd cannot be reached.
const passcodeReportFor = 10 * time.Minute

// reportPasscodeChange sends r until identityd answers (backendRetry).
func (a *Agent) reportPasscodeChange(ctx context.Context, t client.Ticket, r api.PasscodeChangeReport) {
	a.backendRetry(ctx, "the passcode change report", func(ctx context.Context) error {
		return a.backend.ReportPasscodeChange(ctx, t, r)
	})
}
