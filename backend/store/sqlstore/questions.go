package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
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
	err := t.q.QueryRowContext(ctx, `SELECT q.answers, q.failures, q.registered_at, q.updated_at
		FROM security_questions q WHERE q.user_id = $1`+t.lockRow("q"), userID).Scan(&answers, &q.Failures, &registered, &updated)
	if err != nil {
		return q, t.wrap("reading security questions", err)
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
		`INSERT INTO security_questions (user_id, answers, failures, registered_at, updated_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (user_id) DO UPDATE SET answers = excluded.answers, failures = excluded.failures,
		 registered_at = excluded.registered_at, updated_at = excluded.updated_at`,
		q.UserID, answers, q.Failures, micros(q.RegisteredAt), micros(q.UpdatedAt))
}

func (t *tx) SetQuestionFailures(ctx context.Context, userID string, failures int, at time.Time) error {
	res, err := t.q.ExecContext(ctx, `UPDATE security_questions SET failures = $2, updated_at = $3 WHERE user_id = $1`,
		userID, failures, micros(at))
	if err != nil {
		return t.wrap("counting wrong answers", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.wrap("counting wrong answers", err)
	} else if n == 0 {
		return fmt.Errorf("counting wrong answers: no questions registered: %w", errNotFound)
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

func (t *tx) PutQuestionsRegistration(ctx context.Context, r store.QuestionsRegistration) error {
	answers, err := encodeAnswers(r.Answers)
	if err != nil {
		return err
	}
	return t.exec(ctx, "storing the questions registration",
		`INSERT INTO question_registrations (session_id, user_id, answers, code_hash, code_expires_at, wrong_codes, codes_sent,
		 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		 ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, answers = excluded.answers,
		 code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at, wrong_codes = excluded.wrong_codes,
		 codes_sent = excluded.codes_sent, created_at = excluded.created_at, updated_at = excluded.updated_at`,
		r.SessionID, r.UserID, answers, r.CodeHash, micros(r.CodeExpiresAt), r.WrongCodes, r.CodesSent,
		micros(r.CreatedAt), micros(r.UpdatedAt))
}

func (t *tx) DeleteQuestionsRegistration(ctx context.Context, sessionID string) error {
	return t.exec(ctx, "forgetting the questions registration",
		`DELETE FROM question_registrations WHERE session_id = $1`, sessionID)
}
