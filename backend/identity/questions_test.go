package identity_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/policy"
	"github.com/cardagent/cardagent/client"
)

// adaAnswers are the four answers Ada registers (as typed).
var adaAnswers = []api.SecurityAnswer{
	{QuestionID: "q01", Answer: "Biscuit"},
	{QuestionID: "q07", Answer: "St. Albans"},
	{QuestionID: "q13", Answer: "Hillside Primary"},
	{QuestionID: "q20", Answer: "Lisbon"},
}

// answerOf is how Ada answers question id at an unlock: the registered
// answer typed differently (case, spaces, punctuation), or a wrong one.
func answerOf(id string, right bool) api.SecurityAnswer {
	for _, a := range adaAnswers {
		if a.QuestionID == id {
			if !right {
				return api.SecurityAnswer{QuestionID: id, Answer: "not " + a.Answer}
			}
			return api.SecurityAnswer{QuestionID: id, Answer: "  " + strings.ToUpper(strings.ReplaceAll(a.Answer, " ", "")) + "!"}
		}
	}
	return api.SecurityAnswer{QuestionID: id, Answer: "unknown"}
}

func questionsPolicy(c *config.Config) {
	c.Policy.SelfServiceUnlock = policy.UnlockEmailQuestions
	c.Policy.UnlockPerCardPerHour, c.Policy.UnlockPerUserPerDay, c.Policy.UnlockPerAddressPerHour = 100, 100, 100
}

// registerQuestions registers answers for Ada in a new session on cl and
// confirms them with the emailed code.
func registerQuestions(t testing.TB, w *world, cl *client.Client, box *mailbox, answers []api.SecurityAnswer) client.Ticket {
	t.Helper()
	ctx := context.Background()
	tk := registerFresh(t, w, cl)
	reg, err := cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), answers)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	mail := box.last(t)
	if reg.SentTo != "a•••@nhs.net" || reg.CodeAttemptsLeft != 3 || mail.To != "ada.demo@nhs.net" {
		t.Fatalf("registration %+v, mail to %s", reg, mail.To)
	}
	q, err := cl.ConfirmQuestions(ctx, tk, mail.Code)
	if err != nil || len(q.Registered) != 4 || q.RegisteredAt == nil || !q.Asked {
		t.Fatalf("confirm: %+v, %v", q, err)
	}
	return tk
}

