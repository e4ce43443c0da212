package session

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/wording"
)

// Registering security questions from the active session (docs/unlock.md),
// when the policy asks them before an unlock code. The popup shows
// identityd's catalogue; the holder chooses four, answers each and types
// the passcode. The card verifies the passcode and signs a fresh challenge
// in the questions' own domain (so identityd knows the holder just proved
// it); identityd hashes the answers and emails a code, which the holder
// types to confirm. Answers go to identityd alone, over the pinned TLS
// connection, and are never logged or kept here; the passcode goes only to
// the card.

// questionsRun is a registration under way.
type questionsRun struct {
	prompt QuestionsPrompt
	chosen []string // the questions chosen last, to offer again after a wrong passcode
}

// OpenQuestions opens the security questions popup (the active screen's
// button): it reads the catalogue and what is registered.
func (a *Agent) OpenQuestions() {
	a.do(func() {
		if a.sess != nil && a.ticket != nil && a.st.Screen == ScreenActive {
			a.loadQuestions()
		}
	})
}

// SubmitQuestions registers the four questions chosen on ScreenQuestions
// with their answers; the passcode confirms it is the holder. Mistakes of
// shape are refused here and cost no card try. The agent owns passcode and
// wipes it.
func (a *Agent) SubmitQuestions(question uint64, ids, answers []string, passcode []byte) {
	a.post(intent{cancel: func() { clear(passcode) }, run: func() {
		if !a.asking(ScreenQuestions, question) || a.registering == nil || a.ticket == nil || a.conn == nil || a.id == nil {
			clear(passcode)
			return
		}
		a.registering.chosen = slices.Clone(ids)
		msg := questionsProblem(ids, answers, a.registering.prompt.Catalogue)
		if msg == "" {
			msg = ruleProblem(passcode, a.st.Rule)
		}
		if msg != "" {
			clear(passcode)
			a.showQuestions(msg)
			return
		}
		picked := make([]api.SecurityAnswer, len(ids))
		for i := range ids {
			picked[i] = api.SecurityAnswer{QuestionID: ids[i], Answer: answers[i]}
		}
		a.registerQuestions(picked, passcode)
	}})
}

// SubmitQuestionsCode confirms the registration with the emailed code.
func (a *Agent) SubmitQuestionsCode(question uint64, code []byte) {
	a.post(intent{cancel: func() { clear(code) }, run: func() {
		defer clear(code)
		if !a.asking(ScreenQuestionsCode, question) || a.registering == nil || a.ticket == nil {
			return
		}
		if len(code) != api.UnlockCodeLen || !allDigits(code) {
			a.show(ScreenQuestionsCode, func(s *State) { s.Unlock, s.Message = a.st.Unlock, wording.UnlockCodeShape })
			return
		}
		a.confirmQuestions(string(code))
	}})
}

// CloseQuestions closes the popup (Cancel, Close); while the card or
// identityd works it cannot be closed.
func (a *Agent) CloseQuestions() {
	a.do(func() {
		if !a.st.Screen.Questions() || a.st.Screen == ScreenSavingQuestions {
			return
		}
		a.registering, a.retry = nil, nil
		a.newGen()
		a.show(ScreenActive, nil)
	})
}

func (a *Agent) loadQuestions() {
	ctx := a.newGen()
	ticket := *a.ticket
	a.show(ScreenSavingQuestions, func(s *State) { s.Working = wording.QuestionsLoading })
	step(a, ctx, func(ctx context.Context) (api.SecurityQuestions, error) {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.SecurityQuestions(ctx, ticket)
	}, func(q api.SecurityQuestions, err error) {
		if err != nil {
			a.questionsFailed(err, a.loadQuestions)
			return
		}
		p := QuestionsPrompt{Registered: slices.Clone(q.Registered)}
		for _, c := range q.Catalogue {
			p.Catalogue = append(p.Catalogue, SecurityQuestion{ID: c.ID, Text: c.Text})
		}
		if q.RegisteredAt != nil {
			p.RegisteredAt = *q.RegisteredAt
		}
		a.registering = &questionsRun{prompt: p}
		a.showQuestions("")
	})
}

func (a *Agent) showQuestions(msg string) {
	run := a.registering
	a.show(ScreenQuestions, func(s *State) {
		p := run.prompt
		p.Chosen = slices.Clone(run.chosen)
		s.Questions, s.Message, s.TriesLeft = &p, msg, a.cardTriesLeft()
	})
}

// registerQuestions: the card verifies the passcode and signs a fresh
// challenge (one transaction that leaves nothing verified), then identityd
// takes the answers and emails the code.
func (a *Agent) registerQuestions(answers []api.SecurityAnswer, passcode []byte) {
	ctx := a.newGen()
	gen := a.gen
	conn, id, ticket := a.conn, *a.id, *a.ticket
	a.show(ScreenSavingQuestions, func(s *State) { s.Working = wording.QuestionsSigning })
	sending := func() {
		a.do(func() {
			if a.gen == gen && a.st.Screen == ScreenSavingQuestions {
				a.show(ScreenSavingQuestions, func(s *State) { s.Working = wording.QuestionsSending })
			}
		})
	}
	step(a, ctx, func(ctx context.Context) (api.QuestionsRegistration, error) {
		proof, err := a.proveCard(ctx, conn, id, passcode, api.QuestionsDigest)
		if err != nil {
			return api.QuestionsRegistration{}, err
		}
		sending()
		// The send is not cut short by a removal: the code may be on its way.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.BackendTimeout+questionsSendBudget)
		defer cancel()
		return a.backend.RegisterQuestions(bctx, ticket, proof, answers)
	}, func(r api.QuestionsRegistration, err error) {
		if err != nil {
			a.registerFailed(err)
			return
		}
		a.log.Info("security questions sent for confirmation", "to", r.SentTo)
		a.show(ScreenQuestionsCode, func(s *State) {
			s.Unlock = UnlockPrompt{SentTo: r.SentTo, ValidUntil: r.CodeExpiresAt, AttemptsLeft: r.CodeAttemptsLeft}
			if a.cfg.Demo {
				s.Hint = a.cfg.DemoMailHint
			}
		})
	})
}

