package identity

import (
	"context"
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/store"
)

// termsDue reports whether userID must (re)accept the latest terms, and
// which; no published terms means nothing is due.
func (s *Service) termsDue(ctx context.Context, r store.Reader, userID string) (bool, *store.Terms, error) {
	t, at, err := r.LatestTermsFor(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil, nil
	} else if err != nil {
		return false, nil, err
	}
	if at.IsZero() {
		return true, &t, nil
	}
	if iv := s.policy.TermsResignInterval; iv > 0 && !s.now().Before(at.Add(iv)) {
		return true, &t, nil
	}
	return false, &t, nil
}

// viewData is what a session view is built from. A request fills in what
// it already read (inside its own transaction, so the rows are the ones it
// committed against) and loadView reads only the rest.
type viewData struct {
	user          *store.User
	cert          *store.Certificate
	positions     []store.Position
	havePositions bool
	haveTerms     bool
	termsDue      bool
	terms         *store.Terms
}

func (vd *viewData) setPositions(ps []store.Position) { vd.positions, vd.havePositions = ps, true }

func (vd *viewData) setTerms(due bool, t *store.Terms) {
	vd.haveTerms, vd.termsDue, vd.terms = true, due, t
}

// loadView reads what vd still lacks for sess through r.
func (s *Service) loadView(ctx context.Context, r store.Reader, sess store.Session, vd *viewData) error {
	if vd.user == nil {
		u, err := r.User(ctx, sess.UserID)
		if err != nil {
			return err
		}
		vd.user = &u
	}
	if vd.cert == nil {
		c, err := r.Certificate(ctx, sess.CertSerial)
		if err != nil {
			return err
		}
		vd.cert = &c
	}
	if !vd.havePositions {
		ps, err := r.Positions(ctx, sess.UserID)
		if err != nil {
			return err
		}
		vd.setPositions(ps)
	}
	if !vd.haveTerms {
		due, terms, err := s.termsDue(ctx, r, sess.UserID)
		if err != nil {
			return err
		}
		vd.setTerms(due, terms)
	}
	return nil
}

// buildView is what the client sees of sess, from a complete vd.
func (s *Service) buildView(sess store.Session, vd *viewData) *api.Session {
	v := &api.Session{
		ID: sess.ID, State: api.SessionState(sess.State), ExpiresAt: sess.ExpiresAt,
		WorkstationID: sess.WorkstationID, CardGUID: sess.CardGUID, RoleID: sess.RoleID, Roles: []api.Role{},
	}
	now := s.now()
	for i := range vd.positions {
		p := &vd.positions[i]
		if !p.ActiveAt(now) {
			continue
		}
		role := api.Role{ID: p.ID, Name: p.RoleName, OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName,
			Admin: adminRoleOf(p.RoleName)}
		if !p.EndsAt.IsZero() {
			role.EndsAt = &p.EndsAt
		}
		v.Roles = append(v.Roles, role)
	}
	if vd.termsDue {
		v.TermsRequired, v.Terms = true, &api.Terms{Version: vd.terms.Version, Text: vd.terms.Text}
	}
	user, cert := vd.user, vd.cert
	v.User = api.User{ID: user.ID, Name: user.Name, Email: user.Email, Mobile: user.Mobile}
	v.Certificate = s.policy.CertificateStatus(s.now(), cert.NotAfter, cert.RenewalsSinceRA)
	v.Certificate.Serial = cert.Serial
	return v
}

// sessionView builds what the client sees, reading what vd lacks in a read
// view of its own.
func (s *Service) sessionView(ctx context.Context, sess store.Session, vd *viewData) (*api.Session, error) {
	err := s.store.View(ctx, func(r store.Reader) error {
		return s.loadView(ctx, r, sess, vd)
	})
	if err != nil {
		return nil, err
	}
	return s.buildView(sess, vd), nil
}
