package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

func (t *tx) PublishTerms(ctx context.Context, tm store.Terms) error {
	return t.exec(ctx, "publishing terms",
		`INSERT INTO terms (version, text, published_at) VALUES ($1, $2, $3)`, tm.Version, tm.Text, micros(tm.PublishedAt))
}

func (t *tx) LatestTerms(ctx context.Context) (store.Terms, error) {
	var tm store.Terms
	var at int64
	err := t.q.QueryRowContext(ctx, `SELECT version, text, published_at FROM terms ORDER BY version DESC LIMIT 1`).
		Scan(&tm.Version, &tm.Text, &at)
	if err != nil {
		return tm, t.wrap("reading latest terms", err)
	}
	tm.PublishedAt = fromMicros(at)
	return tm, nil
}

func (t *tx) AcceptTerms(ctx context.Context, userID string, version int, at time.Time) error {
	return t.exec(ctx, "accepting terms",
		`INSERT INTO terms_acceptances (user_id, version, accepted_at) VALUES ($1, $2, $3)
		 ON CONFLICT (user_id, version) DO UPDATE SET accepted_at = excluded.accepted_at`,
		userID, version, micros(at))
}

func (t *tx) TermsAcceptedAt(ctx context.Context, userID string, version int) (time.Time, error) {
	var at int64
	err := t.q.QueryRowContext(ctx,
		`SELECT accepted_at FROM terms_acceptances WHERE user_id = $1 AND version = $2`, userID, version).Scan(&at)
	if err != nil {
		return time.Time{}, t.wrap("reading terms acceptance", err)
	}
	return fromMicros(at), nil
}

func (t *tx) LatestTermsFor(ctx context.Context, userID string) (store.Terms, time.Time, error) {
	var tm store.Terms
	var at int64
	var accepted sql.NullInt64
	err := t.q.QueryRowContext(ctx, `SELECT t.version, t.text, t.published_at, a.accepted_at
		FROM terms t LEFT JOIN terms_acceptances a ON a.user_id = $1 AND a.version = t.version
		ORDER BY t.version DESC LIMIT 1`, userID).
		Scan(&tm.Version, &tm.Text, &at, &accepted)
	if err != nil {
		return tm, time.Time{}, t.wrap("reading latest terms", err)
	}
	tm.PublishedAt = fromMicros(at)
	return tm, fromNullMicros(accepted), nil
}

func (t *tx) UseChallenge(ctx context.Context, id []byte, expiresAt time.Time) error {
	return t.exec(ctx, "redeeming challenge",
		`INSERT INTO used_challenges (id, expires_at) VALUES ($1, $2)`, id, micros(expiresAt))
}

func (t *tx) PruneChallenges(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.q.ExecContext(ctx, `DELETE FROM used_challenges WHERE expires_at < $1`, micros(before))
	if err != nil {
		return 0, t.wrap("pruning challenges", err)
	}
	return res.RowsAffected()
}

func (t *tx) CreateSession(ctx context.Context, s store.Session) error {
	return t.exec(ctx, "creating session",
		`INSERT INTO sessions (id, token_hash, user_id, card_guid, cert_serial, workstation_id, role_id, state, created_at, updated_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		s.ID, s.TokenHash, s.UserID, s.CardGUID, s.CertSerial, s.WorkstationID, s.RoleID, string(s.State),
		micros(s.CreatedAt), micros(s.UpdatedAt), micros(s.ExpiresAt))
}

func (t *tx) UpdateSession(ctx context.Context, s store.Session) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE sessions SET token_hash = $2, cert_serial = $3, role_id = $4, state = $5, updated_at = $6, expires_at = $7 WHERE id = $1`,
		s.ID, s.TokenHash, s.CertSerial, s.RoleID, string(s.State), micros(s.UpdatedAt), micros(s.ExpiresAt))
	return t.oneRow("updating session", res, err)
}

func (t *tx) Session(ctx context.Context, id string) (store.Session, error) {
	s := store.Session{ID: id}
	var state string
	var created, updated, expires int64
	err := t.q.QueryRowContext(ctx, `SELECT token_hash, user_id, card_guid, cert_serial, workstation_id, role_id, state, created_at, updated_at, expires_at
		FROM sessions WHERE id = $1`, id).
		Scan(&s.TokenHash, &s.UserID, &s.CardGUID, &s.CertSerial, &s.WorkstationID, &s.RoleID, &state, &created, &updated, &expires)
	if err != nil {
		return s, t.wrap("reading session", err)
	}
	s.State = store.SessionState(state)
	s.CreatedAt, s.UpdatedAt, s.ExpiresAt = fromMicros(created), fromMicros(updated), fromMicros(expires)
	return s, nil
}

func (t *tx) InsertCA(ctx context.Context, ca store.CA) (bool, error) {
	res, err := t.q.ExecContext(ctx,
		`INSERT INTO ca (id, cert_der, key_sealed, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING`,
		ca.CertDER, ca.KeySealed, micros(ca.CreatedAt))
	if err != nil {
		return false, t.wrap("storing CA", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) CA(ctx context.Context) (store.CA, error) {
	var ca store.CA
	var at int64
	err := t.q.QueryRowContext(ctx, `SELECT cert_der, key_sealed, created_at FROM ca WHERE id = 1`).
		Scan(&ca.CertDER, &ca.KeySealed, &at)
	if err != nil {
		return ca, t.wrap("reading CA", err)
	}
	ca.CreatedAt = fromMicros(at)
	return ca, nil
}