func questionsProof(t testing.TB, w *world, cl *client.Client) api.CardProof {
	t.Helper()
	ch, err := cl.Challenge(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := testenv.ProveWith(w.ada, ch, cl.WorkstationID(), api.QuestionsDigest)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestQuestionsRegistration on both stores: registering needs the
// session's card signing in the questions' own domain and the emailed
// code; each refusal is clear and audited; no answer reaches the audit
// trail or comes back.
func TestQuestionsRegistration(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		box := &mailbox{}
		w := startUnlock(t, db, box, questionsPolicy)
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")
		tk := registerFresh(t, w, cl)
		q, err := cl.SecurityQuestions(ctx, tk)
		if err != nil || len(q.Catalogue) != 20 || len(q.Registered) != 0 || q.RegisteredAt != nil || !q.Asked {
			t.Fatalf("before registering: %+v, %v", q, err)
		}

		// A login signature does not register questions.
		ch, _ := cl.Challenge(ctx)
		login, _ := testenv.Prove(w.ada, ch, cl.WorkstationID())
		_, err = cl.RegisterQuestions(ctx, tk, login, adaAnswers)
		wantCode(t, err, http.StatusUnauthorized, api.CodeSignatureInvalid)
		// Nor does another card's.
		ch, _ = cl.Challenge(ctx)
		sams, _ := testenv.ProveWith(w.sam, ch, cl.WorkstationID(), api.QuestionsDigest)
		_, err = cl.RegisterQuestions(ctx, tk, sams, adaAnswers)
		wantCode(t, err, http.StatusForbidden, api.CodeCardNotSessionCard)
		// A question not in the catalogue, the same answer twice, too short.
		bad := append([]api.SecurityAnswer{{QuestionID: "q99", Answer: "whatever"}}, adaAnswers[1:]...)
		_, err = cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), bad)
		wantCode(t, err, http.StatusBadRequest, api.CodeQuestionUnknown)
		same := append([]api.SecurityAnswer{{QuestionID: "q02", Answer: "st albans!"}}, adaAnswers[1:]...)
		_, err = cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), same)
		wantCode(t, err, http.StatusBadRequest, api.CodeAnswersRepeated)
		short := append([]api.SecurityAnswer{{QuestionID: "q02", Answer: "a.b"}}, adaAnswers[1:]...)
		_, err = cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), short)
		wantCode(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
		if len(box.got) != 0 {
			t.Fatalf("a refused registration sent %d codes", len(box.got))
		}

		// Nothing to confirm yet; then wrong codes count down and close it.
		_, err = cl.ConfirmQuestions(ctx, tk, "12345678")
		wantCode(t, err, http.StatusConflict, api.CodeQuestionsClosed)
		if _, err := cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), adaAnswers); err != nil {
			t.Fatal(err)
		}
		code := box.last(t).Code
		if left := box.last(t).ValidUntil.Sub(w.clock.Now()); box.last(t).Purpose != identity.CodeForQuestions || left > 15*time.Minute || left < 14*time.Minute {
			t.Fatalf("confirmation mail %+v", box.last(t))
		}
		wrong := wrongCode(code)
		for left := 2; left >= 1; left-- {
			_, err := cl.ConfirmQuestions(ctx, tk, wrong)
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Code != api.CodeQuestionsCodeWrong || ae.AttemptsLeft != left {
				t.Fatalf("wrong code: %v, want %d left", err, left)
			}
		}
		_, err = cl.ConfirmQuestions(ctx, tk, wrong)
		wantCode(t, err, http.StatusConflict, api.CodeQuestionsClosed)
		_, err = cl.ConfirmQuestions(ctx, tk, code)
		wantCode(t, err, http.StatusConflict, api.CodeQuestionsClosed)

		// Expired after 15 minutes.
		if _, err := cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), adaAnswers); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(15 * time.Minute)
		_, err = cl.ConfirmQuestions(ctx, tk, box.last(t).Code)
		wantCode(t, err, http.StatusForbidden, api.CodeQuestionsCodeExpired)
		if q, _ := cl.SecurityQuestions(ctx, tk); len(q.Registered) != 0 {
			t.Fatalf("unconfirmed questions registered: %+v", q)
		}

		// Three codes a session, then a new session is needed.
		if _, err := cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), adaAnswers); err != nil {
			t.Fatal(err)
		}
		_, err = cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), adaAnswers)
		wantCode(t, err, http.StatusTooManyRequests, api.CodeQuestionsRateLimited)

		// A code that cannot be sent: a clear refusal, nothing waits.
		box.fail = errors.New("smtp down")
		tk = registerFresh(t, w, cl)
		_, err = cl.RegisterQuestions(ctx, tk, questionsProof(t, w, cl), adaAnswers)
		wantCode(t, err, http.StatusServiceUnavailable, api.CodeQuestionsSendFailed)
		box.fail = nil
		_, err = cl.ConfirmQuestions(ctx, tk, "12345678")
		wantCode(t, err, http.StatusConflict, api.CodeQuestionsClosed)

		registerQuestions(t, w, cl, box, adaAnswers)
		for _, r := range auditRecords(t, w.env.Store) {
			for _, a := range adaAnswers {
				if strings.Contains(strings.ToLower(r.Detail), strings.ToLower(a.Answer)) {
					t.Fatalf("an answer is in the audit trail: %+v", r)
				}
			}
		}
		verifyAudit(t, w)
	})
}

