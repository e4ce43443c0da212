// Package storetest is the one test suite every store implementation runs.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// Opener opens a fresh, migrated store; each call in one test must reach the
// same database (a second "instance").
type Opener func(t *testing.T) *sqlstore.DB

// Run runs the suite.
func Run(t *testing.T, open func(t *testing.T) Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newDB func(t *testing.T) Opener)
	}{
		{"Migrations", testMigrations},
		{"PeopleAndCards", testPeopleAndCards},
		{"ChallengeSingleUse", testChallengeSingleUse},
		{"Sessions", testSessions},
		{"TermsAndCA", testTermsAndCA},
		{"Renewals", testRenewals},
		{"Unlocks", testUnlocks},
		{"Questions", testQuestions},
		{"RollbackKeepsAuditUnchanged", testRollback},
		{"AuditTamperDetected", testAuditTamper},
		{"AuditTruncationCaughtByCheckpoint", testAuditTruncation},
		{"AuditRelinkedRewriteDetected", testAuditRelinkedRewrite},
		{"AuditLegacyChainMigrated", testAuditLegacyMigrated},
		{"AuditSearch", testAuditSearch},
		{"AuditActorBackfill", testAuditActorBackfill},
		{"Snapshot", testSnapshot},
		{"ConcurrentAuditAppendsTwoInstances", testConcurrentAppends},
		{"GroupCommitConcurrent", testGroupCommitConcurrent},
		{"GroupCommitOneBatch", testGroupCommitOneBatch},
		{"GroupCommitFailedBatch", testGroupCommitFailedBatch},
		{"GroupCommitConnectionLost", testGroupCommitConnectionLost},
		{"GroupCommitClosed", testGroupCommitClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, s store.Store) {
	t.Helper()
	must(t, s.Update(context.Background(), func(tx store.Tx) error {
		ctx := context.Background()
		return errors.Join(
			tx.CreateOrganisation(ctx, store.Organisation{ID: "RX1", Name: "Royal Example"}),
			tx.CreateUser(ctx, store.User{ID: "555000111222", Name: "Ada Lovelace", Email: "ada@nhs.net", CreatedAt: t0}),
			tx.CreatePosition(ctx, store.Position{ID: "p1", UserID: "555000111222", OrganisationID: "RX1", RoleName: "Clinician", StartsAt: t0}),
			tx.CreatePosition(ctx, store.Position{ID: "p2", UserID: "555000111222", OrganisationID: "RX1", RoleName: "Admin", StartsAt: t0, EndsAt: t0.Add(time.Hour)}),
			tx.CreateCard(ctx, store.Card{GUID: "00112233445566778899aabbccddeeff", UserID: "555000111222", State: store.CardActive, KeyVersion: 1, PUKSealed: []byte{1, 2}, CreatedAt: t0}),
			tx.InsertCertificate(ctx, store.Certificate{Serial: "01", CardGUID: "00112233445566778899aabbccddeeff", Slot: store.SlotAuthentication, NotBefore: t0, NotAfter: t0.AddDate(2, 0, 0), DER: []byte{0x30}, IssuedAt: t0}),
			tx.InsertCertificate(ctx, store.Certificate{Serial: "02", CardGUID: "00112233445566778899aabbccddeeff", Slot: store.SlotAuthentication, NotBefore: t0, NotAfter: t0.AddDate(2, 0, 0), RenewalsSinceRA: 1, DER: []byte{0x30}, IssuedAt: t0.Add(time.Minute)}),
		)
	}))
}

func testMigrations(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	ok, err := s.MigrationsCurrent(context.Background())
	must(t, err)
	if !ok {
		t.Fatal("migrations not current after Migrate")
	}
	must(t, s.Migrate(context.Background())) // idempotent
}

func testPeopleAndCards(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	seed(t, s)
	ctx := context.Background()
	must(t, s.View(ctx, func(r store.Reader) error {
		u, err := r.User(ctx, "555000111222")
		if err != nil || u.Name != "Ada Lovelace" || !u.CreatedAt.Equal(t0) {
			return fmt.Errorf("User = %+v, %v", u, err)
		}
		if _, err := r.User(ctx, "000000000000"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing user: %v, want ErrNotFound", err)
		}
		ps, err := r.Positions(ctx, u.ID)
		if err != nil || len(ps) != 2 || ps[0].OrganisationName != "Royal Example" {
			return fmt.Errorf("Positions = %+v, %v", ps, err)
		}
		if !ps[1].ActiveAt(t0.Add(2*time.Hour)) || ps[0].ActiveAt(t0.Add(2*time.Hour)) {
			return fmt.Errorf("position windows wrong: %+v", ps)
		}
		c, err := r.Card(ctx, "00112233445566778899aabbccddeeff")
		if err != nil || c.State != store.CardActive || !bytes.Equal(c.PUKSealed, []byte{1, 2}) || c.PUKNext != nil {
			return fmt.Errorf("Card = %+v, %v", c, err)
		}
		cert, err := r.CurrentCertificate(ctx, c.GUID, store.SlotAuthentication)
		if err != nil || cert.Serial != "02" || cert.RenewalsSinceRA != 1 {
			return fmt.Errorf("CurrentCertificate = %+v, %v", cert, err)
		}
		// CardLogin reads the same rows as Card, Certificate and User.
		want, err := r.Certificate(ctx, "02")
		if err != nil {
			return err
		}
		cl, err := r.CardLogin(ctx, c.GUID, "02")
		if err != nil || !reflect.DeepEqual(cl.Card, c) || cl.Cert == nil || !reflect.DeepEqual(*cl.Cert, want) ||
			cl.User == nil || !reflect.DeepEqual(*cl.User, u) || cl.CurrentAuthSerial != "02" {
			return fmt.Errorf("CardLogin = %+v, %v", cl, err)
		}
		if cl, err := r.CardLogin(ctx, c.GUID, "01"); err != nil || cl.Cert == nil || cl.CurrentAuthSerial != "02" {
			return fmt.Errorf("CardLogin with the superseded certificate = %+v, %v", cl, err)
		}
		if cl, err := r.CardLogin(ctx, c.GUID, "ff"); err != nil || cl.Cert != nil || cl.User == nil || cl.Card.GUID != c.GUID {
			return fmt.Errorf("CardLogin with an unknown serial = %+v, %v", cl, err)
		}
		if _, err := r.CardLogin(ctx, "ffffffffffffffffffffffffffffffff", "02"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("CardLogin of an unknown card: %v, want ErrNotFound", err)
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Card(ctx, "00112233445566778899aabbccddeeff")
		if err != nil {
			return err
		}
		c.State, c.CancelledAt = store.CardCancelled, t0
		return tx.UpdateCard(ctx, c)
	}))
	// A position is end-dated, never deleted.
	end := t0.Add(3 * time.Hour)
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.EndPosition(ctx, "p1", end) }))
	must(t, s.View(ctx, func(r store.Reader) error {
		ps, err := r.Positions(ctx, "555000111222")
		if err != nil || len(ps) != 2 || ps[1].ID != "p1" || !ps[1].EndsAt.Equal(end) || ps[1].ActiveAt(end) || !ps[1].ActiveAt(end.Add(-time.Second)) {
			return fmt.Errorf("Positions after EndPosition = %+v, %v", ps, err)
		}
		return nil
	}))
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.EndPosition(ctx, "p1", end.Add(time.Hour)) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("moving an end later: %v, want ErrNotFound", err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.EndPosition(ctx, "p9", end) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ending a position that does not exist: %v, want ErrNotFound", err)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: "555000111222", Name: "dup", CreatedAt: t0})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate user: %v, want ErrConflict", err)
	}
}

