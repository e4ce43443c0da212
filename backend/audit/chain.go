package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"
)

// Head is the chain head row: the last record's sequence number and hash,
// and the sequence number of the ActionKeyed record (0 while the chain is
// still unkeyed).
type Head struct {
	Seq       int64
	Hash      []byte
	KeyedFrom int64
}

// Chain is what Append needs from a store transaction. LockAuditHead must
// hold the chain head until the transaction ends (SELECT … FOR UPDATE on
// PostgreSQL; SQLite's single writer does it), so appends from several
// instances serialize and the chain stays linear.
type Chain interface {
	LockAuditHead(ctx context.Context) (Head, error)
	InsertAudit(ctx context.Context, r *Record) error
	// SetAuditHead moves the head; keyedFrom is written as given.
	SetAuditHead(ctx context.Context, h Head) error
}

// Append links r to the chain head, MACs it with key and writes it inside
// the caller's transaction. A chain that is not keyed yet (a database
// migrated from unkeyed records) first gets its ActionKeyed record. Call it
// last in a transaction to hold the head lock briefly.
func Append(ctx context.Context, c Chain, key *Key, r Record) (Record, error) {
	h, err := c.LockAuditHead(ctx)
	if err != nil {
		return Record{}, fmt.Errorf("locking audit head: %w", err)
	}
	if h.KeyedFrom == 0 {
		if h, err = appendKeyedMarker(ctx, c, key, h, r.At); err != nil {
			return Record{}, err
		}
	}
	return appendAt(ctx, c, key, h, r)
}

// StartKeyed writes the ActionKeyed record if the chain has none yet: the
// re-chaining step after migration 00003. It reports whether it wrote one.
func StartKeyed(ctx context.Context, c Chain, key *Key, at time.Time) (bool, error) {
	h, err := c.LockAuditHead(ctx)
	if err != nil {
		return false, fmt.Errorf("locking audit head: %w", err)
	}
	if h.KeyedFrom != 0 {
		return false, nil
	}
	_, err = appendKeyedMarker(ctx, c, key, h, at)
	return err == nil, err
}

func appendKeyedMarker(ctx context.Context, c Chain, key *Key, h Head, at time.Time) (Head, error) {
	h.KeyedFrom = h.Seq + 1
	m := Record{At: at, Action: ActionKeyed, Outcome: OutcomeOK,
		Detail: fmt.Sprintf("keyed chain starts here; %d unkeyed records before", h.Seq)}
	r, err := appendAt(ctx, c, key, h, m)
	if err != nil {
		return Head{}, err
	}
	return Head{Seq: r.Seq, Hash: r.Hash, KeyedFrom: h.KeyedFrom}, nil
}

func appendAt(ctx context.Context, c Chain, key *Key, h Head, r Record) (Record, error) {
	r.Seq = h.Seq + 1
	r.At = r.At.UTC().Truncate(time.Microsecond) // the stores keep microseconds
	r.PrevHash = h.Hash
	r.ActorID = ActorOf(r.Detail)
	r.Hash = key.MAC(&r)
	if err := c.InsertAudit(ctx, &r); err != nil {
		return Record{}, fmt.Errorf("writing audit record: %w", err)
	}
	if err := c.SetAuditHead(ctx, Head{Seq: r.Seq, Hash: r.Hash, KeyedFrom: h.KeyedFrom}); err != nil {
		return Record{}, fmt.Errorf("moving audit head: %w", err)
	}
	return r, nil
}

// Source is what Verify reads.
type Source interface {
	AuditHead(ctx context.Context) (Head, error)
	// AuditRecords returns up to limit records with Seq > after, in Seq order.
	AuditRecords(ctx context.Context, after int64, limit int) ([]Record, error)
}

// BrokenError names the first record where the chain does not hold.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at record %d: %s", e.Seq, e.Reason)
}

// ErrBroken is what every BrokenError matches with errors.Is.
var ErrBroken = errors.New("audit chain broken")

func (e *BrokenError) Is(target error) bool { return target == ErrBroken }

