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
	t, err := r.LatestTerms(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil, nil
	} else if err != nil {
		return false, nil, err
	}
	at, err := r.TermsAcceptedAt(ctx, userID, t.Version)
	if errors.Is(err, store.ErrNotFound) {
		return true, &t, nil
	} else if err != nil {
		return false, nil, err
	}
	if iv := s.policy.TermsResignInterval; iv > 0 && !s.now().Before(at.Add(iv)) {
		return true, &t, nil
	}
	return false, &t, nil
}

// sessionView builds what the client sees. user and cert may be passed when
// the caller already read them.
func (s *Service) sessionView(ctx context.Context, sess store.Session, user *store.User, cert *store.Certificate) (*api.Session, error) {
	v := &api.Session{
		ID: sess.ID, State: api.SessionState(sess.State), ExpiresAt: sess.ExpiresAt,
		WorkstationID: sess.WorkstationID, CardGUID: sess.CardGUID, RoleID: sess.RoleID, Roles: []api.Role{},
	}
	err := s.store.View(ctx, func(r store.Reader) error {
		if user == nil {
			u, err := r.User(ctx, sess.UserID)
			if err != nil {
				return err
			}
			user = &u
		}
		if cert == nil {
			c, err := r.Certificate(ctx, sess.CertSerial)
			if err != nil {
				return err
			}
			cert = &c
		}
		ps, err := r.Positions(ctx, sess.UserID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, p := range ps {
			if !p.ActiveAt(now) {
				continue
			}
			role := api.Role{ID: p.ID, Name: p.RoleName, OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName}
			if !p.EndsAt.IsZero() {
				role.EndsAt = &p.EndsAt
			}
			v.Roles = append(v.Roles, role)
		}
		due, terms, err := s.termsDue(ctx, r, sess.UserID)
		if err != nil {
			return err
		}
		if due {
			v.TermsRequired, v.Terms = true, &api.Terms{Version: terms.Version, Text: terms.Text}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v.User = api.User{ID: user.ID, Name: user.Name, Email: user.Email, Mobile: user.Mobile}
	v.Certificate = s.policy.CertificateStatus(s.now(), cert.NotAfter, cert.RenewalsSinceRA)
	v.Certificate.Serial = cert.Serial
	return v, nil
}
