package session

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/session/unlock"
	"github.com/cardagent/cardagent/wording"
)

// Self-service unlock of a blocked card (docs/unlock.md), offered on the
// blocked screen and, as "Forgotten your passcode?", on the passcode
// prompt. identityd emails a code; the holder types it and then a new
// passcode twice; the card proves itself to identityd, which releases the
// PUK for one RESET RETRY COUNTER, and the agent sets the new PUK identityd
// hands out at once (package session/unlock). No session is involved: the
// card is blocked. The code is checked by identityd, the passcode only by
// the card; neither is kept.

// unlockRun is the unlock under way.
type unlockRun struct {
	ticket client.Ticket
	prompt UnlockPrompt
}

// unlockCompleteFor is how long the agent keeps telling identityd that an
// unlocked card holds its new PUK while identityd cannot be reached.
const unlockCompleteFor = 10 * time.Minute

// StartUnlock asks identityd to email an unlock code (Unlock my card,
// Forgotten your passcode?, and Send a new code).
func (a *Agent) StartUnlock() {
	a.do(func() {
		switch {
		case a.id == nil || a.conn == nil || a.sess != nil:
		case a.st.Screen == ScreenBlocked, a.st.Screen == ScreenPasscode, a.st.Screen == ScreenUnlockFailed,
			a.st.Screen == ScreenUnlockCode, a.st.Screen == ScreenUnlockQuestions:
			a.requestUnlock()
		}
	})
}

// SubmitUnlockCode sends the code typed on ScreenUnlockCode. A code of the
// wrong shape is refused here and costs no attempt.
func (a *Agent) SubmitUnlockCode(question uint64, code []byte) {
	a.post(intent{cancel: func() { clear(code) }, run: func() {
		defer clear(code)
		if !a.asking(ScreenUnlockCode, question) || a.unlock == nil {
			return
		}
		if len(code) != api.UnlockCodeLen || !allDigits(code) {
			a.showUnlockCode(wording.UnlockCodeShape)
			return
		}
		a.checkUnlockCode(string(code))
	}})
}

// SubmitUnlockAnswers sends the answers typed on ScreenUnlockQuestions,
// in the order of the questions asked. An answer of the wrong shape is
// refused here and costs no attempt.
func (a *Agent) SubmitUnlockAnswers(question uint64, answers []string) {
	a.do(func() {
		if !a.asking(ScreenUnlockQuestions, question) || a.unlock == nil {
			return
		}
		asked := a.unlock.prompt.Questions
		if len(answers) != len(asked) || slices.ContainsFunc(answers, func(s string) bool { return api.AnswerProblem(s) != "" }) {
			a.showUnlockQuestions(wording.AnswerShape)
			return
		}
		given := make([]api.SecurityAnswer, len(asked))
		for i, q := range asked {
			given[i] = api.SecurityAnswer{QuestionID: q.ID, Answer: answers[i]}
		}
		a.checkUnlockAnswers(given)
	})
}

// SubmitUnlockPasscode unlocks the card with the new passcode typed twice
// on ScreenUnlockPasscode. The agent owns both buffers and wipes them; the
// passcode goes to the card and nowhere else.
func (a *Agent) SubmitUnlockPasscode(question uint64, next, again []byte) {
	wipe := func() { clear(next); clear(again) }
	a.post(intent{cancel: wipe, run: func() {
		defer clear(again)
		if !a.asking(ScreenUnlockPasscode, question) || a.unlock == nil || a.conn == nil || a.id == nil {
			clear(next)
			return
		}
		if msg := chosenPasscodeProblem(next, again, nil, a.st.Rule); msg != "" {
			clear(next)
			a.show(ScreenUnlockPasscode, func(s *State) { s.Message = msg })
			return
		}
		a.unlockCard(next)
	}})
}

