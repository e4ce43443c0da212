package sessiontest

import (
	"context"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// IssueAssertion ("assertion:<audience>") answers an unsigned stand-in,
// "assertion/<session>/<audience>", for an active session in a role, as
// identityd refuses the rest; AssertionGate holds it, FailAssertion
// refuses it.
func (b *Backend) IssueAssertion(ctx context.Context, t client.Ticket, audience string) (api.Assertion, error) {
	b.record("assertion:" + audience)
	b.mu.Lock()
	gate, fail := b.AssertionGate, b.FailAssertion
	b.mu.Unlock()
	if err := gate.Wait(ctx); err != nil {
		return api.Assertion{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if fail != nil {
		return api.Assertion{}, fail
	}
	s, err := b.get(t)
	switch {
	case err != nil:
		return api.Assertion{}, err
	case s.State == api.SessionSuspended:
		return api.Assertion{}, &client.APIError{Status: 409, Code: api.CodeSessionSuspended}
	case s.RoleID == "":
		return api.Assertion{}, &client.APIError{Status: 409, Code: api.CodeRoleNotChosen}
	}
	return api.Assertion{Assertion: "assertion/" + s.ID + "/" + audience, Audience: audience,
		ExpiresAt: time.Now().Add(api.AssertionLifetime)}, nil
}
