package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

// Security questions: answers are stored as a JSON list of question ids
// and PHC hashes, read and written whole.

func encodeAnswers(as []store.SecurityAnswer) (string, error) {
	b, err := json.Marshal(as)
	return string(b), err
}

func decodeAnswers(s string) ([]store.SecurityAnswer, error) {
	var as []store.SecurityAnswer
	if err := json.Unmarshal([]byte(s), &as); err != nil {
		return nil, fmt.Errorf("stored answers do not decode: %w", err)
	}
	return as, nil
}

func (t *tx) SecurityQuestions(ctx context.Context, userID string) (store.SecurityQuestions, error) {
	q := store.SecurityQuestions{UserID: userID}
	var answers string
	var registered, updated int64
	var asked string
	err := t.q.QueryRowContext(ctx, `SELECT q.answers, q.failures, q.asked, q.registered_at, q.updated_at
		FROM security_questions q WHERE q.user_id = $1`+t.lockRow("q"), userID).Scan(&answers, &q.Failures, &asked, &registered, &updated)
	if err != nil {
		return q, t.wrap("reading security questions", err)
	}
	if asked != "" {
		q.Asked = strings.Fields(asked)
	}
	q.RegisteredAt, q.UpdatedAt = fromMicros(registered), fromMicros(updated)
	q.Answers, err = decodeAnswers(answers)
	return q, err
}

func (t *tx) PutSecurityQuestions(ctx context.Context, q store.SecurityQuestions) error {
	answers, err := encodeAnswers(q.Answers)
	if err != nil {
		return err
	}
	return t.exec(ctx, "registering security questions",
		`INSERT INTO security_questions (user_id, answers, failures, asked, registered_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (user_id) DO UPDATE SET answers = excluded.answers, failures = excluded.failures, asked = excluded.asked,
		 registered_at = excluded.registered_at, updated_at = excluded.updated_at`,
		q.UserID, answers, q.Failures, strings.Join(q.Asked, " "), micros(q.RegisteredAt), micros(q.UpdatedAt))
}

func (t *tx) SetQuestionFailures(ctx context.Context, userID string, failures int, at time.Time) error {
	return t.updateQuestions(ctx, "counting wrong answers", `failures = $2`, userID, failures, micros(at))
}

func (t *tx) SetQuestionsAsked(ctx context.Context, userID string, asked []string, at time.Time) error {
	return t.updateQuestions(ctx, "keeping the questions asked", `asked = $2`, userID, strings.Join(asked, " "), micros(at))
}

// updateQuestions sets one column of a user's questions ($2; $3 is the time).
func (t *tx) updateQuestions(ctx context.Context, what, set string, userID string, value any, at int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE security_questions SET `+set+`, updated_at = $3 WHERE user_id = $1`, userID, value, at)
	if err != nil {
		return t.wrap(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.wrap(what, err)
	} else if n == 0 {
		return fmt.Errorf("%s: no questions registered: %w", what, errNotFound)
	}
	return nil
}

func (t *tx) QuestionsRegistration(ctx context.Context, sessionID string) (store.QuestionsRegistration, error) {
	r := store.QuestionsRegistration{SessionID: sessionID}
	var answers string
	var expires, created, updated int64
	err := t.q.QueryRowContext(ctx, `SELECT r.user_id, r.answers, r.code_hash, r.code_expires_at, r.wrong_codes, r.codes_sent,
		r.created_at, r.updated_at FROM question_registrations r WHERE r.session_id = $1`+t.lockRow("r"), sessionID).
		Scan(&r.UserID, &answers, &r.CodeHash, &expires, &r.WrongCodes, &r.CodesSent, &created, &updated)
	if err != nil {
		return r, t.wrap("reading the questions registration", err)
	}
	r.CodeExpiresAt, r.CreatedAt, r.UpdatedAt = fromMicros(expires), fromMicros(created), fromMicros(updated)
	r.Answers, err = decodeAnswers(answers)
	return r, err
}

func (t *tx) PutQuestionsRegistration(ctx context.Context, r store.QuestionsRegistration) (int, error) {
	answers, err := encodeAnswers(r.Answers)
	if err != nil {
		return 0, err
	}
	var sent int
	err = t.q.QueryRowContext(ctx,
		`INSERT INTO question_registrations (session_id, user_id, answers, code_hash, code_expires_at, wrong_codes, codes_sent,
		 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)
		 ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, answers = excluded.answers,
		 code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at, wrong_codes = excluded.wrong_codes,
		 codes_sent = question_registrations.codes_sent + 1, created_at = excluded.created_at, updated_at = excluded.updated_at
		 RETURNING codes_sent`,
		r.SessionID, r.UserID, answers, r.CodeHash, micros(r.CodeExpiresAt), r.WrongCodes,
		micros(r.CreatedAt), micros(r.UpdatedAt)).Scan(&sent)
	if err != nil {
		return 0, t.wrap("storing the questions registration", err)
	}
	return sent, nil
}

func (t *tx) CountWrongQuestionsCode(ctx context.Context, sessionID string, at time.Time) (int, error) {
	var n int
	err := t.q.QueryRowContext(ctx, `UPDATE question_registrations SET wrong_codes = wrong_codes + 1, updated_at = $2
		WHERE session_id = $1 RETURNING wrong_codes`, sessionID, micros(at)).Scan(&n)
	if err != nil {
		return 0, t.wrap("counting a wrong confirmation code", err)
	}
	return n, nil
}

// closedRegistration marks a registration that takes no more codes.
const closedRegistration = 1 << 30

func (t *tx) CloseQuestionsRegistration(ctx context.Context, sessionID string, at time.Time) error {
	return t.exec(ctx, "closing the questions registration",
		`UPDATE question_registrations SET answers = '[]', wrong_codes = $2, updated_at = $3 WHERE session_id = $1`,
		sessionID, closedRegistration, micros(at))
}

func (t *tx) PruneQuestionsRegistrations(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.q.ExecContext(ctx, `DELETE FROM question_registrations WHERE updated_at < $1`, micros(before))
	if err != nil {
		return 0, t.wrap("pruning questions registrations", err)
	}
	return res.RowsAffected()
}
