//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/internal/testkit"
)

// TestAdminAuditEndToEnd: the RA logged in with card A in reader 0 reads
// the clinician's records with `cardagent admin audit --no-gui`, newest
// first, and then their own work as an administrator (looking at card B in
// reader 1); the chain is reported intact, and each search is itself on
// record.
func TestAdminAuditEndToEnd(t *testing.T) { onBothStores(t, adminAudit) }

func adminAudit(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db)
	adminDesk(t, id)
	_, _, _, guid := loginAt(t, id, "ward-7-pc-3", 1) // a record about the clinician at her ward
	// The RA looks at her card from their desk: a record of an administrator's work.
	desk, ra, _, _ := loginAt(t, id, "ra-desk", 0)
	ctx := context.Background()
	if _, err := desk.SelectRole(ctx, ra, "demo-sam-ra"); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AdminCard(ctx, ra, guid[:]); err != nil {
		t.Fatal(err)
	}

	search := func(args ...string) ([]api.AuditEntry, string) {
		t.Helper()
		cmd, logs := agentCmd(t, id, append([]string{"admin", "audit", "--no-gui", "--reader", rig.ReaderName(0),
			"--role", "Registration Authority Agent", "--accept-terms"}, args...)...)
		cmd.Stdin = strings.NewReader(demoPasscode + "\n")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		var lines []api.AuditEntry
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l api.AuditEntry
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Seq != 0 {
				lines = append(lines, l)
			}
		}
		if err := waitExitErr(t, cmd, logs); err != nil {
			t.Fatalf("cardagent admin audit %q: %v\n%s", args, err, logs.String())
		}
		return lines, logs.String()
	}
	lines, out := search("--user", testkit.DemoClinician)
	logins := 0
	for i, l := range lines {
		if l.UserID != testkit.DemoClinician || i > 0 && l.Seq > lines[i-1].Seq {
			t.Fatalf("record %d of the clinician's: %+v", i, l)
		}
		if l.Action == "login" && l.Outcome == "ok" {
			logins++
		}
	}
	if logins == 0 || !strings.Contains(out, "The audit chain is intact") {
		t.Fatalf("the clinician's records: %d logins in %d records\n%s", logins, len(lines), out)
	}
	lines, _ = search("--admin", testkit.DemoRA)
	looked := false
	for _, l := range lines {
		if l.AdminID != testkit.DemoRA {
			t.Fatalf("a record of the RA's work: %+v", l)
		}
		looked = looked || l.Action == "admin.card" && l.UserID == testkit.DemoClinician
	}
	if !looked {
		t.Fatalf("the RA's look at the clinician's card is not among %d records", len(lines))
	}
	searches := 0
	for _, rec := range auditTail(t, id, 200) {
		if rec.Action == "admin.audit" && rec.Outcome == "ok" && strings.Contains(rec.Detail, testkit.DemoRA) {
			searches++
		}
	}
	if searches != 2 {
		t.Errorf("%d searches on record, want 2", searches)
	}
	assertNotVerified(t, "after the audit searches")
}
