package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cardagent/cardagent/backend/store"
)

func (t *tx) CreateRenewal(ctx context.Context, r store.Renewal) error {
	return t.exec(ctx, "creating renewal",
		`INSERT INTO renewals (id, card_guid, token_hash, workstation_id, state, key_9a, key_9c, cert_9a, cert_9c,
		 created_at, updated_at, expires_at, completed_at, kind, admin_user_id, admin_session)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		r.ID, r.CardGUID, r.TokenHash, r.WorkstationID, string(r.State), r.Key9A, r.Key9C, r.Cert9A, r.Cert9C,
		micros(r.CreatedAt), micros(r.UpdatedAt), nullMicros(r.ExpiresAt), nullMicros(r.CompletedAt),
		string(renewalKind(r.Kind)), r.AdminUserID, r.AdminSessionID)
}

func (t *tx) UpdateRenewal(ctx context.Context, r store.Renewal, from store.RenewalState) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE renewals SET token_hash = $2, workstation_id = $3, state = $4, key_9a = $5, key_9c = $6,
		 cert_9a = $7, cert_9c = $8, updated_at = $9, expires_at = $10, completed_at = $11,
		 kind = $13, admin_user_id = $14, admin_session = $15
		 WHERE id = $1 AND state = $12`,
		r.ID, r.TokenHash, r.WorkstationID, string(r.State), r.Key9A, r.Key9C, r.Cert9A, r.Cert9C,
		micros(r.UpdatedAt), nullMicros(r.ExpiresAt), nullMicros(r.CompletedAt), string(from),
		string(renewalKind(r.Kind)), r.AdminUserID, r.AdminSessionID)
	if err != nil {
		return t.wrap("updating renewal", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.wrap("updating renewal", err)
	} else if n == 1 {
		return nil
	}
	var state string
	if err := t.q.QueryRowContext(ctx, `SELECT state FROM renewals WHERE id = $1`, r.ID).Scan(&state); err != nil {
		return t.wrap("updating renewal", err)
	}
	return fmt.Errorf("updating renewal: it is %s, no longer %s: %w", state, from, errConflict)
}

const renewalColumns = `r.id, r.card_guid, r.token_hash, r.workstation_id, r.state, r.key_9a, r.key_9c, r.cert_9a, r.cert_9c,
	r.created_at, r.updated_at, r.expires_at, r.completed_at, r.kind, r.admin_user_id, r.admin_session`

// renewalKind is k, the holder's own when unset.
func renewalKind(k store.RenewalKind) store.RenewalKind {
	if k == "" {
		return store.RenewalBySelf
	}
	return k
}

// scanRenewal reads renewalColumns and then into extra.
func scanRenewal(row interface{ Scan(...any) error }, extra ...any) (store.Renewal, error) {
	var r store.Renewal
	var state, kind string
	var created, updated int64
	var expires, completed sql.NullInt64
	err := row.Scan(append([]any{&r.ID, &r.CardGUID, &r.TokenHash, &r.WorkstationID, &state, &r.Key9A, &r.Key9C, &r.Cert9A, &r.Cert9C,
		&created, &updated, &expires, &completed, &kind, &r.AdminUserID, &r.AdminSessionID}, extra...)...)
	r.State, r.Kind = store.RenewalState(state), store.RenewalKind(kind)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	r.ExpiresAt, r.CompletedAt = fromNullMicros(expires), fromNullMicros(completed)
	return r, err
}

func (t *tx) Renewal(ctx context.Context, id string) (store.Renewal, error) {
	r, err := scanRenewal(t.q.QueryRowContext(ctx, `SELECT `+renewalColumns+` FROM renewals r WHERE r.id = $1`+t.lockRow("r"), id))
	if err != nil {
		return r, t.wrap("reading renewal", err)
	}
	return r, nil
}

func (t *tx) OpenRenewal(ctx context.Context, cardGUID string) (store.Renewal, error) {
	r, err := scanRenewal(t.q.QueryRowContext(ctx, `SELECT `+renewalColumns+` FROM renewals r
		WHERE r.card_guid = $1 AND r.state NOT IN ('completed', 'expired')`+t.lockRow("r"), cardGUID))
	if err != nil {
		return r, t.wrap("reading the open renewal of "+cardGUID, err)
	}
	return r, nil
}

func (t *tx) RenewalCard(ctx context.Context, id string) (store.Renewal, store.Card, error) {
	var c store.Card
	var state string
	var created int64
	var cancelled sql.NullInt64
	r, err := scanRenewal(t.q.QueryRowContext(ctx, `SELECT `+renewalColumns+`,
		c.guid, c.user_id, c.state, c.key_version, c.puk_sealed, c.puk_next, c.created_at, c.cancelled_at
		FROM renewals r JOIN cards c ON c.guid = r.card_guid WHERE r.id = $1`+t.lockRow("r"), id),
		&c.GUID, &c.UserID, &state, &c.KeyVersion, &c.PUKSealed, &c.PUKNext, &created, &cancelled)
	if err != nil {
		return r, c, t.wrap("reading renewal", err)
	}
	c.State, c.CreatedAt, c.CancelledAt = store.CardState(state), fromMicros(created), fromNullMicros(cancelled)
	return r, c, nil
}