// CloseUnlock leaves the unlock (Cancel, Continue, Close): the card is read
// again, so a card unlocked now asks for its new passcode and a blocked one
// says so. While the card works it cannot be left.
func (a *Agent) CloseUnlock() {
	a.do(func() {
		if !a.st.Screen.Unlocking() || a.st.Screen == ScreenUnlocking {
			return
		}
		a.unlock, a.retry = nil, nil
		a.restartCard(notice{})
	})
}

func (a *Agent) requestUnlock() {
	ctx := a.newGen()
	guid := a.id.guid
	a.unlock, a.retry = nil, nil
	a.show(ScreenUnlocking, func(s *State) { s.Working = wording.UnlockSendingCode })
	step(a, ctx, func(ctx context.Context) (api.Unlock, error) {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.RequestUnlock(ctx, guid[:])
	}, func(u api.Unlock, err error) {
		if err != nil {
			a.unlockFailed(err)
			return
		}
		a.unlock = &unlockRun{ticket: client.UnlockTicket(u), prompt: unlockPrompt(u)}
		if u.State == api.UnlockStateQuestions {
			ids := make([]string, len(u.Questions))
			for i, q := range u.Questions {
				ids[i] = q.ID
			}
			// The ids only (they are on the screen too), never an answer.
			a.log.Info("unlock asks security questions", "unlock", u.ID, "questions", ids)
			a.showUnlockQuestions("")
			return
		}
		a.log.Info("unlock code sent", "unlock", u.ID, "to", u.SentTo)
		a.showUnlockCode("")
	})
}

// unlockPrompt is what the screens say of unlock u.
func unlockPrompt(u api.Unlock) UnlockPrompt {
	p := UnlockPrompt{SentTo: u.SentTo, ValidUntil: u.CodeExpiresAt, AttemptsLeft: u.CodeAttemptsLeft,
		AnswerAttemptsLeft: u.AnswerAttemptsLeft}
	for _, q := range u.Questions {
		p.Questions = append(p.Questions, SecurityQuestion{ID: q.ID, Text: q.Text})
	}
	return p
}

func (a *Agent) showUnlockQuestions(msg string) {
	p := a.unlock.prompt
	a.show(ScreenUnlockQuestions, func(s *State) { s.Unlock, s.Message = p, msg })
}

func (a *Agent) checkUnlockAnswers(answers []api.SecurityAnswer) {
	ctx := a.newGen()
	ticket := a.unlock.ticket
	a.show(ScreenUnlocking, func(s *State) { s.Working = wording.UnlockCheckingAnswers })
	step(a, ctx, func(ctx context.Context) (api.Unlock, error) {
		// identityd sends the code before it answers.
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout+questionsSendBudget)
		defer cancel()
		return a.backend.UnlockAnswers(ctx, ticket, answers)
	}, func(u api.Unlock, err error) {
		var ae *client.APIError
		switch {
		case err == nil && a.unlock != nil:
			a.log.Info("unlock code sent", "unlock", u.ID, "to", u.SentTo)
			a.unlock.prompt = unlockPrompt(u)
			a.showUnlockCode("")
		case errors.As(err, &ae) && ae.Code == api.CodeUnlockAnswersWrong && ae.Unlock != nil && a.unlock != nil:
			a.unlock.prompt.AnswerAttemptsLeft = ae.Unlock.AnswerAttemptsLeft
			a.showUnlockQuestions(wording.UnlockAnswersWrong(ae.Unlock.AnswerAttemptsLeft))
		case err != nil:
			a.unlockFailed(err)
		}
	})
}

func (a *Agent) showUnlockCode(msg string) {
	p := a.unlock.prompt
	a.show(ScreenUnlockCode, func(s *State) {
		s.Unlock, s.Message = p, msg
		if a.cfg.Demo {
			s.Hint = a.cfg.DemoMailHint
		}
	})
}

