package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Auth is how a session call authenticates: the bearer token and the
// workstation it comes from.
type Auth struct {
	Token         string
	WorkstationID string
}

func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newSessionSecrets draws a new session's id and token.
func newSessionSecrets() (id, token string, err error) {
	if id, err = randomID(16); err != nil {
		return "", "", err
	}
	if token, err = randomID(32); err != nil {
		return "", "", err
	}
	return id, token, nil
}

// newSession makes an active session with its token; only the hash is kept.
func (s *Service) newSession(pc provenCard, id, token, workstationID string) store.Session {
	now := s.now()
	return store.Session{
		ID: id, TokenHash: hashToken(token), UserID: pc.user.ID, CardGUID: pc.card.GUID, CertSerial: pc.cert.Serial,
		WorkstationID: workstationID, State: store.SessionActive, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(s.policy.SessionLifetime),
	}
}

// authCheck says what a call re-checks beyond the token and workstation.
type authCheck struct {
	// holder: the card is neither cancelled nor locked, the user not
	// disabled (every call but End).
	holder bool
	// role: the selected role's position is still current (calls made in
	// a role; not the one that chooses a new role).
	role bool
	// active: the session is not suspended.
	active bool
	// ended: the session may have ended or expired since (a report of
	// what the card did while it was live, which can arrive after the
	// logout that followed).
	ended bool
}

var (
	checkEnd     = authCheck{}
	checkSuspend = authCheck{holder: true}
	checkChange  = authCheck{holder: true, active: true}
	checkInRole  = authCheck{holder: true, active: true, role: true}
	checkReport  = authCheck{ended: true}
)

// authSession loads session id and checks the caller may use it now: the
// token, the workstation, that it is live (not ended, expired or left idle
// without a role) and what chk asks for. Inside a write transaction the
// row stays locked until commit. Refusals are typed; the caller audits them.
func (s *Service) authSession(ctx context.Context, r store.Reader, id string, a Auth, chk authCheck) (store.Session, error) {
	unauth := errs.Unauthorized(api.CodeUnauthenticated, "no valid session token", nil)
	if a.Token == "" || !api.ValidID(id) {
		return store.Session{}, unauth
	}
	sa, err := r.SessionAuth(ctx, id)
	sess := sa.Session
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, unauth
	} else if err != nil {
		return store.Session{}, err
	}
	if subtle.ConstantTimeCompare(sess.TokenHash, hashToken(a.Token)) != 1 {
		return store.Session{}, unauth
	}
	now := s.now()
	switch {
	case sess.WorkstationID != a.WorkstationID:
		return sess, errs.Unauthorized(api.CodeWorkstationMismatch, "this session belongs to another workstation", nil)
	case chk.ended:
	case sess.State == store.SessionEnded || !now.Before(sess.ExpiresAt):
		return sess, errs.Unauthorized(api.CodeSessionEnded, "the session has ended: log in again", nil)
	case s.roleIdle(sess, now):
		return sess, errs.Unauthorized(api.CodeSessionEnded, "the session ended: no role was chosen in time: log in again", nil)
	}
	if chk.holder {
		switch {
		case sa.CardState == store.CardCancelled:
			return sess, errs.Forbidden(api.CodeCardCancelled, "this card has been cancelled: its sessions have ended", nil)
		case sa.CardState == store.CardLocked:
			return sess, errs.Forbidden(api.CodeCardLocked, "this card is locked: its sessions have ended", nil)
		case sa.UserDisabled:
			return sess, errs.Forbidden(api.CodeUserDisabled, "this user's access is disabled", nil)
		}
	}
	if chk.active && sess.State == store.SessionSuspended {
		return sess, errs.Conflict(api.CodeSessionSuspended, "the session is suspended: resume it with the card first", nil)
	}
	if chk.role && sess.RoleID != "" && (sa.Role == nil || !sa.Role.ActiveAt(now)) {
		return sess, errs.Forbidden(api.CodeRoleEnded, "the role this session works in is no longer held: choose another role", nil)
	}
	return sess, nil
}

