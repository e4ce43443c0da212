package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"testing"

	"github.com/cardagent/cardagent/backend/store"
)

// testRenewals: a renewal round-trips; the database holds one open renewal
// per card; an update is conditional on the state read; a finished one
// makes room for the next.
func testRenewals(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	seed(t, s)
	ctx := context.Background()
	const card = "00112233445566778899aabbccddeeff"
	r := store.Renewal{ID: "ren-1", CardGUID: card, TokenHash: []byte{1, 2, 3}, WorkstationID: "ws-1",
		State: store.RenewalOpened, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(15 * time.Minute)}
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateRenewal(ctx, r) }))
	second := r
	second.ID = "ren-2"
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateRenewal(ctx, second) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second open renewal of the card: %v, want ErrConflict", err)
	}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.OpenRenewal(ctx, card)
		if err != nil || got.ID != r.ID || got.State != store.RenewalOpened || !got.ExpiresAt.Equal(r.ExpiresAt) ||
			got.Key9A != nil || !got.CompletedAt.IsZero() || got.Kind != store.RenewalBySelf || got.AdminUserID != "" {
			return fmt.Errorf("OpenRenewal = %+v, %v", got, err)
		}
		got.State, got.Key9C, got.ExpiresAt, got.UpdatedAt = store.RenewalRecorded9C, []byte{0x30, 1}, time.Time{}, t0.Add(time.Minute)
		if err := tx.UpdateRenewal(ctx, got, store.RenewalOpened); err != nil {
			return err
		}
		if err := tx.UpdateRenewal(ctx, got, store.RenewalOpened); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("update from a state it left: %v, want ErrConflict", err)
		}
		return nil
	}))
	must(t, s.View(ctx, func(rd store.Reader) error {
		got, err := rd.Renewal(ctx, r.ID)
		if err != nil || got.State != store.RenewalRecorded9C || !bytes.Equal(got.Key9C, []byte{0x30, 1}) || !got.ExpiresAt.IsZero() {
			return fmt.Errorf("Renewal = %+v, %v", got, err)
		}
		if _, err := rd.Renewal(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing renewal: %v", err)
		}
		withCard, c, err := rd.RenewalCard(ctx, r.ID)
		if err != nil || !reflect.DeepEqual(withCard, got) || c.GUID != card || c.UserID == "" {
			return fmt.Errorf("RenewalCard = %+v, %+v, %v; want %+v with card %s", withCard, c, err, got, card)
		}
		if _, _, err := rd.RenewalCard(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("RenewalCard of a missing renewal: %v", err)
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.Renewal(ctx, r.ID)
		if err != nil {
			return err
		}
		got.State, got.CompletedAt = store.RenewalCompleted, t0.Add(time.Hour)
		if err := tx.UpdateRenewal(ctx, got, store.RenewalRecorded9C); err != nil {
			return err
		}
		if _, err := tx.OpenRenewal(ctx, card); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("OpenRenewal after completion: %v, want ErrNotFound", err)
		}
		// room for the next: an RA's, which names them
		second.Kind, second.AdminUserID, second.AdminSessionID = store.RenewalByRA, "555000000002", "sess-ra"
		return tx.CreateRenewal(ctx, second)
	}))
	must(t, s.View(ctx, func(rd store.Reader) error {
		got, err := rd.Renewal(ctx, second.ID)
		if err != nil || got.Kind != store.RenewalByRA || got.AdminUserID != "555000000002" || got.AdminSessionID != "sess-ra" {
			return fmt.Errorf("an RA's renewal read back as %+v, %v", got, err)
		}
		return nil
	}))
}
