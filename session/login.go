package session

import (
	"context"
	"encoding/base64"
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/wording"
)

// Login: passcode → card (VERIFY + sign the challenge) → backend session,
// and what a failure at each step shows.

// login runs challenge → card (VERIFY + sign) → session as one step. The
// passcode is wiped by signLogin whatever happens.
func (a *Agent) login(passcode []byte) {
	ctx := a.newGen()
	conn, id := a.conn, *a.id
	parked := a.parked
	if parked != nil && parked.guid != id.guid {
		parked = nil
	}
	a.show(ScreenSigningIn, func(s *State) { s.Message = "" })
	stepOwning(a, ctx, func(ctx context.Context) (api.Session, error) {
		defer clear(passcode)
		return a.signIn(ctx, conn, id, passcode, parked)
	}, func(sess api.Session, err error) {
		var cardErr *cardStepError
		switch {
		case err == nil:
			a.loggedIn(sess, parked != nil)
		case errors.Is(err, errNotResumable):
			a.parked = nil
			a.backToPasscodeWith(wording.ResumeEnded)
		case errors.As(err, &cardErr):
			a.signFailed(cardErr.err)
		case client.IsCode(err, api.CodeRenewalIncomplete):
			a.unfinishedRenewal(err)
		case errors.Is(err, context.Canceled):
		default:
			a.backendFailed(err, a.backToPasscode)
		}
	}, func(sess api.Session) {
		// The card left (or the agent stops) before the result was applied:
		// the session the backend just opened must not stay open.
		a.ends.add(client.Ticket{ID: sess.ID, Token: sess.Token})
	})
}

// errNotResumable: the parked session has ended meanwhile (it is ended for
// sure); the user logs in afresh.
var errNotResumable = errors.New("the suspended session can no longer be resumed")

// cardStepError is a failure of the card's part of the login (VERIFY or the
// signature), told apart from the backend's.
type cardStepError struct{ err error }

func (e *cardStepError) Error() string { return e.err.Error() }
func (e *cardStepError) Unwrap() error { return e.err }

// signIn is the login step's work, off the loop: it sees only its arguments
// and the Agent's immutable parts.
func (a *Agent) signIn(ctx context.Context, conn CardConn, id cardIdentity, passcode []byte, parked *parkedSession) (api.Session, error) {
	if parked != nil {
		select { // the suspend call must land before the resume
		case <-parked.settled:
		case <-ctx.Done():
			return api.Session{}, ctx.Err()
		}
	}
	proof, err := a.proveCard(ctx, conn, id, passcode, api.LoginDigest)
	if err != nil {
		return api.Session{}, err
	}
	// Not cancelled by a removal: the backend may commit the session
	// whatever we do, and only a reply tells us which one to end.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.BackendTimeout)
	defer cancel()
	if parked == nil || parked.suspendE != nil {
		return a.backend.Login(bctx, proof)
	}
	sess, err := a.backend.Resume(bctx, parked.ticket, proof)
	if client.IsCode(err, api.CodeSessionEnded, api.CodeUnauthenticated, api.CodeSessionNotSuspended, api.CodeNotFound) {
		a.ends.add(parked.ticket) // ended, or somehow active again: make sure it ends
		return api.Session{}, errNotResumable
	}
	return sess, err
}

// proveCard is a fresh card proof: a challenge from identityd, the
// passcode verified on the card and the challenge signed with the 9A key
// over digestOf's digest (login, or another use with a domain of its own).
// A failure of the card's part is a *cardStepError; passcode is wiped.
func (a *Agent) proveCard(ctx context.Context, conn CardConn, id cardIdentity, passcode []byte,
	digestOf func(nonce []byte, workstationID string, cardGUID []byte) []byte) (api.CardProof, error) {
	defer clear(passcode)
	bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
	chal, err := a.backend.Challenge(bctx)
	cancel()
	if err != nil {
		return api.CardProof{}, err
	}
	nonce, err := base64.RawURLEncoding.DecodeString(chal.Nonce)
	if err != nil {
		return api.CardProof{}, err
	}
	ws := a.backend.WorkstationID()
	cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
	sig, err := signLogin(cctx, conn, id, passcode, digestOf(nonce, ws, id.guid[:]), a.cache, a.trace)
	cancel()
	if err != nil {
		return api.CardProof{}, &cardStepError{err}
	}
	return api.CardProof{
		Nonce:         chal.Nonce,
		WorkstationID: ws,
		CardGUID:      api.FormatCardGUID(id.guid[:]),
		Certificate:   base64.StdEncoding.EncodeToString(id.cert.Raw),
		Signature:     base64.StdEncoding.EncodeToString(sig),
	}, nil
}

// signFailed reacts to a failed VERIFY or signature.
func (a *Agent) signFailed(err error) {
	var auth piv.AuthError
	switch {
	case errors.As(err, &auth) && auth.Blocked:
		a.show(ScreenBlocked, func(s *State) { s.TriesLeft = 0; trouble(s, wording.Blocked) })
	case errors.As(err, &auth):
		a.id.triesLeft = auth.Retries
		a.show(ScreenPasscode, func(s *State) { s.TriesLeft, s.Message = auth.Retries, wording.WrongPasscode(auth.Retries) })
	case errors.Is(err, reader.ErrRemoved), errors.Is(err, reader.ErrNoCard), errors.Is(err, context.Canceled):
		// the removal event does the rest
	default:
		a.cardFailed(err)
	}
}

// backendFailed shows a backend error; retry is what the Retry intent does.
func (a *Agent) backendFailed(err error, retry func()) {
	t, retryable := refusal(err)
	a.log.Warn("backend step failed", "err", err)
	if retryable {
		a.retry = retry
	} else {
		a.retry = nil
	}
	a.show(ScreenBackendError, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

func (a *Agent) backToPasscode() { a.backToPasscodeWith("") }

func (a *Agent) backToPasscodeWith(msg string) {
	if a.id == nil {
		a.showWaiting()
		return
	}
	a.show(ScreenPasscode, func(s *State) {
		s.TriesLeft, s.Message = a.id.triesLeft, msg
		if msg == "" && a.cfg.Demo {
			s.Hint = a.cfg.DemoHint
		}
	})
}

// loggedIn takes the new (or resumed) session to its next step.
func (a *Agent) loggedIn(sess api.Session, resumed bool) {
	a.sess = &sess
	a.ticket = &client.Ticket{ID: sess.ID, Token: sess.Token}
	if a.id != nil {
		a.lastGUID = a.id.guid
		a.id.triesLeft = a.passcodeRetries() // a good passcode resets the card's count
	}
	if resumed {
		a.parked = nil
	} else {
		a.endParked() // someone else logged in here: the parked session will not come back
	}
	if a.id != nil && a.st.Card != nil {
		// The backend accepted the card's signature and certificate: its
		// holder is who it says, photo included once read.
		id := *a.id
		id.photo, _ = a.cache.photoOf(id.guid)
		a.st.Card = id.holder(true)
	}
	login := a.logins + 1
	if resumed && a.st.Expiry != nil {
		login = a.st.Expiry.Login // the same login goes on: no second notification
	} else {
		a.logins++
	}
	a.st.Expiry = expiryNotice(sess.Certificate, login)
	switch {
	case sess.RoleID != "" && sess.State == api.SessionActive:
		a.showActive(resumed)
	case sess.TermsRequired && sess.Terms != nil:
		t := Terms{Version: sess.Terms.Version, Text: sess.Terms.Text}
		a.show(ScreenTerms, func(s *State) { s.Terms = &t })
	default:
		a.chooseRole()
	}
}
