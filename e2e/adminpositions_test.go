//go:build e2e

package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/wording"
)

// TestAdminPositionsEndToEnd: an RA logged in with card A in reader 0
// grants the demo clinician a role with `cardagent admin positions
// --no-gui`, then ends her Clinical Practitioner position; her session at
// another workstation, working in it, is refused from that moment
// (role_ended), and her next login no longer offers it. Both changes are
// audited naming her and the RA.
func TestAdminPositionsEndToEnd(t *testing.T) { onBothStores(t, adminPositions) }

func adminPositions(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db)
	adminDesk(t, id)

	// The clinician at her ward's workstation, in her Clinical Practitioner role.
	ctx := context.Background()
	adaSession := func() (*client.Client, client.Ticket, api.Session) {
		cl, tk, sess, _ := loginAt(t, id, "ward-7-pc-3", 1)
		return cl, tk, sess
	}
	ward, ada, _ := adaSession()
	if _, err := ward.SelectRole(ctx, ada, "demo-ada-clinician"); err != nil {
		t.Fatal(err)
	}

	positions := func(args ...string) string {
		t.Helper()
		cmd, logs := agentCmd(t, id, append([]string{"admin", "positions", "--no-gui", "--reader", rig.ReaderName(0),
			"--role", "Registration Authority Agent", "--accept-terms", "--user", testkit.DemoClinician}, args...)...)
		cmd.Stdin = strings.NewReader(demoPasscode + "\n")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		if err := waitExitErr(t, cmd, logs); err != nil {
			t.Fatalf("cardagent admin positions %q: %v\n%s", args, err, logs.String())
		}
		return logs.String()
	}
	out := positions("--grant", "Ward Clerk", "--identity-checked", "--reason", "covers ward 7 from today")
	if !strings.Contains(out, wording.AdminGranted("Ward Clerk")) || !strings.Contains(out, "demo-ada-clinician  Clinical Practitioner") {
		t.Fatalf("the grant:\n%s", out)
	}
	if _, err := ward.Session(ctx, ada); err != nil {
		t.Fatalf("her session before the end: %v", err)
	}
	out = positions("--end", "demo-ada-clinician", "--identity-checked", "--reason", "moved to the health centre")
	if !strings.Contains(out, wording.AdminEnded("Clinical Practitioner", false, "")) {
		t.Fatalf("the end:\n%s", out)
	}
	var ae *client.APIError
	if _, err := ward.Session(ctx, ada); !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Code != api.CodeRoleEnded {
		t.Fatalf("her session in the ended role: %v", err)
	}
	_, _, again := adaSession()
	held := map[string]bool{}
	for _, r := range again.Roles {
		held[r.Name+" at "+r.OrganisationID] = true
	}
	if held["Clinical Practitioner at RDEMO1"] || !held["Ward Clerk at RDEMO1"] || !held["General Medical Practitioner at GDEMO2"] {
		t.Fatalf("her roles at the next login: %v", held)
	}
	if out = positions(); !strings.Contains(out, "Clinical Practitioner (since") || !strings.Contains(out, ", ended ") {
		t.Fatalf("the look-up:\n%s", out)
	}

	named := map[string]bool{}
	for _, rec := range auditTail(t, id, 200) {
		if (rec.Action == "admin.position.grant" || rec.Action == "admin.position.end") && rec.Outcome == "ok" &&
			rec.User == testkit.DemoClinician && strings.Contains(rec.Detail, testkit.DemoRA) {
			named[rec.Action] = true
		}
	}
	if !named["admin.position.grant"] || !named["admin.position.end"] {
		t.Errorf("the audit names both in %v", named)
	}
	assertNotVerified(t, "after the positions changed")
}
