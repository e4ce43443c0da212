package identity_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/store"
)

// TestAdminPositions on both stores: an RA grants roles in their
// organisation and end-dates them, never deletes them; the session working
// in a position that ends is refused in that role at once and chooses
// another; a sponsor grants and ends only roles without admin rights;
// nobody changes their own, nor another organisation's; a user moving in
// comes into the RA's scope by the grant. Every change is audited with
// both identities.
func TestAdminPositions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		desk, ward := w.env.Client("ra-desk"), w.env.Client("ward-7-pc-3")
		ada, reason := "555000000001", "starts on ward 7 today"

		lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
		wantCode(t, errOf(desk.AdminPositions(ctx, lsa, ada)), http.StatusForbidden, api.CodeAdminNotAuthorised)
		wantCode(t, errOf(desk.AdminGrant(ctx, lsa, ada, "Receptionist", reason)), http.StatusForbidden, api.CodeAdminNotAuthorised)
		clinician := inRole(t, ward, w.ada, "demo-ada-clinician")
		wantCode(t, errOf(ward.AdminPositions(ctx, clinician, "555000000002")), http.StatusForbidden, api.CodeAdminNotAuthorised)
		ra := inRole(t, desk, w.sam, "demo-sam-ra")
		wantCode(t, errOf(ward.AdminPositions(ctx, ra, ada)), http.StatusUnauthorized, api.CodeWorkstationMismatch)
		wantCode(t, errOf(desk.AdminPositions(ctx, ra, "555000000002")), http.StatusForbidden, api.CodeAdminOwnPosition)
		wantCode(t, errOf(desk.AdminGrant(ctx, ra, "555000000002", "Sponsor", reason)), http.StatusForbidden, api.CodeAdminOwnPosition)
		wantCode(t, errOf(desk.AdminPositions(ctx, ra, "555000000099")), http.StatusNotFound, api.CodeUserUnknown)

		ps, err := desk.AdminPositions(ctx, ra, ada)
		if err != nil || ps.Holder.Name != "Dr Ada Demo" || ps.OrganisationID != "RDEMO1" || ps.OrganisationName != "Demo General Hospital NHS Trust" ||
			len(ps.Positions) != 1 || ps.Positions[0].ID != "demo-ada-clinician" || !ps.Positions[0].Active || ps.Elsewhere != 1 {
			t.Fatalf("Ada's positions as the RA sees them: %+v, %v", ps, err)
		}

		// Grants: in the RA's organisation, one of each role at a time.
		clerk, err := desk.AdminGrant(ctx, ra, ada, "Ward Clerk", reason)
		if err != nil || clerk.OrganisationID != "RDEMO1" || clerk.Role != "Ward Clerk" || !clerk.Active || clerk.EndsAt != nil {
			t.Fatalf("grant: %+v, %v", clerk, err)
		}
		wantCode(t, errOf(desk.AdminGrant(ctx, ra, ada, "Ward Clerk", reason)), http.StatusConflict, api.CodePositionHeld)
		wantCode(t, errOf(desk.AdminGrant(ctx, ra, ada, " Ward Clerk", reason)), http.StatusBadRequest, api.CodeInvalidRequest)
		lsaRole, err := desk.AdminGrant(ctx, ra, ada, "Local Smartcard Administrator", "covers the LSA desk")
		must(t, err)

		// Ending now: Ada's session in that role is refused in it at once,
		// chooses another and goes on.
		ended, err := desk.AdminEndPosition(ctx, ra, ada, "demo-ada-clinician", time.Time{}, "left the trust")
		if err != nil || ended.Active || ended.EndsAt == nil || ended.EndsAt.After(w.clock.Now()) {
			t.Fatalf("end now: %+v, %v", ended, err)
		}
		wantCode(t, errOf(ward.Session(ctx, clinician)), http.StatusForbidden, api.CodeRoleEnded)
		wantCode(t, errOf(ward.SelectRole(ctx, clinician, "demo-ada-clinician")), http.StatusForbidden, api.CodeRoleNotHeld)
		if _, err := ward.SelectRole(ctx, clinician, clerk.ID); err != nil {
			t.Fatalf("choosing another role after one ended: %v", err)
		}
		must(t, errOf(ward.Session(ctx, clinician)))
		wantCode(t, errOf(desk.AdminEndPosition(ctx, ra, ada, "demo-ada-clinician", time.Time{}, "again")), http.StatusConflict, api.CodePositionEnded)
		wantCode(t, errOf(desk.AdminEndPosition(ctx, ra, ada, "demo-ada-gp", time.Time{}, "not ours")), http.StatusForbidden, api.CodeAdminOutOfScope)
		wantCode(t, errOf(desk.AdminEndPosition(ctx, ra, ada, "pos-nothing", time.Time{}, "no such")), http.StatusNotFound, api.CodePositionUnknown)

		// Ending later: never in the past, and only ever brought forward.
		now := w.clock.Now()
		wantCode(t, errOf(desk.AdminEndPosition(ctx, ra, ada, clerk.ID, now.Add(-time.Hour), "backdated")), http.StatusBadRequest, api.CodeInvalidRequest)
		later, err := desk.AdminEndPosition(ctx, ra, ada, clerk.ID, now.AddDate(0, 0, 30), "fixed-term contract")
		if err != nil || !later.Active || later.EndsAt == nil || !later.EndsAt.Equal(now.AddDate(0, 0, 30)) {
			t.Fatalf("end in 30 days: %+v, %v", later, err)
		}
		wantCode(t, errOf(desk.AdminEndPosition(ctx, ra, ada, clerk.ID, now.AddDate(0, 0, 60), "extended")), http.StatusBadRequest, api.CodeInvalidRequest)
		must(t, errOf(desk.AdminEndPosition(ctx, ra, ada, clerk.ID, now.AddDate(0, 0, 10), "contract cut short")))
		w.clock.Advance(11 * 24 * time.Hour)
		ra = inRole(t, desk, w.sam, "demo-sam-ra")
		ps, err = desk.AdminPositions(ctx, ra, ada)
		must(t, err)
		for _, p := range ps.Positions {
			if p.ID == clerk.ID && p.Active {
				t.Errorf("the position is held past its end: %+v", p)
			}
		}

		// A sponsor: roles without admin rights only.
		sponsorRole, err := w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000002", OrganisationID: "RDEMO1", RoleName: "Sponsor"})
		must(t, err)
		sponsor := inRole(t, desk, w.sam, sponsorRole)
		must(t, errOf(desk.AdminGrant(ctx, sponsor, ada, "Receptionist", reason)))
		wantCode(t, errOf(desk.AdminGrant(ctx, sponsor, ada, "Registration Authority Agent", reason)), http.StatusForbidden, api.CodeAdminNotAuthorised)
		wantCode(t, errOf(desk.AdminEndPosition(ctx, sponsor, ada, lsaRole.ID, time.Time{}, "left")), http.StatusForbidden, api.CodeAdminNotAuthorised)

		// Moving in: a user with positions only elsewhere is out of the RA's
		// scope until granted one here; their card stays theirs.
		must(t, w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000003", Name: "Gus Mover"}))
		must(t, errOf(w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000003", OrganisationID: "GDEMO2", RoleName: "Receptionist"})))
		wantCode(t, errOf(desk.AdminEnrol(ctx, ra, "555000000003", nil, "new card")), http.StatusForbidden, api.CodeAdminOutOfScope)
		if ps, err := desk.AdminPositions(ctx, ra, "555000000003"); err != nil || len(ps.Positions) != 0 || ps.Elsewhere != 1 {
			t.Fatalf("a user from elsewhere: %+v, %v", ps, err)
		}
		must(t, errOf(desk.AdminGrant(ctx, ra, "555000000003", "Receptionist", "moved from Sheerwater")))
		must(t, errOf(desk.AdminEnrol(ctx, ra, "555000000003", nil, "new card")))

		grants, ends := 0, 0
		for _, r := range auditRecords(t, w.env.Store) {
			if r.Outcome != "ok" || !strings.Contains(r.Detail, "by 555000000002 as ") {
				continue
			}
			switch r.Action {
			case identity.ActionAdminGrant:
				grants += count(r.UserID == ada || r.UserID == "555000000003")
			case identity.ActionAdminEndPosition:
				ends += count(r.UserID == ada && strings.Contains(r.Detail, "; ends "))
			}
		}
		if grants != 4 || ends != 3 {
			t.Errorf("audited %d grants (want 4) and %d ends (want 3) naming holder and administrator", grants, ends)
		}
		verifyAudit(t, w)
	})
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}
