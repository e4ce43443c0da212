package session

import (
	"context"

	"github.com/cardagent/cardagent/api"
)

// fetchPolicy asks the backend for its policy. It runs at start and, until
// it succeeds, again at each card insertion: a backend that was down when
// the agent started must not leave it on the defaults for good.
//
// A card inserted while a fetch is under way asks again once it is done,
// if it failed: that card must not wait for the next one.
func (a *Agent) fetchPolicy() {
	if a.policy != nil {
		return
	}
	if a.policyPending {
		a.policyAgain = true
		return
	}
	a.policyPending, a.policyAgain = true, false
	stepAnyTime(a, context.Background(), func(ctx context.Context) (api.Policy, error) {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.Policy(ctx)
	}, func(p api.Policy, err error) {
		a.policyPending = false
		if err != nil {
			a.log.Warn("backend policy not available yet; using defaults until the next card", "err", err)
			if a.policyAgain {
				a.fetchPolicy()
			}
			return
		}
		a.setPolicy(p)
	})
}

func (a *Agent) setPolicy(p api.Policy) {
	a.policy = &p
	a.st.SelfUnlock = p.SelfServiceUnlock != "off"
	a.st.QuestionsAsked = p.SelfServiceUnlock == "email+questions"
	if p.PasscodeMinLength > 0 && p.PasscodeMaxLength >= p.PasscodeMinLength {
		a.st.Rule = PasscodeRule{MinLength: p.PasscodeMinLength, MaxLength: p.PasscodeMaxLength, DigitsOnly: p.PasscodeDigitsOnly,
			RefuseSimple: p.PasscodeRefuseSimple, RefuseCurrent: p.PasscodeRefuseCurrent}
		a.publish()
	}
	a.checkCardLate()
}