func testChallengeSingleUse(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	a, b := open(t), open(t)
	ctx := context.Background()
	id := []byte("0123456789abcdef")
	must(t, a.Update(ctx, func(tx store.Tx) error { return tx.UseChallenge(ctx, id, t0) }))
	err := b.Update(ctx, func(tx store.Tx) error { return tx.UseChallenge(ctx, id, t0) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second redemption on another instance: %v, want ErrConflict", err)
	}
	must(t, a.Update(ctx, func(tx store.Tx) error {
		n, err := tx.PruneChallenges(ctx, t0.Add(time.Second))
		if n != 1 {
			return fmt.Errorf("pruned %d, want 1 (%v)", n, err)
		}
		return err
	}))
}

func testSessions(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	seed(t, s)
	ctx := context.Background()
	sess := store.Session{ID: "s1", TokenHash: []byte{9, 9}, UserID: "555000111222", CardGUID: "00112233445566778899aabbccddeeff",
		CertSerial: "02", WorkstationID: "ws-1", State: store.SessionActive, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateSession(ctx, sess) }))
	sess.RoleID, sess.State = "p1", store.SessionSuspended
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.UpdateSession(ctx, sess, store.SessionActive) }))
	must(t, s.View(ctx, func(r store.Reader) error {
		got, err := r.Session(ctx, "s1")
		if err != nil || got.RoleID != "p1" || got.State != store.SessionSuspended || !got.ExpiresAt.Equal(sess.ExpiresAt) {
			return fmt.Errorf("Session = %+v, %v", got, err)
		}
		sa, err := r.SessionAuth(ctx, "s1")
		if err != nil || sa.Session.State != store.SessionSuspended || sa.CardState != store.CardActive || sa.UserDisabled ||
			sa.Role == nil || sa.Role.ID != "p1" || sa.Role.OrganisationName != "Royal Example" {
			return fmt.Errorf("SessionAuth = %+v, %v", sa, err)
		}
		return nil
	}))
	// A change decided on a state that is no longer the row's is refused.
	sess.State = store.SessionActive
	err := s.Update(ctx, func(tx store.Tx) error { return tx.UpdateSession(ctx, sess, store.SessionActive) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("updating from a stale state: %v, want ErrConflict", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateSession(ctx, store.Session{ID: "nope", TokenHash: []byte{1}}, store.SessionActive)
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("updating a missing session: %v, want ErrNotFound", err)
	}

	// Stale sessions: s2 expired, s3 never chose a role and is idle, s4
	// chose one, s5 is fresh; s1 (suspended, with a role) is live.
	for _, x := range []struct {
		id, role      string
		updated, exps time.Time
	}{
		{"s2", "p1", t0, t0.Add(30 * time.Minute)},
		{"s3", "", t0, t0.Add(12 * time.Hour)},
		{"s4", "p1", t0, t0.Add(12 * time.Hour)},
		{"s5", "", t0.Add(57 * time.Minute), t0.Add(12 * time.Hour)},
	} {
		n := sess
		n.ID, n.RoleID, n.State, n.UpdatedAt, n.ExpiresAt = x.id, x.role, store.SessionActive, x.updated, x.exps
		must(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateSession(ctx, n) }))
	}
	now := t0.Add(58 * time.Minute)
	idle := now.Add(-5 * time.Minute)
	var ended []store.Session
	must(t, s.View(ctx, func(r store.Reader) (err error) {
		ended, err = r.StaleSessions(ctx, now, idle, 100)
		return err
	}))
	if ids := sessionIDs(ended); !reflect.DeepEqual(ids, []string{"s2", "s3"}) {
		t.Fatalf("StaleSessions = %v, want [s2 s3]", ids)
	}
	for _, id := range []string{"s2", "s3"} {
		must(t, s.Update(ctx, func(tx store.Tx) error { return tx.EndStaleSession(ctx, id, now, idle) }))
		err := s.Update(ctx, func(tx store.Tx) error { return tx.EndStaleSession(ctx, id, now, idle) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ending %s twice: %v, want ErrNotFound", id, err)
		}
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.EndStaleSession(ctx, "s4", now, idle) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ending a live session as stale: %v, want ErrNotFound", err)
	}
	// Cancelling the card ends the live ones, suspended included.
	must(t, s.Update(ctx, func(tx store.Tx) (err error) {
		ended, err = tx.EndCardSessions(ctx, sess.CardGUID, now)
		return err
	}))
	if ids := sessionIDs(ended); !reflect.DeepEqual(ids, []string{"s1", "s4", "s5"}) {
		t.Fatalf("EndCardSessions ended %v, want [s1 s4 s5]", ids)
	}
	must(t, s.View(ctx, func(r store.Reader) error {
		for _, id := range []string{"s1", "s2", "s3", "s4", "s5"} {
			if got, err := r.Session(ctx, id); err != nil || got.State != store.SessionEnded {
				return fmt.Errorf("session %s after the sweep and the cancel: %+v, %v", id, got, err)
			}
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.TouchHealth(ctx, now) }))
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.TouchHealth(ctx, now.Add(time.Second)) }))
}