// registerFresh logs Ada in, accepts the terms and chooses her first role
// (a session without one ends after a few idle minutes).
func registerFresh(t testing.TB, w *world, cl *client.Client) client.Ticket {
	t.Helper()
	ctx := context.Background()
	sess, err := testenv.Login(ctx, cl, w.ada)
	if err != nil {
		t.Fatal(err)
	}
	tk := testenv.Ticket(sess)
	if sess.Terms != nil {
		if _, err = cl.AcceptTerms(ctx, tk, sess.Terms.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err = cl.SelectRole(ctx, tk, sess.Roles[0].ID); err != nil {
		t.Fatal(err)
	}
	return tk
}

func wrongCode(code string) string {
	if code == "00000000" {
		return "11111111"
	}
	return "00000000"
}

// TestUnlockQuestions on both stores: under email+questions an unlock asks
// two of the four registered questions before any code; answers match
// however they are typed; wrong ones count across unlocks and the third
// leaves only a face-to-face unlock, until the questions are registered
// again.
func TestUnlockQuestions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		box := &mailbox{}
		w := startUnlock(t, db, box, questionsPolicy)
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")

		_, err := cl.RequestUnlock(ctx, w.ada.GUID)
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockNoQuestions)
		registerQuestions(t, w, cl, box, adaAnswers)
		sent := len(box.got)

		ask := func() (client.Ticket, api.Unlock) {
			t.Helper()
			u, err := cl.RequestUnlock(ctx, w.ada.GUID)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			if u.State != api.UnlockStateQuestions || len(u.Questions) != 2 || u.Questions[0].ID == u.Questions[1].ID || u.SentTo != "" {
				t.Fatalf("request: %+v", u)
			}
			return client.UnlockTicket(u), u
		}
		answer := func(u api.Unlock, right bool) []api.SecurityAnswer {
			return []api.SecurityAnswer{answerOf(u.Questions[0].ID, right), answerOf(u.Questions[1].ID, true)}
		}

		// Right answers, however typed: the code is emailed; the unlock goes on.
		tk, u := ask()
		if u.AnswerAttemptsLeft != 3 || len(box.got) != sent {
			t.Fatalf("asked %+v with %d mails sent", u, len(box.got)-sent)
		}
		_, err = cl.UnlockCode(ctx, tk, "12345678")
		wantCode(t, err, http.StatusConflict, api.CodeUnlockOutOfOrder)
		_, err = cl.UnlockAnswers(ctx, tk, []api.SecurityAnswer{answerOf("q02", true), answerOf(u.Questions[1].ID, true)})
		wantCode(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
		got, err := cl.UnlockAnswers(ctx, tk, answer(u, true))
		if err != nil || got.State != api.UnlockStateCodeSent || got.SentTo != "a•••@nhs.net" || len(box.got) != sent+1 {
			t.Fatalf("right answers: %+v, %v", got, err)
		}
		if got, err := cl.UnlockCode(ctx, tk, box.lastCode()); err != nil || got.State != api.UnlockStateCodeAccepted {
			t.Fatalf("code after answers: %+v, %v", got, err)
		}

		// Wrong answers count down, across unlocks; the third is the last.
		// A new request asks the same two again (no fishing for a known pair).
		tk, u = ask()
		_, err = cl.UnlockAnswers(ctx, tk, answer(u, false))
		wantAnswersWrong(t, err, 2)
		first := u.Questions
		tk, u = ask()
		if u.AnswerAttemptsLeft != 2 || !slices.Equal(u.Questions, first) {
			t.Fatalf("a new unlock forgot a wrong answer or asked another pair: %+v, before %+v", u, first)
		}
		_, err = cl.UnlockAnswers(ctx, tk, answer(u, false))
		wantAnswersWrong(t, err, 1)
		_, err = cl.UnlockAnswers(ctx, tk, answer(u, false))
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockFaceToFace)
		if rec := lastAudit(t, w.env.Store); rec.Outcome != string(api.CodeUnlockFaceToFace) {
			t.Fatalf("audit %+v", rec)
		}
		_, err = cl.UnlockAnswers(ctx, tk, answer(u, true))
		wantCode(t, err, http.StatusConflict, api.CodeUnlockClosed)
		_, err = cl.RequestUnlock(ctx, w.ada.GUID)
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockFaceToFace)
		if len(box.got) != sent+1 {
			t.Fatal("a code was sent after wrong answers")
		}

		// An administrator who has seen the holder gives the attempts back
		// (the questions stay); so does registering again.
		if err := w.env.Svc.ResetQuestionAttempts(ctx, "test-lsa", "555000000001", "seen with ID badge"); err != nil {
			t.Fatal(err)
		}
		if rec := lastAudit(t, w.env.Store); rec.Action != identity.ActionQuestionsReset || rec.UserID != "555000000001" {
			t.Fatalf("audit %+v", rec)
		}
		if _, u = ask(); u.AnswerAttemptsLeft != 3 {
			t.Fatalf("after the reset: %+v", u)
		}
		if err := w.env.Svc.ResetQuestionAttempts(ctx, "test-lsa", "555000000002", "x"); err == nil {
			t.Fatal("a reset for a user without questions did not fail")
		}
		tk, u = ask()
		_, err = cl.UnlockAnswers(ctx, tk, answer(u, false))
		wantAnswersWrong(t, err, 2)
		registerQuestions(t, w, cl, box, adaAnswers)
		tk, u = ask()
		if u.AnswerAttemptsLeft != 3 {
			t.Fatalf("after registering again: %+v", u)
		}

		// The time to answer is the code's lifetime.
		w.clock.Advance(15 * time.Minute)
		_, err = cl.UnlockAnswers(ctx, tk, answer(u, true))
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockCodeExpired)

		for _, r := range auditRecords(t, w.env.Store) {
			for _, a := range adaAnswers {
				if strings.Contains(strings.ToLower(r.Detail), strings.ToLower(a.Answer)) {
					t.Fatalf("an answer is in the audit trail: %+v", r)
				}
			}
		}
		verifyAudit(t, w)
	})
}

