package client

import (
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/api"
)

// APIError is a refusal from the backend: the HTTP status and the stable
// code of the api package. Use errors.As and switch on Code.
type APIError struct {
	Status  int
	Code    api.ErrorCode
	Message string
	// RenewalRefusal and Renewal come with renewal refusals (api.Error);
	// Renewal.Token is a secret: never log it.
	RenewalRefusal api.RenewalRefusal
	Renewal        *api.Renewal
	// Unlock comes with unlock_code_wrong and unlock_answers_wrong: the attempts left.
	Unlock *api.Unlock
	// AttemptsLeft comes with questions_code_wrong.
	AttemptsLeft int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("backend refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// Temporary reports whether trying again later may succeed.
func (e *APIError) Temporary() bool { return e.Status >= 500 }

// ErrUnreachable wraps every failure to get an answer at all: connection
// refused, DNS, TLS, timeouts. The backend may be down or slow.
var ErrUnreachable = errors.New("the identity service cannot be reached")

// ErrUntrusted means the server's certificate does not chain to the pinned
// CA: a misconfiguration or an attack, never retried.
var ErrUntrusted = errors.New("the identity service's certificate is not the pinned one")

// ErrRedirected means the server answered with a redirect. identityd never
// redirects; following one could send the bearer token elsewhere, or in
// clear text, so none is followed and the call fails.
var ErrRedirected = errors.New("the identity service answered with a redirect, which is not followed")

// IsCode reports whether err is an APIError with one of codes.
func IsCode(err error, codes ...api.ErrorCode) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.Code == c {
			return true
		}
	}
	return false
}
