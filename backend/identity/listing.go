package identity

import (
	"context"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/store"
)

// The reads of the admin commands and the demo. They are not audited (no
// state changes); a missing row is store.ErrNotFound.

// Users lists every user.
func (s *Service) Users(ctx context.Context) ([]store.User, error) {
	return view(ctx, s, func(r store.Reader) ([]store.User, error) { return r.Users(ctx) })
}

// User reads one user.
func (s *Service) User(ctx context.Context, id string) (store.User, error) {
	return view(ctx, s, func(r store.Reader) (store.User, error) { return r.User(ctx, id) })
}

// Organisation reads one organisation.
func (s *Service) Organisation(ctx context.Context, id string) (store.Organisation, error) {
	return view(ctx, s, func(r store.Reader) (store.Organisation, error) { return r.Organisation(ctx, id) })
}

// Positions lists the access positions of userID.
func (s *Service) Positions(ctx context.Context, userID string) ([]store.Position, error) {
	return view(ctx, s, func(r store.Reader) ([]store.Position, error) { return r.Positions(ctx, userID) })
}

// Cards lists the cards of userID ("": every card).
func (s *Service) Cards(ctx context.Context, userID string) ([]store.Card, error) {
	return view(ctx, s, func(r store.Reader) ([]store.Card, error) { return r.Cards(ctx, userID) })
}

// Card reads one card by its GUID.
func (s *Service) Card(ctx context.Context, guid []byte) (store.Card, error) {
	return view(ctx, s, func(r store.Reader) (store.Card, error) { return r.Card(ctx, api.FormatCardGUID(guid)) })
}

// LatestTerms is the newest published version of the terms.
func (s *Service) LatestTerms(ctx context.Context) (store.Terms, error) {
	return view(ctx, s, func(r store.Reader) (store.Terms, error) { return r.LatestTerms(ctx) })
}

func view[T any](ctx context.Context, s *Service, read func(store.Reader) (T, error)) (T, error) {
	var v T
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		v, err = read(r)
		return err
	})
	return v, err
}
