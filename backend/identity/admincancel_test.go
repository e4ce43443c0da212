package identity_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// TestAdminCancel on both stores: an RA cancels a holder's card by its
// GUID. The holder's live session ends at once; the card's login, unlock,
// renewal and any administrator's action are refused from then on; it
// cannot be cancelled twice; an LSA may not cancel; the record names both.
func TestAdminCancel(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		holder := w.softCard(t, "ward-7-pc-3")
		live := holder.session()
		desk := w.env.Client("ra-desk")

		lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
		wantCode(t, errOf(desk.AdminCancel(ctx, lsa, holder.card.GUID, "reported lost")), http.StatusForbidden, api.CodeAdminNotAuthorised)
		ra := inRole(t, desk, w.sam, "demo-sam-ra")
		wantCode(t, errOf(desk.AdminCancel(ctx, ra, w.sam.GUID, "my own")), http.StatusForbidden, api.CodeAdminOwnCard)
		card, err := desk.AdminCancel(ctx, ra, holder.card.GUID, "reported stolen by phone")
		if err != nil || card.State != api.CardCancelled || card.Holder == nil || card.Holder.ID != "555000000001" {
			t.Fatalf("cancel %+v, %v", card, err)
		}
		rec := lastAudit(t, w.env.Store)
		if rec.Action != identity.ActionAdminCancel || rec.UserID != "555000000001" || !strings.Contains(rec.Detail, "555000000002") ||
			!strings.Contains(rec.Detail, "reported stolen by phone") || !strings.Contains(rec.Detail, "ended 1 session") {
			t.Fatalf("the cancellation's record %+v", rec)
		}

		wantCode(t, errOf(holder.cl.Session(ctx, live)), http.StatusUnauthorized, api.CodeSessionEnded)
		_, err = testenv.Login(ctx, holder.cl, holder.card)
		wantCode(t, err, http.StatusForbidden, api.CodeCardCancelled)
		_, err = holder.cl.RequestUnlock(ctx, holder.card.GUID)
		wantCode(t, err, http.StatusForbidden, api.CodeCardCancelled)
		wantCode(t, errOf(desk.AdminUnlock(ctx, ra, holder.card.GUID, "seen with badge")), http.StatusForbidden, api.CodeCardCancelled)
		wantCode(t, errOf(desk.AdminRenewal(ctx, ra, holder.card.GUID, "seen with badge", true)), http.StatusForbidden, api.CodeCardCancelled)
		wantCode(t, errOf(desk.AdminCancel(ctx, ra, holder.card.GUID, "again")), http.StatusConflict, api.CodeCardCancelled)
		if c, err := desk.AdminCard(ctx, ra, holder.card.GUID); err != nil || c.State != api.CardCancelled {
			t.Fatalf("the cancelled card looked at: %+v, %v", c, err)
		}
		verifyAudit(t, w)
	})
}