// TestUnlockAnswersInParallel: attempts sent at once are each counted
// before their answers are compared, so no more than the limit are ever
// compared, however many arrive together.
func TestUnlockAnswersInParallel(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		box := &mailbox{}
		w := startUnlock(t, db, box, questionsPolicy)
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")
		registerQuestions(t, w, cl, box, adaAnswers)
		u, err := cl.RequestUnlock(ctx, w.ada.GUID)
		if err != nil {
			t.Fatal(err)
		}
		tk := client.UnlockTicket(u)
		wrong := []api.SecurityAnswer{answerOf(u.Questions[0].ID, false), answerOf(u.Questions[1].ID, false)}
		var mu sync.Mutex
		codes := map[api.ErrorCode]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				_, err := cl.UnlockAnswers(ctx, tk, wrong)
				_, code := status(err)
				mu.Lock()
				codes[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		// Exactly three were counted (and so compared); at most two said
		// "wrong", and one closed the unlock; the rest were refused.
		counted := 0
		for _, r := range auditRecords(t, w.env.Store) {
			if r.Action == "unlock.answers" && strings.Contains(r.Detail, "answer attempt") {
				counted++
			}
		}
		if counted != 3 || codes[api.CodeUnlockAnswersWrong] > 2 || codes[api.CodeUnlockFaceToFace] < 1 {
			t.Fatalf("parallel wrong answers: %d counted, answers %v", counted, codes)
		}
		_, err = cl.RequestUnlock(ctx, w.ada.GUID)
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockFaceToFace)
	})
}

func wantAnswersWrong(t *testing.T, err error, left int) {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Code != api.CodeUnlockAnswersWrong || ae.Unlock == nil || ae.Unlock.AnswerAttemptsLeft != left ||
		len(ae.Unlock.Questions) != 2 {
		t.Fatalf("wrong answers: %v (%+v), want %d left", err, ae, left)
	}
}
