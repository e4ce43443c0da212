package identity_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
)

// adminRenews hands the administrator's renewal r of sc's card to sc,
// which then drives it from desk as the agent at the desk does.
func (c *softCard) adminRenews(desk *client.Client, r api.Renewal) {
	c.t.Helper()
	if r.Token == "" || r.State != api.RenewalStateOpened || r.CardGUID != api.FormatCardGUID(c.card.GUID) {
		c.t.Fatalf("the administrator's renewal %+v", r)
	}
	c.cl, c.ren, c.tk = desk, r, client.RenewalTicket(r)
}

// finish runs the card's part of an opened renewal (steps 2–7).
func (c *softCard) finish() {
	c.t.Helper()
	must(c.t, c.cardAuth(api.PurposeGenerate9C))
	k, err := testenv.NewKey(false)
	must(c.t, err)
	c.new9C = k
	must(c.t, c.record("9c", k))
	_, err = c.generate("9a")
	must(c.t, err)
	must(c.t, c.issue())
	must(c.t, c.cardAuth(api.PurposeWrite))
	must(c.t, c.complete())
}

// renewalsSinceRA is the count on the card's current login certificate.
func renewalsSinceRA(t *testing.T, w *world, guid []byte) int {
	t.Helper()
	var n int
	must(t, w.env.Store.View(context.Background(), func(r store.Reader) error {
		c, err := r.CurrentCertificate(context.Background(), api.FormatCardGUID(guid), store.SlotAuthentication)
		n = c.RenewalsSinceRA
		return err
	}))
	return n
}

// TestAdminRepair on both stores: an RA repairs the holder's card face to
// face. One call opens the unlock for the new passcode and the renewal;
// the card takes the passcode, then its new keys and certificates; the new
// certificate logs in, the count of renewals before the next RA one starts
// again, and the records name both.
func TestAdminRepair(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		holder := w.softCard(t, "ra-desk")
		desk := w.env.Client("ra-desk")
		ra := inRole(t, desk, w.sam, "demo-sam-ra")

		got, err := desk.AdminRenewal(ctx, ra, holder.card.GUID, "cannot log in, seen with passport", true)
		if err != nil || got.Unlock == nil || got.Unlock.Token == "" || got.Unlock.State != api.UnlockStateCodeAccepted || got.Renewal.Kind != api.RenewalByRA {
			t.Fatalf("repair %+v, %v", got, err)
		}
		mc := &mutualCard{key: holder.mgmt}
		ut := client.UnlockTicket(*got.Unlock)
		witness, challenge, err := desk.UnlockWitness(ctx, ut, mc.begin(t))
		must(t, err)
		puk, err := desk.UnlockPUK(ctx, ut, mc.finish(t, witness, challenge))
		must(t, err)
		must(t, errOf(desk.CompleteUnlock(ctx, ut, false)))

		holder.adminRenews(desk, got.Renewal)
		holder.finish()
		if holder.ren.State != api.RenewalStateCompleted {
			t.Fatalf("repair's renewal ended %+v", holder.ren)
		}
		if _, err := testenv.Login(ctx, desk, holder.renewed()); err != nil {
			t.Fatalf("login with the repaired card: %v", err)
		}
		if n := renewalsSinceRA(t, w, holder.card.GUID); n != 0 {
			t.Errorf("renewals since RA after a repair = %d, want 0", n)
		}
		named := 0
		for _, r := range auditRecords(t, w.env.Store) {
			if strings.Contains(r.Detail, puk.PUK) || strings.Contains(r.Detail, puk.NewPUK) {
				t.Errorf("a PUK in the audit trail: %+v", r)
			}
			if !strings.Contains(r.Detail, got.Renewal.ID) && !strings.Contains(r.Detail, got.Unlock.ID) {
				continue
			}
			if r.CardGUID != api.FormatCardGUID(holder.card.GUID) || r.UserID != "555000000001" {
				t.Errorf("a step of the repair does not name the holder: %+v", r)
			}
			switch r.Action {
			case identity.ActionAdminRepair, "renewal.complete", identity.ActionUnlockWitness:
				if !strings.Contains(r.Detail, "555000000002") {
					t.Errorf("%s does not name the RA: %+v", r.Action, r)
				}
				named++
			}
		}
		if named != 3 {
			t.Errorf("%d of the repair's records name the RA, want 3", named)
		}
		verifyAudit(t, w)
	})
}

