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

// TestAdminAudit on both stores: an RA searches the trail by user, card
// and administrator, narrowed by time and paged newest first, with the
// chain's last verification; a search naming nobody, or someone who never
// held a position in the RA's organisation, is refused, as is anyone but an
// RA; every search is itself on record; a rewritten row shows as a broken
// chain at the next verification.
func TestAdminAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		desk, ward := w.env.Client("ra-desk"), w.env.Client("ward-7-pc-3")
		ada, sam := "555000000001", "555000000002"
		inRole(t, ward, w.ada, "demo-ada-clinician") // records about Ada and her card
		ra := inRole(t, desk, w.sam, "demo-sam-ra")
		must(t, errOf(desk.AdminCard(ctx, ra, w.ada.GUID)))
		must(t, errOf(desk.AdminGrant(ctx, ra, ada, "Ward Clerk", "covers ward 7")))

		lsa := inRole(t, desk, w.sam, "demo-sam-lsa")
		wantCode(t, errOf(desk.AdminAudit(ctx, lsa, api.AuditQuery{User: ada})), http.StatusForbidden, api.CodeAdminNotAuthorised)
		sponsorRole, err := w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: sam, OrganisationID: "RDEMO1", RoleName: "Sponsor"})
		must(t, err)
		sponsor := inRole(t, desk, w.sam, sponsorRole)
		wantCode(t, errOf(desk.AdminAudit(ctx, sponsor, api.AuditQuery{User: ada})), http.StatusForbidden, api.CodeAdminNotAuthorised)
		clinician := inRole(t, w.env.Client("ward-7-pc-4"), w.ada, "demo-ada-clinician")
		wantCode(t, errOf(w.env.Client("ward-7-pc-4").AdminAudit(ctx, clinician, api.AuditQuery{User: ada})), http.StatusForbidden, api.CodeAdminNotAuthorised)
		wantCode(t, errOf(desk.AdminAudit(ctx, ra, api.AuditQuery{})), http.StatusBadRequest, api.CodeInvalidRequest)
		wantCode(t, errOf(desk.AdminAudit(ctx, ra, api.AuditQuery{User: ada, Limit: 1000})), http.StatusBadRequest, api.CodeInvalidRequest)
		wantCode(t, errOf(desk.AdminAudit(ctx, ra, api.AuditQuery{User: ada, Before: "soon"})), http.StatusBadRequest, api.CodeInvalidRequest)
		wantCode(t, errOf(desk.AdminAudit(ctx, ra, api.AuditQuery{Card: strings.Repeat("ab", 16)})), http.StatusNotFound, api.CodeCardUnknown)
		must(t, w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000003", Name: "Gus Elsewhere"}))
		must(t, errOf(w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000003", OrganisationID: "GDEMO2", RoleName: "Receptionist"})))
		wantCode(t, errOf(desk.AdminAudit(ctx, ra, api.AuditQuery{User: "555000000003"})), http.StatusForbidden, api.CodeAdminOutOfScope)
		wantCode(t, errOf(desk.AdminAudit(ctx, ra, api.AuditQuery{User: ada, Admin: "555000000003"})), http.StatusForbidden, api.CodeAdminOutOfScope)
		wantCode(t, errOf(ward.AdminAudit(ctx, ra, api.AuditQuery{User: ada})), http.StatusUnauthorized, api.CodeWorkstationMismatch)

		page, err := desk.AdminAudit(ctx, ra, api.AuditQuery{User: ada})
		if err != nil || len(page.Records) < 4 || !page.Chain.Intact || page.Chain.Records == 0 || page.Chain.CheckedAt.IsZero() || page.Next != "" {
			t.Fatalf("Ada's records: %d, chain %+v, next %q, %v", len(page.Records), page.Chain, page.Next, err)
		}
		actions := map[string]bool{}
		for i, r := range page.Records {
			if r.UserID != ada || i > 0 && (r.At.After(page.Records[i-1].At) || r.Seq > page.Records[i-1].Seq) {
				t.Fatalf("record %d of Ada's: %+v", i, r)
			}
			actions[r.Action] = true
		}
		if !actions["login"] || !actions[identity.ActionAdminCard] || !actions[identity.ActionAdminGrant] {
			t.Errorf("Ada's records hold %v", actions)
		}

		// By administrator: what Sam did for others, each naming him.
		page, err = desk.AdminAudit(ctx, ra, api.AuditQuery{Admin: sam})
		if err != nil || len(page.Records) == 0 {
			t.Fatalf("Sam's work: %+v, %v", page, err)
		}
		for _, r := range page.Records {
			if r.AdminID != sam || !strings.Contains(r.Detail, "by "+sam+" as ") {
				t.Errorf("a record of Sam's work: %+v", r)
			}
		}
		// By card, a page at a time, and narrowed by time.
		first, err := desk.AdminAudit(ctx, ra, api.AuditQuery{Card: api.FormatCardGUID(w.ada.GUID), Limit: 2})
		if err != nil || len(first.Records) != 2 || first.Next == "" {
			t.Fatalf("the first page of Ada's card: %+v, %v", first, err)
		}
		second, err := desk.AdminAudit(ctx, ra, api.AuditQuery{Card: api.FormatCardGUID(w.ada.GUID), Limit: 2, Before: first.Next})
		if err != nil || len(second.Records) == 0 || second.Records[0].Seq >= first.Records[1].Seq {
			t.Fatalf("the second page: %+v, %v", second, err)
		}
		later, err := desk.AdminAudit(ctx, ra, api.AuditQuery{User: ada, From: w.clock.Now().Add(time.Hour)})
		if err != nil || len(later.Records) != 0 {
			t.Fatalf("records from an hour on: %+v, %v", later, err)
		}

		// Someone who left: their records up to their position's end only.
		must(t, w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000004", Name: "Lee Leaver"}))
		lee, err := w.env.Svc.GrantRole(ctx, "test", store.Position{UserID: "555000000004", OrganisationID: "RDEMO1", RoleName: "Receptionist",
			StartsAt: w.clock.Now().Add(-time.Hour)})
		must(t, err)
		must(t, errOf(desk.AdminPositions(ctx, ra, "555000000004"))) // a record about Lee while they work here
		left, err := desk.AdminEndPosition(ctx, ra, "555000000004", lee, time.Time{}, "left the trust")
		must(t, err)
		w.clock.Advance(time.Minute)
		must(t, errOf(desk.AdminPositions(ctx, ra, "555000000004"))) // and one after
		page, err = desk.AdminAudit(ctx, ra, api.AuditQuery{User: "555000000004"})
		looks := 0
		for _, r := range page.Records {
			if !r.At.Before(*left.EndsAt) {
				t.Errorf("a leaver's record from after they left: %+v", r)
			}
			looks += count(r.Action == identity.ActionAdminPositions)
		}
		if err != nil || looks != 1 {
			t.Fatalf("a leaver's records: %+v, %v", page.Records, err)
		}

		searches := 0
		for _, r := range auditRecords(t, w.env.Store) {
			if r.Action == identity.ActionAdminAudit && r.Outcome == "ok" && strings.Contains(r.Detail, "searched the audit trail: user "+ada) {
				searches++
			}
		}
		if searches < 2 {
			t.Errorf("%d searches for Ada's records on record", searches)
		}
		verifyAudit(t, w)

		// A row rewritten behind identityd's back: the next verification,
		// once the last is stale, finds it.
		if _, err := raw(t, w).Exec(`UPDATE audit SET detail = 'nothing happened' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(11 * time.Minute)
		ra = inRole(t, desk, w.sam, "demo-sam-ra")
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			page, err = desk.AdminAudit(ctx, ra, api.AuditQuery{User: ada})
			if err != nil {
				t.Fatal(err)
			}
			if !page.Chain.Intact {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the rewritten row was not found: %+v", page.Chain)
			}
		}
		if page.Chain.BrokenAt != 3 || page.Chain.Problem == "" {
			t.Fatalf("the broken chain: %+v", page.Chain)
		}
	})
}
