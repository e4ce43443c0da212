package session

import (
	"fmt"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// What the user reads for a backend failure, and whether Retry is offered.
func TestRefusalWording(t *testing.T) {
	for _, c := range []struct {
		err       error
		problem   string
		retryable bool
	}{
		{&client.APIError{Status: 503, Code: api.CodeUnavailable}, "The identity service is unavailable for a moment.", true},
		{&client.APIError{Status: 401, Code: api.CodeCertificateSuperseded}, "This smartcard's certificates have been replaced by newer ones that are not on the card.", false},
		{fmt.Errorf("%w (GET /v1/policy to http://elsewhere)", client.ErrRedirected), "The identity service sent this computer somewhere else, which it does not follow.", false},
		{&client.APIError{Status: 403, Code: api.CodeCardCancelled}, "This smartcard has been cancelled and can no longer be used.", false},
	} {
		tr, retryable := refusal(c.err)
		problem, fix := tr.Problem, tr.Fix
		if problem != c.problem || retryable != c.retryable || fix == "" {
			t.Errorf("%v: %q %q retry=%v, want %q retry=%v", c.err, problem, fix, retryable, c.problem, c.retryable)
		}
	}
}
