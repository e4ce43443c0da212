package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
)

const auditHeadQuery = `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`

// headCache is the chain head inside a write transaction, which may hold
// several callers' functions (group commit): read and locked once, moved
// in memory by each append, written back once before the commit together
// with the records appended, in one INSERT.
type headCache struct {
	h       audit.Head
	loaded  bool
	dirty   bool
	records []audit.Record // appended, not yet written
}

// headMark is a headCache as it stood, to go back to.
type headMark struct {
	h             audit.Head
	loaded, dirty bool
	records       int
}

func (c *headCache) mark() headMark {
	return headMark{h: c.h, loaded: c.loaded, dirty: c.dirty, records: len(c.records)}
}

// undo forgets what a function rolled back to its savepoint appended.
func (c *headCache) undo(m headMark) {
	c.h, c.loaded, c.dirty = m.h, m.loaded, m.dirty
	clear(c.records[m.records:])
	c.records = c.records[:m.records]
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
	if t.head != nil {
		t.head.records = append(t.head.records, *r)
		return nil
	}
	return t.insertAudit(ctx, []audit.Record{*r})
}

const auditColumns = 13

// insertAudit writes records in one INSERT per auditInsertMax.
func (t *tx) insertAudit(ctx context.Context, records []audit.Record) error {
	for len(records) > 0 {
		n := min(len(records), auditInsertMax)
		var q strings.Builder
		q.WriteString(`INSERT INTO audit (seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, client_addr, detail, actor_id, prev_hash, hash) VALUES `)
		args := make([]any, 0, n*auditColumns)
		for i, r := range records[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range auditColumns {
				if c > 0 {
					q.WriteString(", ")
				}
				q.WriteString("$" + strconv.Itoa(i*auditColumns+c+1))
			}
			q.WriteByte(')')
			args = append(args, r.Seq, micros(r.At), r.Action, r.Outcome, r.UserID, r.CardGUID, r.WorkstationID, r.SessionID, r.ClientAddr, r.Detail, r.ActorID, r.PrevHash, r.Hash)
		}
		if err := t.exec(ctx, "writing audit records", q.String(), args...); err != nil {
			return err
		}
		records = records[n:]
	}
	return nil
}

// auditInsertMax bounds the rows of one INSERT (and so its parameters).
const auditInsertMax = 64

func (t *tx) SetAuditHead(ctx context.Context, h audit.Head) error {
	if t.head != nil {
		t.head.h, t.head.loaded, t.head.dirty = h, true, true
		return nil
	}
	return t.writeHead(ctx, h)
}

// flushHead writes the records appended and the head they moved.
func (t *tx) flushHead(ctx context.Context) error {
	if t.head == nil {
		return nil
	}
	if err := t.insertAudit(ctx, t.head.records); err != nil {
		return err
	}
	clear(t.head.records)
	t.head.records = t.head.records[:0]
	if !t.head.dirty {
		return nil
	}
	t.head.dirty = false
	return t.writeHead(ctx, t.head.h)
}

func (t *tx) writeHead(ctx context.Context, h audit.Head) error {
	return t.exec(ctx, "moving audit head", `UPDATE audit_head SET seq = $1, hash = $2, keyed_from = $3 WHERE id = 1`, h.Seq, h.Hash, h.KeyedFrom)
}

func (t *tx) AuditRecords(ctx context.Context, after int64, limit int) ([]audit.Record, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+auditRecordColumns+` FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, t.wrap("reading audit records", err)
	}
	rs, err := scanAudit(rows)
	if err != nil {
		return nil, t.wrap("reading audit records", err)
	}
	if t.head != nil {
		// Appended in this transaction, not yet written: after every row.
		for _, r := range t.head.records {
			if r.Seq > after && len(rs) < limit {
				rs = append(rs, r)
			}
		}
	}
	return rs, nil
}

const auditRecordColumns = `seq, at, action, outcome, user_id, card_guid, workstation_id, session_id, client_addr, detail, actor_id, prev_hash, hash`

// scanAudit reads and closes rows of auditRecordColumns.
func scanAudit(rows *sql.Rows) ([]audit.Record, error) {
	defer rows.Close()
	var rs []audit.Record
	for rows.Next() {
		var r audit.Record
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.Action, &r.Outcome, &r.UserID, &r.CardGUID, &r.WorkstationID, &r.SessionID, &r.ClientAddr,
			&r.Detail, &r.ActorID, &r.PrevHash, &r.Hash); err != nil {
			return nil, err
		}
		r.At = fromMicros(at)
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// AuditSearch reads a page of records, newest first: each filter of q is
// one indexed column (user, card, administrator) and the time range one
// more, the page going on from q.Before. Every index ends in (at, seq), so
// each page is one range scan of one index, whatever the table's size.
func (t *tx) AuditSearch(ctx context.Context, q store.AuditQuery) ([]audit.Record, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, f := range []struct{ column, value string }{{"user_id", q.UserID}, {"card_guid", q.CardGUID}, {"actor_id", q.ActorID}} {
		if f.value != "" {
			where = append(where, f.column+" = "+arg(f.value))
		}
	}
	if q.ActorOrg != "" {
		// Checked on the rows of one administrator's index range only.
		where = append(where, "detail LIKE "+arg("% at "+likeEscaped(q.ActorOrg)+" (session %")+` ESCAPE '!'`)
	}
	if !q.From.IsZero() {
		where = append(where, "at >= "+arg(micros(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "at < "+arg(micros(q.To)))
	}
	if q.Before.Seq != 0 {
		at, seq := arg(micros(q.Before.At)), arg(q.Before.Seq)
		where = append(where, "(at < "+at+" OR at = "+at+" AND seq < "+seq+")")
	}
	query := `SELECT ` + auditRecordColumns + ` FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY at DESC, seq DESC LIMIT " + arg(q.Limit)
	rows, err := t.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, t.wrap("searching the audit trail", err)
	}
	rs, err := scanAudit(rows)
	if err != nil {
		return nil, t.wrap("searching the audit trail", err)
	}
	return rs, nil
}

// likeEscaped escapes LIKE's wildcards in s, with ! (ESCAPE '!').
func likeEscaped(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
