package identity_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/client"
)

// status is the HTTP status and code a call answered (200/204 and "" for
// success).
func status(err error) (int, api.ErrorCode) {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status, ae.Code
	}
	if err != nil {
		return -1, api.ErrorCode(err.Error())
	}
	return 200, ""
}

// TestRepeatedCalls pins what the document says repeated calls answer:
// suspend twice, DELETE twice, terms twice; and that a missing workstation
// header is 401.
func TestRepeatedCalls(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		cl := w.env.Client("ws-1")
		type want struct {
			status int
			code   api.ErrorCode
		}
		check := func(what string, err error, w want) {
			t.Helper()
			if s, c := status(err); s != w.status || c != w.code {
				t.Errorf("%s: %d %s, want %d %s", what, s, c, w.status, w.code)
			}
		}
		s, err := testenv.Login(ctx, cl, w.sam) // sam has terms to accept
		if err != nil {
			t.Fatal(err)
		}
		if !s.TermsRequired || s.Terms == nil {
			t.Fatalf("sam's login does not ask for the terms: %+v", s)
		}
		tk := testenv.Ticket(s)
		check("terms", errOf(cl.AcceptTerms(ctx, tk, s.Terms.Version)), want{200, ""})
		check("terms again", errOf(cl.AcceptTerms(ctx, tk, s.Terms.Version)), want{200, ""})

		check("no workstation header", sendRaw(w, api.RouteGetSession, []string{s.ID}, "", "Authorization", "Bearer "+s.Token),
			want{http.StatusUnauthorized, api.CodeWorkstationMismatch})

		check("suspend", errOf(cl.Suspend(ctx, tk)), want{200, ""})
		check("suspend again", errOf(cl.Suspend(ctx, tk)), want{200, ""})
		check("DELETE", cl.End(ctx, tk), want{200, ""})
		check("DELETE again", cl.End(ctx, tk), want{http.StatusUnauthorized, api.CodeSessionEnded})
		check("suspend after end", errOf(cl.Suspend(ctx, tk)), want{http.StatusUnauthorized, api.CodeSessionEnded})
	})
}