func (a *Agent) checkUnlockCode(code string) {
	ctx := a.newGen()
	ticket := a.unlock.ticket
	a.show(ScreenUnlocking, func(s *State) { s.Working = wording.UnlockCheckingCode })
	step(a, ctx, func(ctx context.Context) (api.Unlock, error) {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.UnlockCode(ctx, ticket, code)
	}, func(u api.Unlock, err error) {
		var ae *client.APIError
		switch {
		case err == nil:
			a.show(ScreenUnlockPasscode, func(s *State) { s.Hint = wording.UnlockChoose })
		case errors.As(err, &ae) && ae.Code == api.CodeUnlockCodeWrong && ae.Unlock != nil && a.unlock != nil:
			a.unlock.prompt.AttemptsLeft = ae.Unlock.CodeAttemptsLeft
			a.showUnlockCode(wording.UnlockCodeWrong(ae.Unlock.CodeAttemptsLeft))
		default:
			a.unlockFailed(err)
		}
	})
}

// unlockCard runs the card's part (unlockOnCard) as one step, then tells
// identityd the card holds the new PUK.
func (a *Agent) unlockCard(passcode []byte) {
	ctx := a.newGen()
	conn, ticket := a.conn, a.unlock.ticket
	a.show(ScreenUnlocking, func(s *State) { s.Working = wording.UnlockingCard })
	step(a, ctx, func(ctx context.Context) (bool, error) {
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout+2*a.cfg.BackendTimeout)
		usedPrevious, err := unlock.OnCard(cctx, conn, a.backend, ticket, passcode, unlock.Options{Trace: a.trace})
		cancel()
		if err == nil {
			// The card is unlocked: whatever becomes of this result, identityd
			// must learn which PUK it holds now.
			a.reportInOrder(unlockCompleteFor, func(ctx context.Context) {
				a.backendRetry(ctx, "the unlock's completion", func(ctx context.Context) error {
					_, err := a.backend.CompleteUnlock(ctx, ticket, usedPrevious)
					return err
				})
			})
		}
		return usedPrevious, err
	}, func(_ bool, err error) {
		if err != nil {
			a.unlockFailed(err)
			return
		}
		a.unlock = nil
		a.id.triesLeft, a.id.blocked = a.passcodeRetries(), false
		a.log.Info("card unlocked")
		a.show(ScreenUnlocked, func(s *State) { s.TriesLeft = a.id.triesLeft })
	})
}

// unlockFailed says why the unlock stopped; Retry asks for a new code
// where that may help.
func (a *Agent) unlockFailed(err error) {
	a.log.Warn("unlock did not finish", "err", err)
	t, retryable := unlockTrouble(err)
	a.unlock, a.retry = nil, nil
	if retryable {
		a.retry = a.requestUnlock
	}
	a.show(ScreenUnlockFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

// unlockTrouble words a failed unlock.
func unlockTrouble(err error) (wording.Trouble, bool) {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case api.CodeUnlockNotAvailable:
			return wording.UnlockNotOffered, false
		case api.CodeUnlockRateLimited:
			return wording.UnlockRateLimited, false
		case api.CodeUnlockCodeExpired:
			return wording.UnlockCodeExpired, true
		case api.CodeUnlockClosed:
			return wording.UnlockClosed, true
		case api.CodeUnlockSendFailed:
			return wording.UnlockSendFailed, true
		case api.CodeCardNotProven:
			return wording.UnlockCardNotProven, false
		case api.CodeUnlockOutOfOrder:
			return wording.UnlockInterrupted, true
		case api.CodeUnlockNoQuestions:
			return wording.UnlockNoQuestions, false
		case api.CodeUnlockFaceToFace:
			return wording.UnlockFaceToFace, false
		}
		return refusal(err)
	}
	if errors.Is(err, unlock.ErrPUKRefused) {
		return wording.UnlockCardRefused, false
	}
	if errors.Is(err, client.ErrUnreachable) || errors.Is(err, client.ErrUntrusted) {
		return refusal(err)
	}
	if t, retryable := CardTrouble(err); t != wording.Unreadable {
		return wording.Trouble{Problem: t.Problem, Fix: wording.UnlockInterrupted.Fix}, retryable
	}
	return wording.UnlockInterrupted, true
}
