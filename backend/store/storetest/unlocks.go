package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

// testUnlocks: an unlock round-trips; the database holds one open unlock
// per card; an update is conditional on the state read; a voided one makes
// room for the next; the rate-limit counts see every request since a time.
func testUnlocks(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	seed(t, s)
	ctx := context.Background()
	const card, user = "00112233445566778899aabbccddeeff", "555000111222"
	u := store.Unlock{ID: "unl-1", CardGUID: card, UserID: user, TokenHash: []byte{1}, WorkstationID: "ws-1",
		State: store.UnlockCodeSent, CodeHash: []byte{9, 9}, CodeExpiresAt: t0.Add(15 * time.Minute), CreatedAt: t0, UpdatedAt: t0}
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateUnlock(ctx, u) }))
	second := u
	second.ID, second.CreatedAt = "unl-2", t0.Add(time.Minute)
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateUnlock(ctx, second) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second open unlock of the card: %v, want ErrConflict", err)
	}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.OpenUnlock(ctx, card)
		if err != nil || !reflect.DeepEqual(got, u) {
			return fmt.Errorf("OpenUnlock = %+v, %v; want %+v", got, err, u)
		}
		got.State, got.WrongCodes, got.UpdatedAt = store.UnlockVoid, 3, t0.Add(time.Minute)
		if err := tx.UpdateUnlock(ctx, got, store.UnlockCodeSent); err != nil {
			return err
		}
		if err := tx.UpdateUnlock(ctx, got, store.UnlockCodeSent); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("update from a state it left: %v, want ErrConflict", err)
		}
		if _, err := tx.OpenUnlock(ctx, card); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("OpenUnlock after void: %v, want ErrNotFound", err)
		}
		return tx.CreateUnlock(ctx, second) // the void one made room
	}))
	must(t, s.View(ctx, func(r store.Reader) error {
		got, err := r.Unlock(ctx, u.ID)
		if err != nil || got.State != store.UnlockVoid || got.WrongCodes != 3 {
			return fmt.Errorf("Unlock = %+v, %v", got, err)
		}
		if _, err := r.Unlock(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing unlock: %v", err)
		}
		for _, c := range []struct {
			since      time.Time
			card, user int
		}{{t0, 2, 2}, {t0.Add(time.Second), 1, 1}, {t0.Add(time.Hour), 0, 0}} {
			nc, nu, err := r.UnlockRequests(ctx, card, user, c.since)
			if err != nil || nc != c.card || nu != c.user {
				return fmt.Errorf("UnlockRequests since %v = %d, %d, %v; want %d, %d", c.since, nc, nu, err, c.card, c.user)
			}
		}
		return nil
	}))
}