// questionsSendBudget is what a registration may take beyond a call:
// identityd sends the email before it answers.
const questionsSendBudget = 30 * time.Second

func (a *Agent) confirmQuestions(code string) {
	ctx := a.newGen()
	ticket, prompt := *a.ticket, a.st.Unlock
	a.show(ScreenSavingQuestions, func(s *State) { s.Working = wording.QuestionsConfirming })
	step(a, ctx, func(ctx context.Context) (api.SecurityQuestions, error) {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.ConfirmQuestions(ctx, ticket, code)
	}, func(_ api.SecurityQuestions, err error) {
		var ae *client.APIError
		switch {
		case err == nil:
			a.registering, a.retry = nil, nil
			a.log.Info("security questions registered")
			a.show(ScreenQuestionsSaved, nil)
		case errors.As(err, &ae) && ae.Code == api.CodeQuestionsCodeWrong:
			prompt.AttemptsLeft = ae.AttemptsLeft
			a.show(ScreenQuestionsCode, func(s *State) { s.Unlock, s.Message = prompt, wording.UnlockCodeWrong(ae.AttemptsLeft) })
		default:
			a.registerFailed(err)
		}
	})
}

// registerFailed says why the questions were not registered: a wrong
// passcode asks again; otherwise the popup explains, with Retry (choose
// again) where that may help.
func (a *Agent) registerFailed(err error) {
	var auth piv.AuthError
	var cardErr *cardStepError
	switch {
	case errors.As(err, &auth) && !auth.Blocked:
		a.id.triesLeft = auth.Retries
		a.showQuestions(wording.WrongPasscode(auth.Retries))
		return
	case errors.As(err, &auth):
		a.id.triesLeft, a.id.blocked = 0, true
		a.registering = nil
		a.show(ScreenQuestionsFailed, func(s *State) { s.TriesLeft = 0; trouble(s, wording.Blocked) })
		return
	case errors.Is(err, reader.ErrRemoved), errors.Is(err, reader.ErrNoCard), errors.Is(err, context.Canceled):
		return // the removal event locks the session
	case client.IsCode(err, api.CodeAnswersRepeated):
		a.showQuestions(wording.QuestionsDifferent)
		return
	case errors.As(err, &cardErr):
		t, retryable := CardTrouble(cardErr.err)
		if t == wording.Unreadable {
			t, retryable = wording.QuestionsNotSaved, true
		}
		a.questionsTrouble(t, retryable)
		return
	}
	a.questionsFailed(err, func() { a.showQuestions("") })
}

// questionsFailed shows identityd's refusal; again is what Retry does.
func (a *Agent) questionsFailed(err error, again func()) {
	a.log.Warn("security questions not registered", "err", err)
	t, retryable := questionsRefusal(err)
	if a.registering == nil {
		again = a.loadQuestions
	}
	a.retry = nil
	if retryable {
		a.retry = again
	}
	a.show(ScreenQuestionsFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

func (a *Agent) questionsTrouble(t wording.Trouble, retryable bool) {
	a.retry = nil
	if retryable && a.registering != nil {
		a.retry = func() { a.showQuestions("") }
	}
	a.show(ScreenQuestionsFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

// questionsRefusal words identityd's refusal of a registration.
func questionsRefusal(err error) (wording.Trouble, bool) {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case api.CodeQuestionsCodeExpired:
			return wording.QuestionsCodeExpired, true
		case api.CodeQuestionsClosed:
			return wording.QuestionsClosed, true
		case api.CodeQuestionsRateLimited:
			return wording.QuestionsRateLimited, false
		case api.CodeQuestionsSendFailed:
			return wording.QuestionsSendFailed, true
		case api.CodeQuestionsNotAvailable:
			return wording.QuestionsNotAvailable, false
		}
	}
	return refusal(err)
}

// questionsProblem says what is wrong with the choice as typed ("" if
// nothing): four different questions of the catalogue, each answered.
// Whether two answers are the same is identityd's to judge (it alone
// normalises them: answers_repeated).
func questionsProblem(ids, answers []string, catalogue []SecurityQuestion) string {
	if len(ids) != api.QuestionsRegistered || len(answers) != len(ids) {
		return wording.QuestionsFour
	}
	seen := map[string]bool{}
	for _, id := range ids {
		known := slices.ContainsFunc(catalogue, func(q SecurityQuestion) bool { return q.ID == id })
		if !known || seen[id] {
			return wording.QuestionsFour
		}
		seen[id] = true
	}
	for _, ans := range answers {
		if api.AnswerProblem(ans) != "" {
			return wording.AnswerShape
		}
	}
	return ""
}

// Sizes the screens need (ui does not import api).
const (
	QuestionsToRegister = api.QuestionsRegistered // questions a holder registers
	CodeDigits          = api.UnlockCodeLen       // digits of an emailed code
	MaxAnswerLen        = api.MaxAnswerLen        // characters of an answer as typed
)
