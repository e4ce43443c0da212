package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
)

// enrolled is the software card an enrolment e personalises: its new GUID
// and the management key it was given.
func (w *world) enrolled(t *testing.T, desk *client.Client, e api.AdminEnrolment) *softCard {
	t.Helper()
	guid, err := api.ParseCardGUID(e.CardGUID)
	must(t, err)
	mgmt, err := base64.StdEncoding.DecodeString(e.ManagementKey)
	must(t, err)
	return &softCard{t: t, w: w, cl: desk, card: &testenv.Card{GUID: guid, UserID: e.Holder.ID}, mgmt: mgmt,
		ren: e.Renewal, tk: client.RenewalTicket(e.Renewal)}
}

// TestAdminEnrol on both stores: an RA issues a new card to a user in
// their organisation. identityd assigns a GUID and hands out the card's
// management key (the one it derives) and a PUK; the RA's renewal makes
// the card's first certificates, after which the card logs in. A card
// pulled half-way is gone on with by its GUID; a finished one is not
// enrolled again; whom an RA may not serve is refused; no secret is
// audited.
func TestAdminEnrol(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		desk := w.env.Client("ra-desk")
		ada := "555000000001"

		lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
		wantCode(t, errOf(desk.AdminEnrol(ctx, lsa, ada, nil, "new starter")), http.StatusForbidden, api.CodeAdminNotAuthorised)
		ra := inRole(t, desk, w.sam, "demo-sam-ra")
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, "555000000099", nil, "new starter")), http.StatusNotFound, api.CodeUserUnknown)
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, "555000000002", nil, "my own")), http.StatusForbidden, api.CodeAdminOwnCard)
		must(t, w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000003", Name: "Gus Elsewhere"}))
		must(t, errOf(w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000003", OrganisationID: "GDEMO2", RoleName: "Receptionist"})))
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, "555000000003", nil, "new starter")), http.StatusForbidden, api.CodeAdminOutOfScope)
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, ada, w.ada.GUID, "not new")), http.StatusConflict, api.CodeCardEnrolled)

		e, err := desk.AdminEnrol(ctx, ra, ada, nil, "new starter, passport seen")
		if err != nil || e.Holder.ID != ada || len(e.PUK) != 8 || e.Renewal.Kind != api.RenewalByRA || e.Renewal.Token == "" ||
			e.Renewal.State != api.RenewalStateOpened || e.Organisation != "Demo General Hospital NHS Trust" || !e.CardExpires.After(w.clock.Now()) {
			t.Fatalf("enrol %+v, %v", e, err)
		}
		card := w.enrolled(t, desk, e)
		if want, err := w.env.Svc.MgmtKey(ctx, card.card.GUID); err != nil || string(want) != string(card.mgmt) {
			t.Fatalf("the management key handed out is not the card's (%v)", err)
		}
		if c, err := desk.AdminCard(ctx, ra, card.card.GUID); err != nil || !c.Enrolling || c.State != api.CardActive || c.CertificateNotAfter != nil {
			t.Fatalf("the card being enrolled looked at: %+v, %v", c, err)
		}

		// Pulled before identityd's first card step, then gone on with by the
		// GUID the card now carries: the same card, key and PUK, a new renewal.
		again, err := desk.AdminEnrol(ctx, ra, ada, card.card.GUID, "going on after the card was pulled")
		if err != nil || again.CardGUID != e.CardGUID || again.PUK != e.PUK || again.ManagementKey != e.ManagementKey || again.Renewal.ID == e.Renewal.ID {
			t.Fatalf("going on: %+v, %v", again, err)
		}
		wantCode(t, card.cardAuth(api.PurposeGenerate9C), http.StatusConflict, api.CodeRenewalExpired)
		card = w.enrolled(t, desk, again)
		must(t, card.cardAuth(api.PurposeGenerate9C))
		k, err := testenv.NewKey(false)
		must(t, err)
		card.new9C = k
		must(t, card.record("9c", k))
		_, err = card.generate("9a")
		must(t, err)

		// Pulled again past GENERATE 9A: going on takes that renewal over.
		third, err := desk.AdminEnrol(ctx, ra, ada, card.card.GUID, "going on once more")
		if err != nil || third.Renewal.ID != again.Renewal.ID || third.Renewal.State != api.RenewalStateRecorded9A {
			t.Fatalf("going on past 9A: %+v, %v", third.Renewal, err)
		}
		card.ren, card.tk = third.Renewal, client.RenewalTicket(third.Renewal)
		must(t, card.issue())
		must(t, card.cardAuth(api.PurposeWrite))
		must(t, card.complete())
		if card.ren.State != api.RenewalStateCompleted {
			t.Fatalf("the enrolment's renewal ended %+v", card.ren)
		}
		if _, err := testenv.Login(ctx, w.env.Client("ward-7-pc-3"), card.renewed()); err != nil {
			t.Fatalf("login with the new card: %v", err)
		}
		if n := renewalsSinceRA(t, w, card.card.GUID); n != 0 {
			t.Errorf("renewals since RA on a new card = %d", n)
		}
		if c, err := desk.AdminCard(ctx, ra, card.card.GUID); err != nil || c.Enrolling || c.CertificateNotAfter == nil {
			t.Fatalf("the enrolled card looked at: %+v, %v", c, err)
		}
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, ada, card.card.GUID, "again")), http.StatusConflict, api.CodeCardEnrolled)

		// An enrolment that never finished is not someone else's to go on
		// with, and a new enrolment of its holder cancels it for good; the
		// holder's finished card is left alone.
		lost, err := desk.AdminEnrol(ctx, ra, ada, nil, "second card, never finished")
		must(t, err)
		must(t, w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000004", Name: "Lee Colleague"}))
		must(t, errOf(w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000004", OrganisationID: "RDEMO1", RoleName: "Receptionist"})))
		lostGUID, _ := api.ParseCardGUID(lost.CardGUID)
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, "555000000004", lostGUID, "wrong holder")), http.StatusConflict, api.CodeCardEnrolled)
		if _, err := desk.AdminEnrol(ctx, ra, ada, nil, "issued afresh"); err != nil {
			t.Fatal(err)
		}
		if c, err := desk.AdminCard(ctx, ra, lostGUID); err != nil || c.State != api.CardCancelled {
			t.Fatalf("the unfinished card after a new enrolment: %+v, %v", c, err)
		}
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, ada, lostGUID, "going on")), http.StatusForbidden, api.CodeCardCancelled)
		if c, err := desk.AdminCard(ctx, ra, card.card.GUID); err != nil || c.State != api.CardActive {
			t.Fatalf("the finished card after a new enrolment: %+v, %v", c, err)
		}
		wrongHolder := false
		for _, r := range auditRecords(t, w.env.Store) {
			wrongHolder = wrongHolder || r.CardGUID == lost.CardGUID && r.Outcome != "ok" && r.UserID == ada && strings.Contains(r.Detail, "asked for user 555000000004")
		}
		if !wrongHolder {
			t.Error("the refusal to go on with someone else's card is not recorded under the card holder")
		}

		secrets := []string{e.PUK, e.ManagementKey, hex.EncodeToString(card.mgmt)}
		enrols, completed := 0, false
		for _, r := range auditRecords(t, w.env.Store) {
			for _, s := range secrets {
				if strings.Contains(r.Detail, s) {
					t.Errorf("a secret of the card in the audit trail: %+v", r)
				}
			}
			if r.CardGUID != e.CardGUID {
				continue
			}
			if r.UserID != ada {
				t.Errorf("a record of the enrolment does not name the holder: %+v", r)
			}
			switch r.Action {
			case identity.ActionAdminEnrol:
				if r.Outcome == "ok" && strings.Contains(r.Detail, "555000000002") && strings.Contains(r.Detail, "Registration Authority Agent") {
					enrols++
				}
			case "renewal.complete":
				completed = strings.Contains(r.Detail, "enrolment is complete") && strings.Contains(r.Detail, "555000000002")
			}
		}
		if enrols != 3 || !completed {
			t.Errorf("the audit names the RA in %d enrolment records (want 3), completion recorded %v", enrols, completed)
		}
		verifyAudit(t, w)
	})
}
