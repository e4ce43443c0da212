package session_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

func questionsPolicy(b *sessiontest.Backend) { b.Rules.SelfServiceUnlock = "email+questions" }

// fourAnswers are four of the fake's questions and their answers.
func fourAnswers() (ids, answers []string) {
	for _, id := range []string{"q01", "q02", "q03", "q04"} {
		ids, answers = append(ids, id), append(answers, sessiontest.QuestionAnswers[id])
	}
	return ids, answers
}

// TestRegisterQuestions: the popup offers the catalogue; a choice of the
// wrong shape is refused before the card; a wrong passcode uses a try and
// keeps the questions chosen; the right one has the card sign in the
// questions' domain, and the emailed code registers them. No answer or
// passcode is logged.
func TestRegisterQuestions(t *testing.T) {
	r := newRig(t, session.Config{}, questionsPolicy)
	c := newTestCard(t, "Jo", "101010101010", twoYears)
	s := r.loginAs(c, "123456", 0)
	if !s.QuestionsAsked {
		t.Fatal("the active screen does not offer security questions under email+questions")
	}
	r.Agent.OpenQuestions()
	s = r.WaitScreen(session.ScreenQuestions)
	if s.Questions == nil || len(s.Questions.Catalogue) != len(sessiontest.Catalogue) || s.Questions.Registered != nil {
		t.Fatalf("questions screen %+v", s.Questions)
	}
	ids, answers := fourAnswers()
	for _, bad := range []struct {
		ids, answers []string
		want         string
	}{
		{ids[:3], answers[:3], wording.QuestionsFour},
		{[]string{"q01", "q01", "q02", "q03"}, answers, wording.QuestionsFour},
		{[]string{"q01", "q02", "q03", "q99"}, answers, wording.QuestionsFour},
		{ids, []string{"ab", answers[1], answers[2], answers[3]}, wording.AnswerShape},
	} {
		r.Agent.SubmitQuestions(s.Question, bad.ids, bad.answers, []byte("123456"))
		if s = r.answer(s.Question); s.Screen != session.ScreenQuestions || s.Message != bad.want {
			t.Fatalf("%v %v: %v %q, want %q", bad.ids, bad.answers, s.Screen, s.Message, bad.want)
		}
	}
	r.Agent.SubmitQuestions(s.Question, ids, answers, []byte("12"))
	if s = r.answer(s.Question); s.Message == "" || r.Backend.Called("questions-register") != 0 {
		t.Fatalf("a short passcode: %q", s.Message)
	}
	// Two answers alike: identityd says so (it normalises), after the card signed.
	r.Agent.SubmitQuestions(s.Question, ids, []string{"Biscuit", "BISCUIT!", answers[2], answers[3]}, []byte("123456"))
	s = r.WaitFor("answers alike", func(n session.State) bool {
		return n.Screen == session.ScreenQuestions && n.Question != s.Question
	})
	if s.Message != wording.QuestionsDifferent || s.TriesLeft != 3 {
		t.Fatalf("answers alike: %q, %d tries", s.Message, s.TriesLeft)
	}
	r.Agent.SubmitQuestions(s.Question, ids, answers, []byte("654321"))
	s = r.WaitFor("the wrong passcode", func(s session.State) bool {
		return s.Screen == session.ScreenQuestions && s.Message == wording.WrongPasscode(2)
	})
	if s.TriesLeft != 2 || !slices.Equal(s.Questions.Chosen, ids) {
		t.Fatalf("after a wrong passcode: %d tries, chosen %v", s.TriesLeft, s.Questions.Chosen)
	}
	r.Agent.SubmitQuestions(s.Question, ids, answers, []byte("123456"))
	s = r.WaitScreen(session.ScreenQuestionsCode)
	if s.Unlock.SentTo != "a•••@nhs.net" || s.Unlock.AttemptsLeft != 3 {
		t.Fatalf("code screen %+v", s.Unlock)
	}
	if got := r.Backend.PendingAnswers(); len(got) != 4 || got[0].Answer != "Biscuit" {
		t.Fatalf("identityd got %+v", got)
	}
	r.Agent.SubmitQuestionsCode(s.Question, []byte("11112222"))
	if s = r.WaitFor("the code's check", func(st session.State) bool {
		return st.Question != s.Question && st.Screen != session.ScreenSavingQuestions
	}); s.Screen != session.ScreenQuestionsCode || s.Message != wording.UnlockCodeWrong(2) {
		t.Fatalf("a wrong code: %v %q", s.Screen, s.Message)
	}
	r.Agent.SubmitQuestionsCode(s.Question, []byte(sessiontest.UnlockCode))
	r.WaitScreen(session.ScreenQuestionsSaved)
	r.Agent.CloseQuestions()
	r.WaitScreen(session.ScreenActive)
	r.Agent.OpenQuestions()
	if s = r.WaitScreen(session.ScreenQuestions); !slices.Equal(s.Questions.Registered, ids) || s.Questions.RegisteredAt.IsZero() {
		t.Fatalf("registered %+v", s.Questions)
	}
	r.sync()
	for _, secret := range append(answers, "654321", "123456", sessiontest.UnlockCode) {
		if testkit.HoldsSecret(r.logs.String(), secret) {
			t.Errorf("%q is in the agent's log", secret)
		}
	}
}

