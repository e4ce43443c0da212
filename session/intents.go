package session

import "github.com/cardagent/cardagent/wording"

// The intents: what a person can ask of the agent. Each is posted to the
// Run goroutine and returns at once; the answer is the next State.

// The answers (SubmitPasscode, AcceptTerms, DeclineTerms, SelectRole) name
// the State.Question they answer: an answer to a question that is no longer
// asked — already answered, or overtaken by a pulled card — is dropped.

// SubmitPasscode hands the passcode to the card. The agent takes ownership
// of p and wipes it; it goes to the card and nowhere else. A passcode that
// does not match the rule is refused here, without costing a card try.
func (a *Agent) SubmitPasscode(question uint64, p []byte) {
	a.post(intent{cancel: func() { clear(p) }, run: func() {
		if !a.asking(ScreenPasscode, question) || a.id == nil || a.conn == nil {
			clear(p)
			return
		}
		if msg := ruleProblem(p, a.st.Rule); msg != "" {
			clear(p)
			a.show(ScreenPasscode, func(s *State) { s.Message, s.Hint = msg, "" })
			return
		}
		a.login(p)
	}})
}

// AcceptTerms accepts the terms shown on ScreenTerms.
func (a *Agent) AcceptTerms(question uint64) {
	a.do(func() {
		if a.asking(ScreenTerms, question) && a.st.Terms != nil {
			a.acceptTerms(a.st.Terms.Version)
		}
	})
}

// DeclineTerms refuses them: no session, and the card forgets the passcode.
func (a *Agent) DeclineTerms(question uint64) {
	a.do(func() {
		if !a.asking(ScreenTerms, question) {
			return
		}
		a.endSession()
		a.restartCard(notice{message: wording.TermsDeclined})
	})
}

// SelectRole chooses role i of State.Roles.
func (a *Agent) SelectRole(question uint64, i int) {
	a.do(func() {
		if a.asking(ScreenRoles, question) {
			a.selectRole(i)
		}
	})
}

// asking reports whether question is the one on screen now.
func (a *Agent) asking(screen Screen, question uint64) bool {
	if a.st.Screen != screen || a.st.Question != question {
		a.log.Debug("answer dropped: not the question asked", "screen", screen.String(), "question", question, "asked", a.st.Question)
		return false
	}
	return true
}

// Lock locks the session now, as if the card had been removed; the card
// forgets the passcode, and its owner unlocks the session by typing it.
func (a *Agent) Lock() {
	a.do(func() {
		if a.sess == nil || a.st.Screen != ScreenActive {
			return
		}
		a.lockSession()
		a.restartCard(notice{})
	})
}

// Logout ends the session; the card forgets the passcode.
func (a *Agent) Logout() {
	a.do(func() {
		if a.sess == nil {
			return
		}
		a.endSession()
		a.st.Active, a.st.Expiry = nil, nil
		if a.cardIn == "" {
			a.showWaiting()
			return
		}
		a.restartCard(notice{hint: wording.LoggedOut})
	})
}

// Retry repeats the step that failed on ScreenBackendError or
// ScreenCardProblem.
func (a *Agent) Retry() {
	a.do(func() {
		if r := a.retry; r != nil {
			a.retry = nil
			r()
		}
	})
}

// Quit logs out and stops Run (bounded by Config.EndTimeout).
func (a *Agent) Quit() {
	a.do(func() { a.quitting = true })
}
