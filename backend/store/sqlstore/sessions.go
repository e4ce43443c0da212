package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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

func (t *tx) UpdateSession(ctx context.Context, s store.Session, from store.SessionState) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE sessions SET token_hash = $2, cert_serial = $3, role_id = $4, state = $5, updated_at = $6, expires_at = $7
		 WHERE id = $1 AND state = $8`,
		s.ID, s.TokenHash, s.CertSerial, s.RoleID, string(s.State), micros(s.UpdatedAt), micros(s.ExpiresAt), string(from))
	if err != nil {
		return t.wrap("updating session", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.wrap("updating session", err)
	} else if n == 1 {
		return nil
	}
	// Nothing matched: gone, or changed since it was read.
	var state string
	if err := t.q.QueryRowContext(ctx, `SELECT state FROM sessions WHERE id = $1`, s.ID).Scan(&state); err != nil {
		return t.wrap("updating session", err)
	}
	return fmt.Errorf("updating session: it is %s, no longer %s: %w", state, from, errConflict)
}

const sessionColumns = `s.id, s.token_hash, s.user_id, s.card_guid, s.cert_serial, s.workstation_id, s.role_id, s.state, s.created_at, s.updated_at, s.expires_at`

func scanSession(row interface{ Scan(...any) error }, extra ...any) (store.Session, error) {
	var s store.Session
	var state string
	var created, updated, expires int64
	err := row.Scan(append([]any{&s.ID, &s.TokenHash, &s.UserID, &s.CardGUID, &s.CertSerial, &s.WorkstationID, &s.RoleID, &state, &created, &updated, &expires}, extra...)...)
	s.State = store.SessionState(state)
	s.CreatedAt, s.UpdatedAt, s.ExpiresAt = fromMicros(created), fromMicros(updated), fromMicros(expires)
	return s, err
}

// lockSession is the row lock a session read takes inside a write
// transaction.
func (t *tx) lockSession() string { return t.lockRow("s") }

// lockRow is the lock a read of the row aliased alias takes inside a write
// transaction (PostgreSQL; SQLite's single writer needs none).
func (t *tx) lockRow(alias string) string {
	if t.write && t.d.ForUpdate != "" {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

func (t *tx) Session(ctx context.Context, id string) (store.Session, error) {
	s, err := scanSession(t.q.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions s WHERE s.id = $1`+t.lockSession(), id))
	if err != nil {
		return s, t.wrap("reading session", err)
	}
	return s, nil
}

func (t *tx) SessionAuth(ctx context.Context, id string) (store.SessionAuth, error) {
	var sa store.SessionAuth
	var cardState string
	var disabled bool
	var pID, pUser, pOrg, pOrgName, pRole sql.NullString
	var pStarts, pEnds sql.NullInt64
	s, err := scanSession(t.q.QueryRowContext(ctx, `SELECT `+sessionColumns+`, c.state, u.disabled,
		p.id, p.user_id, p.organisation_id, o.name, p.role_name, p.starts_at, p.ends_at
		FROM sessions s JOIN cards c ON c.guid = s.card_guid JOIN users u ON u.id = s.user_id
		LEFT JOIN positions p ON s.role_id <> '' AND p.id = s.role_id AND p.user_id = s.user_id
		LEFT JOIN organisations o ON o.id = p.organisation_id
		WHERE s.id = $1`+t.lockSession(), id),
		&cardState, &disabled, &pID, &pUser, &pOrg, &pOrgName, &pRole, &pStarts, &pEnds)
	if err != nil {
		return sa, t.wrap("reading session", err)
	}
	sa.Session, sa.CardState, sa.UserDisabled = s, store.CardState(cardState), disabled
	if pID.Valid {
		sa.Role = &store.Position{ID: pID.String, UserID: pUser.String, OrganisationID: pOrg.String, OrganisationName: pOrgName.String,
			RoleName: pRole.String, StartsAt: fromMicros(pStarts.Int64), EndsAt: fromNullMicros(pEnds)}
	}
	return sa, nil
}

// endSessions runs a query returning sessions (an UPDATE … RETURNING or a SELECT).
func (t *tx) endSessions(ctx context.Context, what, query string, args ...any) ([]store.Session, error) {
	rows, err := t.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, t.wrap(what, err)
	}
	defer rows.Close()
	var ss []store.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, t.wrap(what, err)
		}
		ss = append(ss, s)
	}
	return ss, t.wrapIf(what, rows.Err())
}

const returningSession = ` RETURNING id, token_hash, user_id, card_guid, cert_serial, workstation_id, role_id, state, created_at, updated_at, expires_at`

func (t *tx) EndCardSessions(ctx context.Context, cardGUID string, at time.Time) ([]store.Session, error) {
	return t.endSessions(ctx, "ending the sessions of card "+cardGUID,
		`UPDATE sessions SET state = 'ended', updated_at = $2 WHERE card_guid = $1 AND state IN ('active', 'suspended')`+returningSession,
		cardGUID, micros(at))
}

const staleSession = `state IN ('active', 'suspended') AND (expires_at <= $1 OR (role_id = '' AND updated_at < $2))`

func (t *tx) StaleSessions(ctx context.Context, now, idleSince time.Time, limit int) ([]store.Session, error) {
	return t.endSessions(ctx, "listing stale sessions",
		`SELECT `+sessionColumns+` FROM sessions s WHERE `+staleSession+` ORDER BY expires_at LIMIT $3`,
		micros(now), micros(idleSince), limit)
}

func (t *tx) EndStaleSession(ctx context.Context, id string, now, idleSince time.Time) error {
	// The condition is re-checked on a row another instance changed
	// meanwhile (PostgreSQL), so no session is ended twice.
	res, err := t.q.ExecContext(ctx, `UPDATE sessions SET state = 'ended', updated_at = $1 WHERE id = $3 AND `+staleSession,
		micros(now), micros(idleSince), id)
	return t.oneRow("ending stale session", res, err)
}

func (t *tx) TouchHealth(ctx context.Context, at time.Time) error {
	return t.exec(ctx, "writing the health row",
		`INSERT INTO health (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at`, micros(at))
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
