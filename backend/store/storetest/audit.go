package storetest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// testKey is the suite's chain key; an attacker in these tests does not
// have it.
var testKey = func() *audit.Key {
	k, err := audit.NewKey([]byte("storetest audit chain key, 32 bytes or more"))
	if err != nil {
		panic(err)
	}
	return k
}()

var checkpointKey = ed25519.NewKeyFromSeed([]byte("storetest checkpoint seed 32 byt"))

func records(t *testing.T, s store.Store) []audit.Record {
	t.Helper()
	var rs []audit.Record
	must(t, s.View(context.Background(), func(r store.Reader) (err error) {
		rs, err = r.AuditRecords(context.Background(), 0, 1<<20)
		return err
	}))
	return rs
}

// checkpoint writes one checkpoint of s's head to a fresh file through the
// real Checkpointer and reads the file back.
func checkpoint(t *testing.T, s store.Store) []audit.Checkpoint {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.checkpoints")
	head := func(ctx context.Context) (h audit.Head, err error) {
		err = s.View(ctx, func(r store.Reader) (err error) {
			h, err = r.AuditHead(ctx)
			return err
		})
		return h, err
	}
	cp, err := audit.NewCheckpointer(ctx, path, checkpointKey, head, audit.CheckpointOptions{})
	must(t, err)
	must(t, cp.Close(ctx))
	cps, err := audit.ReadCheckpointFile(path, checkpointKey.Public().(ed25519.PublicKey))
	must(t, err)
	return cps
}

// testAuditTruncation deletes the last K records and moves the head back to
// the record before them, as one UPDATE by a database writer would. The
// rows alone cannot tell (what is left is a sound chain); the checkpoint
// written before does.
func testAuditTruncation(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	appendN(t, s, 10, "u") // records 1 (audit.keyed) to 11
	cps := checkpoint(t, s)
	if sum, err := verify(t, s, cps...); err != nil || sum.Records != 11 || sum.Last.Seq != 11 {
		t.Fatalf("clean chain with its checkpoint: %+v, %v", sum, err)
	}
	const k = 3
	rs := records(t, s)
	keep := rs[len(rs)-k-1]
	_, err := s.Raw().Exec(`DELETE FROM audit WHERE seq > $1`, keep.Seq)
	must(t, err)
	_, err = s.Raw().Exec(`UPDATE audit_head SET seq = $1, hash = $2`, keep.Seq, keep.Hash)
	must(t, err)

	if sum, err := verify(t, s); err != nil || sum.Records != keep.Seq {
		t.Fatalf("without a checkpoint a truncated chain still looks sound (that is what checkpoints are for): %+v, %v", sum, err)
	}
	_, err = verify(t, s, cps...)
	var be *audit.BrokenError
	if !errors.As(err, &be) || be.Seq != keep.Seq+1 || !strings.Contains(be.Reason, "truncated") {
		t.Fatalf("Verify with the checkpoint after truncating %d records = %v, want truncated at %d", k, err, keep.Seq+1)
	}
}

// relink recomputes, from record seq on, every hash as an attacker without
// the key can (the unkeyed SHA-256), re-links the rest and moves the head.
func relink(t *testing.T, db *sqlstore.DB, rs []audit.Record, from int64) {
	t.Helper()
	prev := audit.GenesisHash
	for i := range rs {
		r := &rs[i]
		if r.Seq >= from {
			r.PrevHash = prev
			r.Hash = audit.ComputeHash(r)
			_, err := db.Raw().Exec(`UPDATE audit SET user_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, r.UserID, r.PrevHash, r.Hash, r.Seq)
			must(t, err)
		}
		prev = r.Hash
	}
	_, err := db.Raw().Exec(`UPDATE audit_head SET seq = $1, hash = $2`, rs[len(rs)-1].Seq, prev)
	must(t, err)
}

// testAuditRelinkedRewrite rewrites a record and re-links every record
// after it with recomputed hashes: without the key the MACs cannot match.
func testAuditRelinkedRewrite(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	appendN(t, s, 6, "555000000002")
	rs := records(t, s)
	rs[3].UserID = "555000000001" // record 4
	relink(t, s, rs, 4)
	_, err := verify(t, s)
	var be *audit.BrokenError
	if !errors.As(err, &be) || be.Seq != 4 {
		t.Fatalf("Verify after a re-linked rewrite of record 4 = %v, want broken at 4", err)
	}
}

// testAuditLegacyMigrated starts from a chain written before the chain was
// keyed (unkeyed hashes, no client address, keyed_from 0): verify says it is
// not keyed; StartKeyed anchors it with the audit.keyed record, after
// which the legacy part is covered too, and appends continue keyed.
func testAuditLegacyMigrated(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	ctx := context.Background()
	prev := audit.GenesisHash
	var legacy []audit.Record
	for i := int64(1); i <= 4; i++ {
		r := audit.Record{Seq: i, At: t0.Add(time.Duration(i) * time.Second), Action: "login", Outcome: audit.OutcomeOK, UserID: "555000111222", PrevHash: prev}
		r.Hash = audit.ComputeHash(&r)
		_, err := s.Raw().Exec(`INSERT INTO audit (seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, '', '', '', '', $6, $7)`, r.Seq, r.At.UnixMicro(), r.Action, r.Outcome, r.UserID, r.PrevHash, r.Hash)
		must(t, err)
		prev = r.Hash
		legacy = append(legacy, r)
	}
	_, err := s.Raw().Exec(`UPDATE audit_head SET seq = 4, hash = $1`, prev)
	must(t, err)

	_, err = verify(t, s)
	if !errors.Is(err, audit.ErrBroken) || !strings.Contains(err.Error(), "not keyed") {
		t.Fatalf("Verify of an unkeyed legacy chain = %v, want 'not keyed'", err)
	}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		wrote, err := audit.StartKeyed(ctx, tx, testKey, t0.Add(time.Minute))
		if err == nil && !wrote {
			err = errors.New("StartKeyed wrote no audit.keyed record")
		}
		return err
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		wrote, err := audit.StartKeyed(ctx, tx, testKey, t0.Add(time.Minute))
		if err == nil && wrote {
			err = errors.New("StartKeyed wrote a second audit.keyed record")
		}
		return err
	}))
	appendN(t, s, 2, "u")
	sum, err := verify(t, s)
	if err != nil || sum.Records != 7 || sum.KeyedFrom != 5 {
		t.Fatalf("Verify after re-chaining = %+v, %v; want 7 records keyed from 5", sum, err)
	}

	// The legacy part is now anchored: rewriting and re-linking it breaks
	// the link to the keyed marker.
	legacy[1].UserID = "555000000009"
	relink(t, s, legacy, 2)
	_, err = verify(t, s)
	var be *audit.BrokenError
	if !errors.As(err, &be) || be.Seq != 5 {
		t.Fatalf("Verify after rewriting the legacy part = %v, want broken at 5 (the audit.keyed record)", err)
	}
}
