package sqlstore

import (
	"context"

	"github.com/cardagent/cardagent/backend/audit"
)

func (t *tx) LockAuditHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := t.q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+t.d.ForUpdate).Scan(&seq, &hash)
	if err != nil {
		return 0, nil, t.wrap("locking audit head", err)
	}
	return seq, hash, nil
}

func (t *tx) AuditHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := t.q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if err != nil {
		return 0, nil, t.wrap("reading audit head", err)
	}
	return seq, hash, nil
}

func (t *tx) InsertAudit(ctx context.Context, r *audit.Record) error {
	return t.exec(ctx, "writing audit record",
		`INSERT INTO audit (seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, detail, prev_hash, hash)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.Seq, micros(r.At), r.Action, r.Outcome, r.UserID, r.CardGUID, r.WorkstationID, r.SessionID, r.Detail, r.PrevHash, r.Hash)
}

func (t *tx) SetAuditHead(ctx context.Context, seq int64, hash []byte) error {
	return t.exec(ctx, "moving audit head", `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, hash)
}

func (t *tx) AuditRecords(ctx context.Context, after int64, limit int) ([]audit.Record, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, detail, prev_hash, hash
		FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, t.wrap("reading audit records", err)
	}
	defer rows.Close()
	var rs []audit.Record
	for rows.Next() {
		var r audit.Record
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.Action, &r.Outcome, &r.UserID, &r.CardGUID, &r.WorkstationID, &r.SessionID, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return nil, t.wrap("reading audit records", err)
		}
		r.At = fromMicros(at)
		rs = append(rs, r)
	}
	return rs, t.wrapIf("reading audit records", rows.Err())
}