// TestUnlockWithQuestions: under email+questions the unlock asks two
// questions first; an answer of the wrong shape costs nothing; wrong
// answers count down; the right ones (however typed) lead to the code and
// the unlock; three wrong attempts leave only a face-to-face unlock.
func TestUnlockWithQuestions(t *testing.T) {
	r := newRig(t, session.Config{}, questionsPolicy, func(b *sessiontest.Backend) { b.Registered = []string{"q02", "q04", "q01", "q03"} })
	c := newTestCard(t, "Jo", "101010101010", twoYears)
	r.blockCard(c)
	r.Agent.StartUnlock()
	s := r.WaitScreen(session.ScreenUnlockQuestions)
	if len(s.Unlock.Questions) != 2 || s.Unlock.Questions[0].ID != "q02" || s.Unlock.AnswerAttemptsLeft != 3 || s.Unlock.SentTo != "" {
		t.Fatalf("questions screen %+v", s.Unlock)
	}
	r.Agent.SubmitUnlockAnswers(s.Question, []string{"Sam Jones", "x"})
	if s = r.answer(s.Question); s.Message != wording.AnswerShape || r.Backend.Called("unlock-answers") != 0 {
		t.Fatalf("a short answer: %q", s.Message)
	}
	r.Agent.SubmitUnlockAnswers(s.Question, []string{"Sam Jones", "Peugeot"})
	if s = r.answer(s.Question); s.Screen != session.ScreenUnlockQuestions || s.Message != wording.UnlockAnswersWrong(2) ||
		s.Unlock.AnswerAttemptsLeft != 2 {
		t.Fatalf("wrong answers: %v %q %d", s.Screen, s.Message, s.Unlock.AnswerAttemptsLeft)
	}
	r.Agent.SubmitUnlockAnswers(s.Question, []string{"sam  jones.", "RALEIGH"})
	if s = r.answer(s.Question); s.Screen != session.ScreenUnlockCode || s.Unlock.SentTo != "a•••@nhs.net" {
		t.Fatalf("right answers: %v %+v %q", s.Screen, s.Unlock, s.Problem)
	}
	r.Agent.SubmitUnlockCode(s.Question, []byte(sessiontest.UnlockCode))
	s = r.answer(s.Question)
	r.Agent.SubmitUnlockPasscode(s.Question, []byte("246813"), []byte("246813"))
	if s = r.answer(s.Question); s.Screen != session.ScreenUnlocked {
		t.Fatalf("unlock: %v %q", s.Screen, s.Problem)
	}
	r.Agent.CloseUnlock()
	r.WaitScreen(session.ScreenPasscode)

	// Three wrong attempts: only face to face, then and at the next request.
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenInsertCard)
	r.blockCard(c)
	r.Agent.StartUnlock()
	s = r.WaitScreen(session.ScreenUnlockQuestions)
	for range 3 {
		r.Agent.SubmitUnlockAnswers(s.Question, []string{"wrong one", "wrong two"})
		s = r.answer(s.Question)
	}
	if s.Screen != session.ScreenUnlockFailed || s.Problem != wording.UnlockFaceToFace.Problem || s.Retryable {
		t.Fatalf("after three wrong attempts: %v %q retryable %v", s.Screen, s.Problem, s.Retryable)
	}
	r.Agent.CloseUnlock()
	r.WaitScreen(session.ScreenBlocked)
	r.Agent.StartUnlock()
	if s = r.WaitScreen(session.ScreenUnlockFailed); s.Problem != wording.UnlockFaceToFace.Problem {
		t.Fatalf("a new request: %q", s.Problem)
	}
	for _, secret := range []string{"Sam Jones", "sam  jones.", "Peugeot", "RALEIGH", "246813"} {
		if testkit.HoldsSecret(r.logs.String(), secret) {
			t.Errorf("%q is in the agent's log", secret)
		}
	}
}

// TestUnlockWithoutQuestions: nothing registered, a clear answer: face to face.
func TestUnlockWithoutQuestions(t *testing.T) {
	r := newRig(t, session.Config{}, questionsPolicy)
	r.blockCard(newTestCard(t, "Jo", "101010101010", twoYears))
	r.Agent.StartUnlock()
	s := r.WaitScreen(session.ScreenUnlockFailed)
	if s.Problem != wording.UnlockNoQuestions.Problem || s.Retryable || !strings.Contains(s.Fix, "face to face") && !strings.Contains(s.Fix, "LSA") {
		t.Fatalf("no questions: %q / %q", s.Problem, s.Fix)
	}
}