func sessionIDs(ss []store.Session) []string {
	ids := []string{}
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

func testTermsAndCA(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	seed(t, s)
	ctx := context.Background()
	must(t, s.View(ctx, func(r store.Reader) error {
		if _, _, err := r.LatestTermsFor(ctx, "555000111222"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("LatestTermsFor with no terms: %v, want ErrNotFound", err)
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		return errors.Join(
			tx.PublishTerms(ctx, store.Terms{Version: 1, Text: "v1", PublishedAt: t0}),
			tx.PublishTerms(ctx, store.Terms{Version: 2, Text: "v2", PublishedAt: t0}),
			tx.AcceptTerms(ctx, "555000111222", 1, t0),
			tx.AcceptTerms(ctx, "555000111222", 1, t0.Add(time.Hour)), // re-sign
		)
	}))
	var inserted [2]bool
	for i := range inserted {
		must(t, s.Update(ctx, func(tx store.Tx) (err error) {
			inserted[i], err = tx.InsertCA(ctx, store.CA{CertDER: []byte{byte(i)}, KeySealed: []byte{1}, CreatedAt: t0})
			return err
		}))
	}
	if inserted != [2]bool{true, false} {
		t.Fatalf("InsertCA inserted %v, want only the first", inserted)
	}
	must(t, s.View(ctx, func(r store.Reader) error {
		tm, err := r.LatestTerms(ctx)
		if err != nil || tm.Version != 2 {
			return fmt.Errorf("LatestTerms = %+v, %v", tm, err)
		}
		at, err := r.TermsAcceptedAt(ctx, "555000111222", 1)
		if err != nil || !at.Equal(t0.Add(time.Hour)) {
			return fmt.Errorf("TermsAcceptedAt = %v, %v", at, err)
		}
		if _, err := r.TermsAcceptedAt(ctx, "555000111222", 2); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("unaccepted version: %v", err)
		}
		return nil
	}))
	// Neither another user's acceptance of the latest version nor this
	// user's of an older one counts.
	must(t, s.Update(ctx, func(tx store.Tx) error {
		return errors.Join(
			tx.CreateUser(ctx, store.User{ID: "555000111223", Name: "Charles Babbage", CreatedAt: t0}),
			tx.AcceptTerms(ctx, "555000111223", 2, t0),
			tx.AcceptTerms(ctx, "555000111222", 1, t0.Add(3*time.Hour)),
		)
	}))
	must(t, s.View(ctx, func(r store.Reader) error {
		if tm, at, err := r.LatestTermsFor(ctx, "555000111222"); err != nil || tm.Version != 2 || tm.Text != "v2" || !tm.PublishedAt.Equal(t0) || !at.IsZero() {
			return fmt.Errorf("LatestTermsFor (latest not accepted) = %+v, %v, %v", tm, at, err)
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.AcceptTerms(ctx, "555000111222", 2, t0.Add(2*time.Hour)) }))
	must(t, s.View(ctx, func(r store.Reader) error {
		if tm, at, err := r.LatestTermsFor(ctx, "555000111222"); err != nil || tm.Version != 2 || !at.Equal(t0.Add(2*time.Hour)) {
			return fmt.Errorf("LatestTermsFor (accepted) = %+v, %v, %v", tm, at, err)
		}
		ca, err := r.CA(ctx)
		if err != nil || !bytes.Equal(ca.CertDER, []byte{0}) {
			return fmt.Errorf("CA = %+v, %v", ca, err)
		}
		return nil
	}))
}

func appendN(t *testing.T, s store.Store, n int, who string) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		must(t, s.Update(ctx, func(tx store.Tx) error {
			_, err := audit.Append(ctx, tx, testKey, audit.Record{At: time.Now(), Action: "test", Outcome: audit.OutcomeOK,
				UserID: who, ClientAddr: "192.0.2.7", Detail: fmt.Sprint(i)})
			return err
		}))
	}
}

