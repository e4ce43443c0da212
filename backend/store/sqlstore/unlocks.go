package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

func (t *tx) CreateUnlock(ctx context.Context, u store.Unlock) error {
	return t.exec(ctx, "creating unlock",
		`INSERT INTO unlocks (id, card_guid, user_id, token_hash, workstation_id, state, code_hash, code_expires_at,
		 wrong_codes, challenge, created_at, updated_at, completed_at, question_ids, admin_user_id, admin_session)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		u.ID, u.CardGUID, u.UserID, u.TokenHash, u.WorkstationID, string(u.State), u.CodeHash, micros(u.CodeExpiresAt),
		u.WrongCodes, u.Challenge, micros(u.CreatedAt), micros(u.UpdatedAt), nullMicros(u.CompletedAt),
		strings.Join(u.QuestionIDs, " "), u.AdminUserID, u.AdminSessionID)
}

func (t *tx) UpdateUnlock(ctx context.Context, u store.Unlock, from store.UnlockState) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE unlocks SET state = $2, wrong_codes = $3, challenge = $4, updated_at = $5, completed_at = $6,
		 code_hash = $8, code_expires_at = $9
		 WHERE id = $1 AND state = $7`,
		u.ID, string(u.State), u.WrongCodes, u.Challenge, micros(u.UpdatedAt), nullMicros(u.CompletedAt), string(from),
		u.CodeHash, micros(u.CodeExpiresAt))
	if err != nil {
		return t.wrap("updating unlock", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.wrap("updating unlock", err)
	} else if n == 1 {
		return nil
	}
	var state string
	if err := t.q.QueryRowContext(ctx, `SELECT state FROM unlocks WHERE id = $1`, u.ID).Scan(&state); err != nil {
		return t.wrap("updating unlock", err)
	}
	return fmt.Errorf("updating unlock: it is %s, no longer %s: %w", state, from, errConflict)
}

const unlockColumns = `u.id, u.card_guid, u.user_id, u.token_hash, u.workstation_id, u.state, u.code_hash, u.code_expires_at,
	u.wrong_codes, u.challenge, u.created_at, u.updated_at, u.completed_at, u.question_ids, u.admin_user_id, u.admin_session`

func scanUnlock(row interface{ Scan(...any) error }) (store.Unlock, error) {
	var u store.Unlock
	var state string
	var codeExpires, created, updated int64
	var completed sql.NullInt64
	var questions string
	err := row.Scan(&u.ID, &u.CardGUID, &u.UserID, &u.TokenHash, &u.WorkstationID, &state, &u.CodeHash, &codeExpires,
		&u.WrongCodes, &u.Challenge, &created, &updated, &completed, &questions, &u.AdminUserID, &u.AdminSessionID)
	if questions != "" {
		u.QuestionIDs = strings.Fields(questions)
	}
	u.State = store.UnlockState(state)
	u.CodeExpiresAt, u.CreatedAt, u.UpdatedAt = fromMicros(codeExpires), fromMicros(created), fromMicros(updated)
	u.CompletedAt = fromNullMicros(completed)
	return u, err
}

func (t *tx) Unlock(ctx context.Context, id string) (store.Unlock, error) {
	u, err := scanUnlock(t.q.QueryRowContext(ctx, `SELECT `+unlockColumns+` FROM unlocks u WHERE u.id = $1`+t.lockRow("u"), id))
	if err != nil {
		return u, t.wrap("reading unlock", err)
	}
	return u, nil
}

func (t *tx) OpenUnlock(ctx context.Context, cardGUID string) (store.Unlock, error) {
	u, err := scanUnlock(t.q.QueryRowContext(ctx, `SELECT `+unlockColumns+` FROM unlocks u
		WHERE u.card_guid = $1 AND u.state IN ('questions', 'code_sent', 'code_accepted', 'card_proving', 'released')`+t.lockRow("u"), cardGUID))
	if err != nil {
		return u, t.wrap("reading the open unlock of "+cardGUID, err)
	}
	return u, nil
}

func (t *tx) UnlockRequests(ctx context.Context, cardGUID, userID string, since time.Time) (card, user int, err error) {
	err = t.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM unlocks WHERE card_guid = $1 AND created_at >= $3 AND state <> 'unsent' AND admin_user_id = ''),
		(SELECT COUNT(*) FROM unlocks WHERE user_id = $2 AND created_at >= $3 AND state <> 'unsent' AND admin_user_id = '')`,
		cardGUID, userID, micros(since)).Scan(&card, &user)
	if err != nil {
		return 0, 0, t.wrap("counting unlock requests", err)
	}
	return card, user, nil
}