// TestAdminRenewalPolicy: an RA renews expired certificates and the
// renewal that must be an RA's; a sponsor renews only inside the sponsor
// window, never expired ones nor a repair; an LSA renews nothing; and each
// key generation stops once the administrator logged out.
func TestAdminRenewalPolicy(t *testing.T) {
	w := startUnlock(t, "sqlite:"+t.TempDir()+"/identityd.db", &mailbox{}, nil)
	ctx := context.Background()
	sponsorRole, err := w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000002", OrganisationID: "RDEMO1",
		RoleName: "Sponsor", StartsAt: w.clock.Now().Add(-time.Hour)})
	must(t, err)
	desk := w.env.Client("desk")
	holder, other := w.softCard(t, "desk"), w.softCard(t, "desk")
	reason := "seen with staff badge"

	lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
	wantCode(t, errOf(desk.AdminRenewal(ctx, lsa, holder.card.GUID, reason, false)), http.StatusForbidden, api.CodeAdminNotAuthorised)
	sponsor := inRole(t, desk, w.sam, sponsorRole)
	wantCode(t, errOf(desk.AdminRenewal(ctx, sponsor, holder.card.GUID, reason, true)), http.StatusForbidden, api.CodeAdminNotAuthorised)
	_, err = desk.AdminRenewal(ctx, sponsor, holder.card.GUID, reason, false)
	wantRefusal(t, err, api.RenewalOutsideSponsorWindow)
	if rec := lastAudit(t, w.env.Store); rec.Action != identity.ActionAdminRenewal || rec.Outcome != string(api.CodeRenewalRefused) ||
		!strings.Contains(rec.Detail, "555000000002") {
		t.Fatalf("the sponsor's refusal audited as %+v", rec)
	}

	// 30 days left. An RA's renewal while the holder's own is half-way:
	// the RA's supersedes it, and the holder cannot take the RA's over.
	w.clock.Advance(700 * day)
	holder.toStep(3)
	selfID := holder.ren.ID
	ra := inRole(t, desk, w.sam, "demo-sam-ra")
	got, err := desk.AdminRenewal(ctx, ra, holder.card.GUID, reason, false)
	if err != nil || got.Unlock != nil {
		t.Fatalf("RA renewal %+v, %v", got, err)
	}
	if rec := lastAudit(t, w.env.Store); !strings.Contains(rec.Detail, "superseded renewal "+selfID) {
		t.Fatalf("the superseded renewal is not recorded: %+v", rec)
	}
	_, err = holder.cl.OpenRenewal(ctx, holder.session())
	wantCode(t, err, http.StatusConflict, api.CodeRenewalWrongState)
	// Logged out, the RA's renewal makes no key.
	holder.adminRenews(desk, got.Renewal)
	must(t, desk.End(ctx, ra))
	wantCode(t, holder.cardAuth(api.PurposeGenerate9C), http.StatusForbidden, api.CodeAdminNotAuthorised)
	// Left before GENERATE 9A, the card still logs in with its old key: the
	// holder's own renewal ends the RA's and starts afresh.
	ra = inRole(t, desk, w.sam, "demo-sam-ra")
	got, err = desk.AdminRenewal(ctx, ra, holder.card.GUID, reason, false)
	must(t, err)
	holder.adminRenews(desk, got.Renewal)
	must(t, holder.cardAuth(api.PurposeGenerate9C))
	k, err := testenv.NewKey(false)
	must(t, err)
	must(t, holder.record("9c", k))
	holder.cl = w.env.Client("desk")
	must(t, holder.open())
	if holder.ren.ID == got.Renewal.ID || !strings.Contains(findAudit(t, w, "renewal.open", holder.ren.ID).Detail, "renewal "+got.Renewal.ID+" left in recorded_9c ended") {
		t.Fatalf("the holder's renewal after the RA's was left: %+v", holder.ren)
	}
	// The holder's own, past GENERATE 9A, is taken over by the RA, not
	// lost: the same renewal goes on from where it stands.
	must(t, holder.cardAuth(api.PurposeGenerate9C))
	k, err = testenv.NewKey(false)
	must(t, err)
	holder.new9C = k
	must(t, holder.record("9c", k))
	_, err = holder.generate("9a")
	must(t, err)
	got, err = desk.AdminRenewal(ctx, ra, holder.card.GUID, reason, false)
	if err != nil || got.Renewal.ID != holder.ren.ID || got.Renewal.State != api.RenewalStateRecorded9A || got.Renewal.Token == "" ||
		got.Renewal.Kind != api.RenewalByRA {
		t.Fatalf("the RA's renewal of a card past GENERATE 9A: %+v, %v", got, err)
	}
	if rec := lastAudit(t, w.env.Store); !strings.Contains(rec.Detail, "took over renewal "+holder.ren.ID+" in state recorded_9a") {
		t.Fatalf("the take-over is not recorded: %+v", rec)
	}
	holder.tk = client.RenewalTicket(got.Renewal)
	holder.cl = desk
	must(t, holder.issue())
	must(t, holder.cardAuth(api.PurposeWrite))
	must(t, holder.complete())
	if n := renewalsSinceRA(t, w, holder.card.GUID); n != 0 {
		t.Errorf("renewals since RA after an RA's = %d, want 0", n)
	}
	holder.card = holder.renewed()
	if rec := findAudit(t, w, "renewal.issue", holder.ren.ID); !strings.Contains(rec.Detail, "by ra 555000000002") {
		t.Errorf("a step of the RA's renewal does not name them: %+v", rec)
	}
	// An RA who logged out once GENERATE 9A was authorised: the card may
	// finish that generation (as the holder's login recovery would).
	got, err = desk.AdminRenewal(ctx, ra, holder.card.GUID, reason, false)
	must(t, err)
	holder.adminRenews(desk, got.Renewal)
	must(t, holder.cardAuth(api.PurposeGenerate9C))
	k, err = testenv.NewKey(false)
	must(t, err)
	holder.new9C = k
	must(t, holder.record("9c", k))
	must(t, holder.cardAuth(api.PurposeGenerate9A))
	must(t, desk.End(ctx, ra))
	_, err = holder.generate("9a")
	must(t, err)
	must(t, holder.issue())
	must(t, holder.cardAuth(api.PurposeWrite))
	must(t, holder.complete())
	holder.card = holder.renewed()

	// Inside the sponsor window the sponsor renews, and it counts.
	sponsor = inRole(t, desk, w.sam, sponsorRole)
	got, err = desk.AdminRenewal(ctx, sponsor, other.card.GUID, reason, false)
	if err != nil || got.Renewal.Kind != api.RenewalBySponsor {
		t.Fatalf("sponsor renewal %+v, %v", got, err)
	}
	other.adminRenews(desk, got.Renewal)
	other.finish()
	other.card = other.renewed()
	if n := renewalsSinceRA(t, w, other.card.GUID); n != 1 {
		t.Errorf("renewals since RA after a sponsor's = %d, want 1", n)
	}

	// Expired: the sponsor may not, the RA may.
	w.clock.Advance(731 * day)
	sam := freshCard(t, w, "555000000002")
	sponsor = inRole(t, desk, sam, sponsorRole)
	_, err = desk.AdminRenewal(ctx, sponsor, other.card.GUID, reason, false)
	wantRefusal(t, err, api.RenewalExpired)
	ra = inRole(t, desk, sam, "demo-sam-ra")
	got, err = desk.AdminRenewal(ctx, ra, other.card.GUID, "certificates expired, seen with badge", false)
	must(t, err)
	other.adminRenews(desk, got.Renewal)
	other.finish()
	if _, err := testenv.Login(ctx, desk, other.renewed()); err != nil {
		t.Fatalf("login after the RA renewed expired certificates: %v", err)
	}
	if n := renewalsSinceRA(t, w, other.card.GUID); n != 0 {
		t.Errorf("renewals since RA after an RA's = %d, want 0", n)
	}
	verifyAudit(t, w)
}

// freshCard enrols a new card for user, with certificates valid from the
// test clock's now.
func freshCard(t *testing.T, w *world, user string) *testenv.Card {
	t.Helper()
	key, err := testenv.NewKey(false)
	must(t, err)
	c, err := w.env.EnrolCard(context.Background(), user, key)
	must(t, err)
	return c
}
