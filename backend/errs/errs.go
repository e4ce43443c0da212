// Package errs is the error type the identity service returns and httpapi
// renders: an HTTP status, a stable api code and a public message are sent;
// the wrapped Err is only logged. A store outage renders as 503 unavailable,
// any other error as 500 internal.
package errs

import (
	"context"
	"errors"
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/store"
)

// Error is a refusal or failure with its public face.
type Error struct {
	Status int
	Code   api.ErrorCode
	Msg    string // sent to the client; no secrets, no internals
	Err    error  // logged only; may be nil
	// RenewalRefusal and Renewal are sent with renewal refusals
	// (api.Error); Renewal may hold a token, so neither is ever logged.
	RenewalRefusal api.RenewalRefusal
	Renewal        *api.Renewal
	Unlock         *api.Unlock // with unlock_code_wrong and unlock_answers_wrong: the attempts left (no token)
	AttemptsLeft   int         // with questions_code_wrong
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Msg + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// StatusCode is the HTTP status to send.
func (e *Error) StatusCode() int { return e.Status }

// New builds an Error.
func New(status int, code api.ErrorCode, msg string, err error) *Error {
	return &Error{Status: status, Code: code, Msg: msg, Err: err}
}

// BadRequest is a 400.
func BadRequest(code api.ErrorCode, msg string, err error) *Error {
	return New(http.StatusBadRequest, code, msg, err)
}

// Unauthorized is a 401: the caller did not prove who it is.
func Unauthorized(code api.ErrorCode, msg string, err error) *Error {
	return New(http.StatusUnauthorized, code, msg, err)
}

// Forbidden is a 403: known caller, not allowed.
func Forbidden(code api.ErrorCode, msg string, err error) *Error {
	return New(http.StatusForbidden, code, msg, err)
}

// Conflict is a 409: not allowed in the current state.
func Conflict(code api.ErrorCode, msg string, err error) *Error {
	return New(http.StatusConflict, code, msg, err)
}

// Internal is a 500 hiding err from the client.
func Internal(err error) *Error {
	return New(http.StatusInternalServerError, api.CodeInternal, "internal error", err)
}

// Unavailable is a 503: the store cannot answer now; retry later.
func Unavailable(err error) *Error {
	return New(http.StatusServiceUnavailable, api.CodeUnavailable, "the service cannot reach its store: try again shortly", err)
}

// As finds the *Error in err's chain, or wraps err as Internal — or as
// Unavailable when the cause is a store that cannot answer now (down,
// read-only, full, or past the request's deadline), even under an Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Status < 500 {
		return e
	}
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return Unavailable(err)
	}
	if e != nil {
		return e
	}
	return Internal(err)
}