// roleIdle reports whether sess never chose a role and has not been used
// for the policy's idle limit: such a session counts as ended (the sweeper
// also ends it in the store).
func (s *Service) roleIdle(sess store.Session, now time.Time) bool {
	return sess.RoleID == "" && s.policy.RoleIdleLimit > 0 && !now.Before(sess.UpdatedAt.Add(s.policy.RoleIdleLimit))
}

// sessionCall is the shape of every authenticated session change: load,
// lock and authorise the session, let change edit it inside the
// transaction, write it back only if its state is still the one read,
// audit the outcome either way, and return the session as the client sees
// it. change may record in vd what it read; the rest of the view is read in
// the same transaction, after the change. With noView no view is built (nil).
func (s *Service) sessionCall(ctx context.Context, action, id string, a Auth, m Meta, chk authCheck, noView bool,
	change func(tx store.Tx, sess *store.Session, vd *viewData) error) (*api.Session, error) {
	rec := s.record(action, m, a.WorkstationID)
	rec.SessionID = trimID(id)
	var sess store.Session
	var vd viewData
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		var err error
		sess, err = s.authSession(ctx, tx, id, a, chk)
		rec.UserID, rec.CardGUID = sess.UserID, sess.CardGUID
		if err != nil {
			return err
		}
		from := sess.State
		if err := change(tx, &sess, &vd); err != nil {
			return err
		}
		sess.UpdatedAt = s.now()
		if err := updateSession(ctx, tx, sess, from); err != nil {
			return err
		}
		if noView {
			return nil
		}
		return s.loadView(ctx, tx, sess, &vd)
	})
	if err != nil || noView {
		return nil, err
	}
	return s.buildView(sess, &vd), nil
}

// updateSession writes sess back if it is still in state from; a change
// that lost a race is a conflict, never a lost update.
func updateSession(ctx context.Context, tx store.Tx, sess store.Session, from store.SessionState) error {
	err := tx.UpdateSession(ctx, sess, from)
	if errors.Is(err, store.ErrConflict) {
		return errs.Conflict(api.CodeSessionConflict, "the session changed meanwhile: read it again", err)
	}
	return err
}

func trimID(id string) string { return clip(id, 64) }

// AcceptTerms records that the user accepted the terms version shown.
func (s *Service) AcceptTerms(ctx context.Context, id string, a Auth, req *api.AcceptTermsRequest, m Meta) (*api.Session, error) {
	return s.sessionCall(ctx, "terms.accept", id, a, m, checkInRole, false, func(tx store.Tx, sess *store.Session, _ *viewData) error {
		latest, err := tx.LatestTerms(ctx)
		if errors.Is(err, store.ErrNotFound) || (err == nil && latest.Version != req.Version) {
			return errs.Conflict(api.CodeTermsVersion, "that is not the current terms version", err)
		} else if err != nil {
			return err
		}
		return tx.AcceptTerms(ctx, sess.UserID, req.Version, s.now())
	})
}

// SelectRole sets the session's role: one the user holds now, and only once
// the terms are accepted.
func (s *Service) SelectRole(ctx context.Context, id string, a Auth, req *api.SelectRoleRequest, m Meta) (*api.Session, error) {
	return s.sessionCall(ctx, "session.role", id, a, m, checkChange, false, func(tx store.Tx, sess *store.Session, vd *viewData) error {
		due, terms, err := s.termsDue(ctx, tx, sess.UserID)
		if err != nil {
			return err
		}
		if due {
			return errs.Forbidden(api.CodeTermsNotAccepted, "accept the terms and conditions first", nil)
		}
		ps, err := tx.Positions(ctx, sess.UserID)
		if err != nil {
			return err
		}
		now := s.now()
		if !slices.ContainsFunc(ps, func(p store.Position) bool { return p.ID == req.RoleID && p.ActiveAt(now) }) {
			return errs.Forbidden(api.CodeRoleNotHeld, "the user does not hold that role", nil)
		}
		sess.RoleID = req.RoleID
		// Neither changes in this transaction: the reply reuses them.
		vd.setTerms(due, terms)
		vd.setPositions(ps)
		return nil
	})
}

