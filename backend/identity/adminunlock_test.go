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

// inRole logs card in at cl's workstation, accepts the terms and works in
// the role with position id.
func inRole(t *testing.T, cl *client.Client, card *testenv.Card, positionID string) client.Ticket {
	t.Helper()
	ctx := context.Background()
	sess, err := testenv.Login(ctx, cl, card)
	if err != nil {
		t.Fatal(err)
	}
	tk := testenv.Ticket(sess)
	if sess.Terms != nil {
		if _, err := cl.AcceptTerms(ctx, tk, sess.Terms.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.SelectRole(ctx, tk, positionID); err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestAdminUnlock on both stores: an LSA working in that role, at their
// own workstation, sees the holder's card and unlocks it face to face: the
// card proves itself and gets its PUK as in a self-service unlock, and
// every step's audit record names both the holder and the LSA.
func TestAdminUnlock(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		desk := w.env.Client("lsa-desk")
		lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
		sess, err := desk.Session(ctx, lsa)
		if err != nil || !hasAdminRole(sess.Roles, "demo-sam-lsa", api.AdminLSA) {
			t.Fatalf("the LSA's roles %+v, %v", sess.Roles, err)
		}

		card, err := desk.AdminCard(ctx, lsa, w.ada.GUID)
		if err != nil || card.Holder == nil || card.Holder.ID != "555000000001" || card.Holder.Name != "Dr Ada Demo" || card.State != api.CardActive ||
			!card.InScope || card.CertificateNotAfter == nil {
			t.Fatalf("admin card %+v, %v", card, err)
		}
		u, err := desk.AdminUnlock(ctx, lsa, w.ada.GUID, "forgot passcode, seen with staff badge")
		if err != nil || u.State != api.UnlockStateCodeAccepted || u.Token == "" {
			t.Fatalf("admin unlock %+v, %v", u, err)
		}
		key, err := w.env.Svc.MgmtKey(ctx, w.ada.GUID)
		if err != nil {
			t.Fatal(err)
		}
		mc := &mutualCard{key: key}
		tk := client.UnlockTicket(u)
		witness, challenge, err := desk.UnlockWitness(ctx, tk, mc.begin(t))
		if err != nil {
			t.Fatal(err)
		}
		puk, err := desk.UnlockPUK(ctx, tk, mc.finish(t, witness, challenge))
		if err != nil || len(puk.PUK) != 8 || len(puk.NewPUK) != 8 {
			t.Fatalf("puk: %v", err)
		}
		if _, err := desk.CompleteUnlock(ctx, tk, false); err != nil {
			t.Fatal(err)
		}
		steps := map[string]bool{}
		for _, r := range auditRecords(t, w.env.Store) {
			if !strings.Contains(r.Detail, "unlock "+u.ID) {
				continue
			}
			if r.UserID != "555000000001" || !strings.Contains(r.Detail, "555000000002") || strings.Contains(r.Detail, puk.PUK) {
				t.Errorf("a step of the admin unlock does not name both (or holds a PUK): %+v", r)
			}
			steps[r.Action] = true
		}
		for _, a := range []string{identity.ActionAdminUnlock, identity.ActionUnlockWitness, identity.ActionUnlockPUK, identity.ActionUnlockComplete} {
			if !steps[a] {
				t.Errorf("no %s record for the admin unlock: %v", a, steps)
			}
		}
		verifyAudit(t, w)
	})
}

func hasAdminRole(roles []api.Role, id string, admin api.AdminRole) bool {
	for _, r := range roles {
		if r.ID == id {
			return r.Admin == admin
		}
	}
	return false
}

// TestAdminRefusals: identityd, not the agent's buttons, decides. A
// clinician's session is refused every admin call; an LSA is refused
// their own card, a holder outside their organisation, and their session
// from another workstation; an RA's reason must be given; a sponsor may
// look but not unlock.
func TestAdminRefusals(t *testing.T) {
	w := startUnlock(t, "sqlite:"+t.TempDir()+"/identityd.db", &mailbox{}, nil)
	ctx := context.Background()
	ward := w.env.Client("ward-7-pc-3")
	clinician := inRole(t, ward, w.ada, "demo-ada-clinician")
	_, err := ward.AdminCard(ctx, clinician, w.sam.GUID)
	wantCode(t, err, http.StatusForbidden, api.CodeAdminNotAuthorised)
	_, err = ward.AdminUnlock(ctx, clinician, w.sam.GUID, "let me in")
	wantCode(t, err, http.StatusForbidden, api.CodeAdminNotAuthorised)
	if rec := lastAudit(t, w.env.Store); rec.Action != identity.ActionAdminUnlock || rec.Outcome != string(api.CodeAdminNotAuthorised) {
		t.Fatalf("audit %+v", rec)
	}

	desk := w.env.Client("lsa-desk")
	lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
	_, err = desk.AdminUnlock(ctx, lsa, w.sam.GUID, "my own card")
	wantCode(t, err, http.StatusForbidden, api.CodeAdminOwnCard)

	// Pat holds a position only at another organisation.
	if err := w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000077", Name: "Pat Elsewhere", Email: "pat@nhs.net"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000077", OrganisationID: "GDEMO2",
		RoleName: "Receptionist", StartsAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	k, _ := testenv.NewKey(false)
	pat, err := w.env.EnrolCard(ctx, "555000000077", k)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := desk.AdminCard(ctx, lsa, pat.GUID); err != nil || c.InScope || c.Holder != nil {
		t.Fatalf("a holder of another organisation: %+v, %v", c, err)
	}
	_, err = desk.AdminUnlock(ctx, lsa, pat.GUID, "not mine to serve")
	wantCode(t, err, http.StatusForbidden, api.CodeAdminOutOfScope)

	// The LSA's session from another workstation.
	_, err = ward.AdminUnlock(ctx, lsa, w.ada.GUID, "from elsewhere")
	wantCode(t, err, http.StatusUnauthorized, api.CodeWorkstationMismatch)
	// No reason, no identity check: refused by shape.
	err = sendRaw(w, api.RouteAdminUnlock, []string{lsa.ID}, `{"card_guid":"`+api.FormatCardGUID(w.ada.GUID)+`","identity_checked":true,"reason":""}`,
		"Authorization", "Bearer "+lsa.Token, api.WorkstationHeader, "lsa-desk")
	wantCode(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
	err = sendRaw(w, api.RouteAdminUnlock, []string{lsa.ID}, `{"card_guid":"`+api.FormatCardGUID(w.ada.GUID)+`","identity_checked":false,"reason":"seen"}`,
		"Authorization", "Bearer "+lsa.Token, api.WorkstationHeader, "lsa-desk")
	wantCode(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
	// An open face-to-face unlock: no self-service request voids it, even
	// one naming the LSA's workstation; and once the LSA's session ends,
	// its card work stops.
	u, err := desk.AdminUnlock(ctx, lsa, w.ada.GUID, "forgot passcode, seen")
	if err != nil {
		t.Fatal(err)
	}
	_, err = desk.RequestUnlock(ctx, w.ada.GUID)
	wantCode(t, err, http.StatusConflict, api.CodeUnlockOutOfOrder)
	if err := desk.End(ctx, lsa); err != nil {
		t.Fatal(err)
	}
	_, _, err = desk.UnlockWitness(ctx, client.UnlockTicket(u), make([]byte, 16))
	wantCode(t, err, http.StatusForbidden, api.CodeAdminNotAuthorised)
	lsa = inRole(t, desk, w.sam, "demo-sam-lsa")

	// A cancelled card is never unlocked.
	if err := w.env.Svc.CancelCard(ctx, "test", w.adaR.GUID, "lost"); err != nil {
		t.Fatal(err)
	}
	_, err = desk.AdminUnlock(ctx, lsa, w.adaR.GUID, "found it again")
	wantCode(t, err, http.StatusForbidden, api.CodeCardCancelled)
}
