package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// Chain is what Append needs from a store transaction. LockAuditHead must
// hold the chain head until the transaction ends (SELECT … FOR UPDATE on
// PostgreSQL; SQLite's single writer does it), so appends from several
// instances serialize and the chain stays linear.
type Chain interface {
	LockAuditHead(ctx context.Context) (seq int64, hash []byte, err error)
	InsertAudit(ctx context.Context, r *Record) error
	SetAuditHead(ctx context.Context, seq int64, hash []byte) error
}

// Append links r to the chain head and writes it inside the caller's
// transaction. Call it last in a transaction to hold the head lock briefly.
func Append(ctx context.Context, c Chain, r Record) (Record, error) {
	seq, prev, err := c.LockAuditHead(ctx)
	if err != nil {
		return Record{}, fmt.Errorf("locking audit head: %w", err)
	}
	r.Seq = seq + 1
	r.At = r.At.UTC().Truncate(time.Microsecond) // the stores keep microseconds
	r.PrevHash = prev
	r.Hash = ComputeHash(&r)
	if err := c.InsertAudit(ctx, &r); err != nil {
		return Record{}, fmt.Errorf("writing audit record: %w", err)
	}
	if err := c.SetAuditHead(ctx, r.Seq, r.Hash); err != nil {
		return Record{}, fmt.Errorf("moving audit head: %w", err)
	}
	return r, nil
}

// Source is what Verify reads.
type Source interface {
	AuditHead(ctx context.Context) (seq int64, hash []byte, err error)
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
	Records int64
	Head    []byte
}

// Verify walks the whole chain from the genesis and checks every link, the
// sequence numbers and the head row. It returns a *BrokenError naming the
// first bad record, or the summary of a sound chain.
func Verify(ctx context.Context, src Source) (Summary, error) {
	headSeq, headHash, err := src.AuditHead(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("reading audit head: %w", err)
	}
	prev, last := GenesisHash, int64(0)
	const page = 1000
	for {
		recs, err := src.AuditRecords(ctx, last, page)
		if err != nil {
			return Summary{}, fmt.Errorf("reading audit records after %d: %w", last, err)
		}
		for i := range recs {
			r := &recs[i]
			switch {
			case r.Seq != last+1:
				return Summary{}, &BrokenError{Seq: last + 1, Reason: fmt.Sprintf("missing (next present is %d)", r.Seq)}
			case !bytes.Equal(r.PrevHash, prev):
				return Summary{}, &BrokenError{Seq: r.Seq, Reason: "previous-hash link does not match the record before"}
			case !bytes.Equal(ComputeHash(r), r.Hash):
				return Summary{}, &BrokenError{Seq: r.Seq, Reason: "content does not match its hash"}
			}
			prev, last = r.Hash, r.Seq
		}
		if len(recs) < page {
			break
		}
	}
	if headSeq != last || !bytes.Equal(headHash, prev) {
		// The first record the head and the rows disagree about.
		return Summary{}, &BrokenError{Seq: min(headSeq, last) + 1, Reason: fmt.Sprintf("chain head says %d records, found %d", headSeq, last)}
	}
	return Summary{Records: last, Head: prev}, nil
}