// Suspend keeps the session for the same card to resume (Session Lock
// Persistence), only if the policy has it; otherwise sessions end on card
// removal and suspend is refused. Suspending a suspended session is a
// no-op (a retried suspend succeeds).
func (s *Service) Suspend(ctx context.Context, id string, a Auth, m Meta) (*api.Session, error) {
	return s.sessionCall(ctx, "session.suspend", id, a, m, checkSuspend, false, func(tx store.Tx, sess *store.Session, _ *viewData) error {
		if !s.policy.SessionLockPersistence {
			return errs.Forbidden(api.CodeSuspendNotAllowed, "the policy ends sessions on card removal: end the session instead", nil)
		}
		sess.State = store.SessionSuspended
		return nil
	})
}

// End ends the session for good. It is allowed whatever became of the
// card, user or role: ending only takes access away.
func (s *Service) End(ctx context.Context, id string, a Auth, m Meta) error {
	_, err := s.sessionCall(ctx, "session.end", id, a, m, checkEnd, true, func(tx store.Tx, sess *store.Session, _ *viewData) error {
		sess.State = store.SessionEnded
		return nil
	})
	return err
}

// Session returns the session as it stands. A suspended session answers
// only resume and end.
func (s *Service) Session(ctx context.Context, id string, a Auth, m Meta) (*api.Session, error) {
	var sess store.Session
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		sess, err = s.authSession(ctx, r, id, a, checkInRole)
		return err
	})
	if err != nil {
		rec := s.record("session.get", m, a.WorkstationID)
		rec.SessionID, rec.UserID, rec.CardGUID = trimID(id), sess.UserID, sess.CardGUID
		return nil, s.refuse(ctx, rec, err)
	}
	view, err := s.sessionView(ctx, sess, &viewData{})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return view, nil
}

// Resume reactivates a suspended session with a fresh proof from the card
// that opened it, and issues a new token.
func (s *Service) Resume(ctx context.Context, id string, req *api.ResumeRequest, m Meta) (*api.Session, error) {
	rec := s.record("session.resume", m, req.WorkstationID)
	rec.SessionID, rec.CardGUID = trimID(id), normalGUID(req.CardGUID)
	pc, err := s.checkProof(ctx, &req.CardProof)
	if err != nil {
		rec.UserID = pc.user.ID
		return nil, s.refuse(ctx, rec, err)
	}
	rec.UserID = pc.user.ID
	token, err := randomID(32)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var sess store.Session
	vd := viewData{user: &pc.user, cert: &pc.cert}
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		var err error
		if !api.ValidID(id) {
			return errs.Unauthorized(api.CodeSessionEnded, "no such session: log in again", nil)
		}
		if sess, err = tx.Session(ctx, id); errors.Is(err, store.ErrNotFound) {
			return errs.Unauthorized(api.CodeSessionEnded, "no such session: log in again", err)
		} else if err != nil {
			return err
		}
		switch {
		case sess.CardGUID != pc.card.GUID:
			return errs.Forbidden(api.CodeCardNotSessionCard, "only the card that opened the session can resume it", nil)
		case sess.WorkstationID != req.WorkstationID:
			return errs.Unauthorized(api.CodeWorkstationMismatch, "this session belongs to another workstation", nil)
		case sess.State == store.SessionEnded || !s.now().Before(sess.ExpiresAt):
			return errs.Unauthorized(api.CodeSessionEnded, "the session has ended: log in again", nil)
		case sess.State != store.SessionSuspended:
			return errs.Conflict(api.CodeSessionNotSuspended, "the session is not suspended", nil)
		}
		if s.roleIdle(sess, s.now()) {
			return errs.Unauthorized(api.CodeSessionEnded, "the session ended: no role was chosen in time: log in again", nil)
		}
		if err := redeem(ctx, tx, pc.challenge); err != nil {
			return err
		}
		sess.State, sess.TokenHash, sess.CertSerial, sess.UpdatedAt = store.SessionActive, hashToken(token), pc.cert.Serial, s.now()
		if err := updateSession(ctx, tx, sess, store.SessionSuspended); err != nil {
			return err
		}
		return s.loadView(ctx, tx, sess, &vd)
	})
	if err != nil {
		return nil, err
	}
	view := s.buildView(sess, &vd)
	view.Token = token
	return view, nil
}
