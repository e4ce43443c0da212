//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
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
	_, ch := startMonitor(t)
	insert(t, demoCard(t, id, testkit.DemoRA), 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	insert(t, demoCard(t, id, testkit.DemoClinician), 1)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(1))
	ward, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "ward-7-pc-3"})
	if err != nil {
		t.Fatal(err)
	}
	card, err := reader.Open(rig.ReaderName(1))
	if err != nil {
		t.Fatal(err)
	}
	_, guid, _ := testkit.CardLogin(t, ward, card, demoPasscode) // a record about the clinician at her ward
	card.Close()
	// The RA looks at her card from their desk: a record of an administrator's work.
	desk, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "ra-desk"})
	if err != nil {
		t.Fatal(err)
	}
	raCard, err := reader.Open(rig.ReaderName(0))
	if err != nil {
		t.Fatal(err)
	}
	sess, _, _ := testkit.CardLogin(t, desk, raCard, demoPasscode)
	raCard.Close()
	ra := client.Ticket{ID: sess.ID, Token: sess.Token}
	ctx := context.Background()
	if sess.Terms != nil {
		if _, err := desk.AcceptTerms(ctx, ra, sess.Terms.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := desk.SelectRole(ctx, ra, "demo-sam-ra"); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AdminCard(ctx, ra, guid[:]); err != nil {
		t.Fatal(err)
	}

	type line struct {
		Seq                                  int64
		Action, Outcome, User, Admin, Detail string
	}
	search := func(args ...string) ([]line, string) {
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
		var lines []line
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l line
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
		if l.User != testkit.DemoClinician || i > 0 && l.Seq > lines[i-1].Seq {
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
		if l.Admin != testkit.DemoRA {
			t.Fatalf("a record of the RA's work: %+v", l)
		}
		looked = looked || l.Action == "admin.card" && l.User == testkit.DemoClinician
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