func verify(t *testing.T, s store.Store, cps ...audit.Checkpoint) (audit.Summary, error) {
	var sum audit.Summary
	err := s.View(context.Background(), func(r store.Reader) (err error) {
		sum, err = audit.Verify(context.Background(), r, testKey, cps)
		return err
	})
	return sum, err
}

func testRollback(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	appendN(t, s, 2, "a")
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := audit.Append(ctx, tx, testKey, audit.Record{At: time.Now(), Action: "lost", Outcome: audit.OutcomeOK}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	appendN(t, s, 1, "a")
	sum, err := verify(t, s)
	if err != nil || sum.Records != 4 { // the audit.keyed record and 3
		t.Fatalf("Verify = %+v, %v; want 4 records", sum, err)
	}
}

// testAuditTamper edits rows as a database writer would; the chain is the
// audit.keyed record (1) and five records (2-6).
func testAuditTamper(t *testing.T, newDB func(t *testing.T) Opener) {
	tampers := []struct {
		name    string
		sql     string
		firstAt int64
	}{
		{"edit a field", `UPDATE audit SET outcome = 'forged' WHERE seq = 4`, 4},
		{"edit the client address", `UPDATE audit SET client_addr = '198.51.100.1' WHERE seq = 5`, 5},
		{"edit the time", `UPDATE audit SET at = at + 1 WHERE seq = 3`, 3},
		{"delete a middle row", `DELETE FROM audit WHERE seq = 5`, 5},
		{"delete the last row", `DELETE FROM audit WHERE seq = 6`, 6},
		{"rehash a row", `UPDATE audit SET hash = prev_hash WHERE seq = 2`, 2},
		{"move the head back", `UPDATE audit_head SET seq = 5`, 6},
		{"forge the keyed marker", `UPDATE audit SET detail = 'x' WHERE seq = 1`, 1},
		{"move the keyed start", `UPDATE audit_head SET keyed_from = 3`, 1},
		{"unkey the chain", `UPDATE audit_head SET keyed_from = 0`, 1},
	}
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			s := newDB(t)(t)
			appendN(t, s, 5, "u")
			if _, err := verify(t, s); err != nil {
				t.Fatalf("untouched chain: %v", err)
			}
			if _, err := s.Raw().Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			_, err := verify(t, s)
			var be *audit.BrokenError
			if !errors.As(err, &be) || be.Seq != tt.firstAt {
				t.Fatalf("Verify after %q = %v, want broken at %d", tt.sql, err, tt.firstAt)
			}
		})
	}
}

// testConcurrentAppends writes from two store instances (two pools, as two
// identityd processes would have) at once; the chain must stay linear.
func testConcurrentAppends(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	a, b := open(t), open(t)
	const perWriter = 50
	var wg sync.WaitGroup
	for i, s := range []store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			appendN(t, s, perWriter, fmt.Sprint("writer", i))
		}()
	}
	wg.Wait()
	sum, err := verify(t, a)
	if err != nil || sum.Records != 4*perWriter+1 {
		t.Fatalf("Verify = %+v, %v; want %d records", sum, err, 4*perWriter+1)
	}
}
