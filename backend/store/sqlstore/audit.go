package sqlstore

import (
	"context"

	"github.com/cardagent/cardagent/backend/audit"
)

const auditHeadQuery = `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`

// headCache is the chain head inside a write transaction, which may hold
// several callers' functions (group commit): read and locked once, moved
// in memory by each append, written back once before the commit.
type headCache struct {
	h      audit.Head
	loaded bool
	dirty  bool
}

func (t *tx) LockAuditHead(ctx context.Context) (audit.Head, error) {
	if t.head != nil && t.head.loaded {
		return t.head.h, nil
	}
	var h audit.Head
	err := t.q.QueryRowContext(ctx, auditHeadQuery+t.d.ForUpdate).Scan(&h.Seq, &h.Hash, &h.KeyedFrom)
	if err != nil {
		return h, t.wrap("locking audit head", err)
	}
	if t.head != nil {
		t.head.h, t.head.loaded = h, true
	}
	return h, nil
}

func (t *tx) AuditHead(ctx context.Context) (audit.Head, error) {
	if t.head != nil && t.head.loaded {
		return t.head.h, nil
	}
	var h audit.Head
	err := t.q.QueryRowContext(ctx, auditHeadQuery).Scan(&h.Seq, &h.Hash, &h.KeyedFrom)
	if err != nil {
		return h, t.wrap("reading audit head", err)
	}
	return h, nil
}

func (t *tx) InsertAudit(ctx context.Context, r *audit.Record) error {
	return t.exec(ctx, "writing audit record",
		`INSERT INTO audit (seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, client_addr, detail, prev_hash, hash)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.Seq, micros(r.At), r.Action, r.Outcome, r.UserID, r.CardGUID, r.WorkstationID, r.SessionID, r.ClientAddr, r.Detail, r.PrevHash, r.Hash)
}

func (t *tx) SetAuditHead(ctx context.Context, h audit.Head) error {
	if t.head != nil {
		t.head.h, t.head.loaded, t.head.dirty = h, true, true
		return nil
	}
	return t.writeHead(ctx, h)
}

// flushHead writes the cached head back if an append moved it.
func (t *tx) flushHead(ctx context.Context) error {
	if t.head == nil || !t.head.dirty {
		return nil
	}
	return t.writeHead(ctx, t.head.h)
}

func (t *tx) writeHead(ctx context.Context, h audit.Head) error {
	return t.exec(ctx, "moving audit head", `UPDATE audit_head SET seq = $1, hash = $2, keyed_from = $3 WHERE id = 1`, h.Seq, h.Hash, h.KeyedFrom)
}

func (t *tx) AuditRecords(ctx context.Context, after int64, limit int) ([]audit.Record, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, client_addr, detail, prev_hash, hash
		FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, t.wrap("reading audit records", err)
	}
	defer rows.Close()
	var rs []audit.Record
	for rows.Next() {
		var r audit.Record
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.Action, &r.Outcome, &r.UserID, &r.CardGUID, &r.WorkstationID, &r.SessionID, &r.ClientAddr, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return nil, t.wrap("reading audit records", err)
		}
		r.At = fromMicros(at)
		rs = append(rs, r)
	}
	return rs, t.wrapIf("reading audit records", rows.Err())
}
