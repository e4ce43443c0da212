package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

// testQuestions: registered questions round-trip and are replaced whole;
// the count of wrong answers is set on its own; a session's registration
// round-trips, is replaced by a newer one and is forgotten; an unlock
// keeps the questions it asked and takes a new code when the answers are
// right.
func testQuestions(t *testing.T, newDB func(t *testing.T) Opener) {
	open := newDB(t)
	s := open(t)
	seed(t, s)
	ctx := context.Background()
	const user, card = "555000111222", "00112233445566778899aabbccddeeff"
	answers := []store.SecurityAnswer{{QuestionID: "q01", Hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"},
		{QuestionID: "q07", Hash: "h7"}, {QuestionID: "q11", Hash: "h11"}, {QuestionID: "q20", Hash: "h20"}}
	q := store.SecurityQuestions{UserID: user, Answers: answers, RegisteredAt: t0, UpdatedAt: t0}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.SecurityQuestions(ctx, user); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("questions before any: %v, want ErrNotFound", err)
		}
		if err := tx.SetQuestionFailures(ctx, user, 1, t0); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("failures before any questions: %v, want ErrNotFound", err)
		}
		if err := tx.PutSecurityQuestions(ctx, q); err != nil {
			return err
		}
		return tx.SetQuestionFailures(ctx, user, 2, t0.Add(time.Minute))
	}))
	want := q
	want.Failures, want.UpdatedAt = 2, t0.Add(time.Minute)
	must(t, s.View(ctx, func(r store.Reader) error {
		got, err := r.SecurityQuestions(ctx, user)
		if err != nil || !reflect.DeepEqual(got, want) {
			return fmt.Errorf("SecurityQuestions = %+v, %v; want %+v", got, err, want)
		}
		return nil
	}))
	again := store.SecurityQuestions{UserID: user, Answers: answers[:1], RegisteredAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)}
	must(t, s.Update(ctx, func(tx store.Tx) error { return tx.PutSecurityQuestions(ctx, again) }))
	must(t, s.View(ctx, func(r store.Reader) error {
		got, err := r.SecurityQuestions(ctx, user)
		if err != nil || !reflect.DeepEqual(got, again) {
			return fmt.Errorf("after a new registration = %+v, %v; want %+v", got, err, again)
		}
		return nil
	}))

	sess := store.Session{ID: "sq1", TokenHash: []byte{7}, UserID: user, CardGUID: card, CertSerial: "01",
		WorkstationID: "ws-1", State: store.SessionActive, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}
	reg := store.QuestionsRegistration{SessionID: sess.ID, UserID: user, Answers: answers, CodeHash: []byte{4, 2},
		CodeExpiresAt: t0.Add(15 * time.Minute), CreatedAt: t0, UpdatedAt: t0}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if _, err := tx.QuestionsRegistration(ctx, sess.ID); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("registration before any: %v, want ErrNotFound", err)
		}
		if n, err := tx.PutQuestionsRegistration(ctx, reg); err != nil || n != 1 {
			return fmt.Errorf("first registration: %d codes, %v", n, err)
		}
		return tx.SetQuestionsAsked(ctx, user, []string{"q07", "q20"}, t0)
	}))
	newer := reg
	newer.CodeHash, newer.WrongCodes, newer.UpdatedAt = []byte{5}, 1, t0.Add(time.Minute)
	must(t, s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.QuestionsRegistration(ctx, sess.ID)
		reg.CodesSent = 1
		if err != nil || !reflect.DeepEqual(got, reg) {
			return fmt.Errorf("QuestionsRegistration = %+v, %v; want %+v", got, err, reg)
		}
		if q, err := tx.SecurityQuestions(ctx, user); err != nil || !reflect.DeepEqual(q.Asked, []string{"q07", "q20"}) {
			return fmt.Errorf("asked %v, %v", q.Asked, err)
		}
		if n, err := tx.PutQuestionsRegistration(ctx, newer); err != nil || n != 2 {
			return fmt.Errorf("a newer registration: %d codes, %v", n, err)
		}
		return nil
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.QuestionsRegistration(ctx, sess.ID)
		newer.CodesSent = 2
		if err != nil || !reflect.DeepEqual(got, newer) {
			return fmt.Errorf("replaced registration = %+v, %v; want %+v", got, err, newer)
		}
		if err := tx.CloseQuestionsRegistration(ctx, sess.ID, t0.Add(2*time.Minute)); err != nil {
			return err
		}
		closed, err := tx.QuestionsRegistration(ctx, sess.ID)
		if err != nil || len(closed.Answers) != 0 || closed.CodesSent != 2 || closed.WrongCodes < 1000 {
			return fmt.Errorf("closed registration = %+v, %v", closed, err)
		}
		return tx.CloseQuestionsRegistration(ctx, "no-such-session", t0)
	}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if n, err := tx.PruneQuestionsRegistrations(ctx, t0.Add(time.Minute)); err != nil || n != 0 {
			return fmt.Errorf("pruning nothing: %d, %v", n, err)
		}
		if n, err := tx.PruneQuestionsRegistrations(ctx, t0.Add(time.Hour)); err != nil || n != 1 {
			return fmt.Errorf("pruning the old one: %d, %v", n, err)
		}
		if _, err := tx.QuestionsRegistration(ctx, sess.ID); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("registration after the prune: %v, want ErrNotFound", err)
		}
		return nil
	}))

	u := store.Unlock{ID: "unl-q", CardGUID: card, UserID: user, TokenHash: []byte{1}, WorkstationID: "ws-1",
		State: store.UnlockQuestions, CodeHash: []byte{0}, CodeExpiresAt: t0.Add(15 * time.Minute),
		QuestionIDs: []string{"q07", "q20"}, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateUnlock(ctx, u); err != nil {
			return err
		}
		got, err := tx.OpenUnlock(ctx, card)
		if err != nil || !reflect.DeepEqual(got, u) {
			return fmt.Errorf("OpenUnlock in state questions = %+v, %v; want %+v", got, err, u)
		}
		got.State, got.CodeHash, got.CodeExpiresAt, got.UpdatedAt = store.UnlockCodeSent, []byte{3, 3}, t0.Add(20*time.Minute), t0.Add(5*time.Minute)
		if err := tx.UpdateUnlock(ctx, got, store.UnlockQuestions); err != nil {
			return err
		}
		u = got
		return nil
	}))
	must(t, s.View(ctx, func(r store.Reader) error {
		got, err := r.Unlock(ctx, u.ID)
		if err != nil || !reflect.DeepEqual(got, u) {
			return fmt.Errorf("the unlock after its answers = %+v, %v; want %+v", got, err, u)
		}
		return nil
	}))
}
