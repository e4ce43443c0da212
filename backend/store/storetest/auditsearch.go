package storetest

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/migrations"
)

// searchTrail appends a small trail to s: three users, two cards, an
// administrator acting on two of them, a minute apart from t0.
func searchTrail(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	details := []struct{ user, card, detail string }{
		{"555000000001", "aa01", "login"},
		{"555000000002", "bb02", "login"},
		{"555000000001", "aa01", "by 555000000009 as Registration Authority Agent at RX1 (session s1): forgot passcode"},
		{"555000000003", "", "renewal r1; by 555000000009 as Sponsor at RX1 (session s2): close to expiry"},
		{"555000000001", "aa01", "session.role"},
		{"555000000002", "bb02", "by demo: created"},
	}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		for i, d := range details {
			if _, err := audit.Append(ctx, tx, testKey, audit.Record{At: t0.Add(time.Duration(i) * time.Minute), Action: "a",
				Outcome: audit.OutcomeOK, UserID: d.user, CardGUID: d.card, Detail: d.detail}); err != nil {
				return err
			}
		}
		return nil
	}))
}

func search(t *testing.T, s store.Store, q store.AuditQuery) []int64 {
	t.Helper()
	var seqs []int64
	must(t, s.View(context.Background(), func(r store.Reader) error {
		rs, err := r.AuditSearch(context.Background(), q)
		for _, rec := range rs {
			seqs = append(seqs, rec.Seq)
		}
		return err
	}))
	return seqs
}

// testAuditSearch: each filter and the time range, alone and together,
// newest first, paged on by the last record's time and sequence number;
// the administrator column follows the detail and is checked by Verify.
func testAuditSearch(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	searchTrail(t, s) // seq 1 is the audit.keyed record, 2-7 the trail
	for _, c := range []struct {
		name string
		q    store.AuditQuery
		want []int64
	}{
		{"a user", store.AuditQuery{UserID: "555000000001", Limit: 10}, []int64{6, 4, 2}},
		{"a card", store.AuditQuery{CardGUID: "bb02", Limit: 10}, []int64{7, 3}},
		{"an administrator", store.AuditQuery{ActorID: "555000000009", Limit: 10}, []int64{5, 4}},
		{"a time range", store.AuditQuery{From: t0.Add(time.Minute), To: t0.Add(4 * time.Minute), Limit: 10}, []int64{5, 4, 3}},
		{"a user in a time range", store.AuditQuery{UserID: "555000000001", From: t0.Add(time.Minute), Limit: 10}, []int64{6, 4}},
		{"a page", store.AuditQuery{Limit: 2}, []int64{7, 6}},
		{"the next page", store.AuditQuery{Limit: 2, Before: store.AuditCursor{At: t0.Add(4 * time.Minute), Seq: 6}}, []int64{5, 4}},
		{"nobody", store.AuditQuery{UserID: "555000000099", Limit: 10}, nil},
	} {
		if got := search(t, s, c.q); !equalSeqs(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// An administrator's work for one organisation, not another's.
	must(t, s.Update(context.Background(), func(tx store.Tx) error {
		_, err := audit.Append(context.Background(), tx, testKey, audit.Record{At: t0.Add(10 * time.Minute), Action: "a", Outcome: audit.OutcomeOK,
			UserID: "555000000005", Detail: "by 555000000009 as Registration Authority Agent at RX2 (session s9): elsewhere"})
		return err
	}))
	if got := search(t, s, store.AuditQuery{ActorID: "555000000009", ActorOrg: "RX1", Limit: 10}); !equalSeqs(got, []int64{5, 4}) {
		t.Errorf("an administrator's work for RX1: %v", got)
	}
	if got := search(t, s, store.AuditQuery{ActorID: "555000000009", ActorOrg: "RX_", Limit: 10}); len(got) != 0 {
		t.Errorf("a LIKE wildcard in an organisation's id matched %v", got)
	}
	if _, err := verify(t, s); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := s.Raw().Exec(`UPDATE audit SET actor_id = '555000000001' WHERE seq = 6`); err != nil {
		t.Fatal(err)
	}
	var be *audit.BrokenError
	if _, err := verify(t, s); !errors.As(err, &be) || be.Seq != 6 {
		t.Fatalf("Verify after forging an administrator: %v, want broken at 6", err)
	}
}

// testAuditActorBackfill: migration 00009's SQL gives the records before
// it the administrator audit.ActorOf reads, so the chain verifies.
func testAuditActorBackfill(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	searchTrail(t, s)
	ctx := context.Background()
	must(t, s.Update(ctx, func(tx store.Tx) error {
		for _, d := range []string{
			"renewal ?; by 555000000009 as Sponsor at RX1 (session s): ok",
			"renewal Ünïcode; by 555000000009 as Sponsor",
			"Ärztin; by 555000000009 as Sponsor",
			"by 555000000001 (session s): typed; by 555000000009 as Registration Authority Agent",
			`unknown field "; by 555000000009 as x"`,
			"renewal a b; by 555000000009 as Sponsor",
			"renewal " + strings.Repeat("x", 64) + "; by 555000000009 as Sponsor",
			"renewal " + strings.Repeat("x", 65) + "; by 555000000009 as Sponsor",
			"by 555000000009 as",
			"by 555000000009 as ",
			"by", "",
		} {
			if _, err := audit.Append(ctx, tx, testKey, audit.Record{At: t0, Action: "a", Outcome: audit.OutcomeOK, Detail: d}); err != nil {
				return err
			}
		}
		return nil
	}))
	if _, err := s.Raw().Exec(`UPDATE audit SET actor_id = ''`); err != nil {
		t.Fatal(err)
	}
	fsys := migrations.SQLite()
	if s.Kind() == "postgres" {
		fsys = migrations.Postgres()
	}
	b, err := fs.ReadFile(fsys, "00009_audit_search.sql")
	must(t, err)
	up := string(b)
	start := strings.Index(up, "UPDATE audit SET actor_id")
	end := strings.Index(up[start:], ";\n")
	if _, err := s.Raw().Exec(up[start : start+end]); err != nil {
		t.Fatal(err)
	}
	for _, r := range records(t, s) {
		if r.ActorID != audit.ActorOf(r.Detail) {
			t.Errorf("record %d: backfilled %q, ActorOf says %q (%q)", r.Seq, r.ActorID, audit.ActorOf(r.Detail), r.Detail)
		}
	}
	if _, err := verify(t, s); err != nil {
		t.Fatalf("Verify after the backfill: %v", err)
	}
}

func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testSnapshot: reads inside one Snapshot do not see what is committed
// meanwhile, so the chain verifies while records are appended.
func testSnapshot(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	appendN(t, s, 3, "u")
	ctx := context.Background()
	err := s.Snapshot(ctx, func(r store.Reader) error {
		h, err := r.AuditHead(ctx)
		if err != nil {
			return err
		}
		appendN(t, s, 2, "later") // committed by the writer meanwhile
		rs, err := r.AuditRecords(ctx, 0, 100)
		if err != nil {
			return err
		}
		if int64(len(rs)) != h.Seq {
			t.Errorf("the snapshot's head says %d records, it reads %d", h.Seq, len(rs))
		}
		_, err = audit.Verify(ctx, r, testKey, nil)
		return err
	})
	if err != nil {
		t.Fatalf("Verify in a snapshot while appending: %v", err)
	}
}