// Summary describes a verified chain.
type Summary struct {
	Records   int64
	Head      []byte
	KeyedFrom int64 // the ActionKeyed record; records before it are legacy (unkeyed)
	// Checkpoints is how many checkpoints were checked against the chain,
	// Last the newest of them (by sequence number).
	Checkpoints int
	Last        Checkpoint
}

// Verify walks the whole chain from the genesis and checks every link, the
// sequence numbers, every MAC (key) or, before the ActionKeyed record, legacy
// hash, the head row, and each checkpoint: the record a checkpoint names
// must exist and carry the head the checkpoint saw. It returns a
// *BrokenError naming the first bad record, or the summary of a sound chain.
func Verify(ctx context.Context, src Source, key *Key, cps []Checkpoint) (Summary, error) {
	head, err := src.AuditHead(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("reading audit head: %w", err)
	}
	want := map[int64][]Checkpoint{}
	var newest Checkpoint
	for _, cp := range cps {
		want[cp.Seq] = append(want[cp.Seq], cp)
		if cp.Seq > newest.Seq {
			newest = cp
		}
	}
	prev, last, keyedFrom := GenesisHash, int64(0), int64(0)
	const page = 1000
	for {
		recs, err := src.AuditRecords(ctx, last, page)
		if err != nil {
			return Summary{}, fmt.Errorf("reading audit records after %d: %w", last, err)
		}
		for i := range recs {
			r := &recs[i]
			if keyedFrom == 0 && r.Action == ActionKeyed {
				keyedFrom = r.Seq
			}
			switch {
			case r.Seq != last+1:
				return Summary{}, &BrokenError{Seq: last + 1, Reason: fmt.Sprintf("missing (next present is %d)", r.Seq)}
			case !bytes.Equal(r.PrevHash, prev):
				return Summary{}, &BrokenError{Seq: r.Seq, Reason: "previous-hash link does not match the record before"}
			case keyedFrom != 0 && !hmac.Equal(key.MAC(r), r.Hash):
				return Summary{}, &BrokenError{Seq: r.Seq, Reason: "content does not match its MAC (rewritten without the key, or another secret)"}
			case keyedFrom == 0 && (r.ClientAddr != "" || !bytes.Equal(ComputeHash(r), r.Hash)):
				return Summary{}, &BrokenError{Seq: r.Seq, Reason: "content does not match its (legacy, unkeyed) hash"}
			case r.ActorID != ActorOf(r.Detail):
				return Summary{}, &BrokenError{Seq: r.Seq, Reason: "its administrator column does not match its detail"}
			}
			for _, cp := range want[r.Seq] {
				if !bytes.Equal(cp.Head, r.Hash) {
					return Summary{}, &BrokenError{Seq: r.Seq, Reason: fmt.Sprintf("differs from the checkpoint of %s", cp.At.Format(time.RFC3339))}
				}
			}
			prev, last = r.Hash, r.Seq
		}
		if len(recs) < page {
			break
		}
	}
	switch {
	case newest.Seq > last:
		return Summary{}, &BrokenError{Seq: last + 1, Reason: fmt.Sprintf("truncated: the checkpoint of %s saw %d records, the database holds %d",
			newest.At.Format(time.RFC3339), newest.Seq, last)}
	case head.Seq != last || !bytes.Equal(head.Hash, prev):
		// The first record the head and the rows disagree about.
		return Summary{}, &BrokenError{Seq: min(head.Seq, last) + 1, Reason: fmt.Sprintf("chain head says %d records, found %d", head.Seq, last)}
	case last > 0 && keyedFrom == 0:
		return Summary{}, &BrokenError{Seq: 1, Reason: "the chain is not keyed (no " + ActionKeyed + " record): run identityd migrate with the root secret"}
	case head.KeyedFrom != keyedFrom:
		return Summary{}, &BrokenError{Seq: max(1, min(head.KeyedFrom, keyedFrom)), Reason: fmt.Sprintf("chain head says the keyed chain starts at %d, found %d", head.KeyedFrom, keyedFrom)}
	}
	return Summary{Records: last, Head: prev, KeyedFrom: keyedFrom, Checkpoints: len(cps), Last: newest}, nil
}
