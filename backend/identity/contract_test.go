package identity_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// status is the HTTP status and code a call answered (200/204 and "" for
// success).
func status(err error) (int, api.ErrorCode) {
	var se *testenv.StatusError
	if errors.As(err, &se) {
		return se.Status, se.Err.Code
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
		cl := w.env.Client
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
		s, err := cl.Login(ctx, w.sam, "ws-1") // sam has terms to accept
		if err != nil {
			t.Fatal(err)
		}
		if !s.TermsRequired || s.Terms == nil {
			t.Fatalf("sam's login does not ask for the terms: %+v", s)
		}
		terms := api.AcceptTermsRequest{Version: s.Terms.Version}
		check("terms", cl.SessionCall(ctx, s, "POST", "/terms", terms, nil), want{200, ""})
		check("terms again", cl.SessionCall(ctx, s, "POST", "/terms", terms, nil), want{200, ""})

		check("no workstation header", cl.Do(ctx, testenv.Call{Method: "GET", Path: "/v1/sessions/" + s.ID, Token: s.Token}, nil),
			want{http.StatusUnauthorized, api.CodeWorkstationMismatch})

		check("suspend", cl.SessionCall(ctx, s, "POST", "/suspend", nil, nil), want{200, ""})
		check("suspend again", cl.SessionCall(ctx, s, "POST", "/suspend", nil, nil), want{200, ""})
		check("DELETE", cl.SessionCall(ctx, s, "DELETE", "", nil, nil), want{200, ""})
		check("DELETE again", cl.SessionCall(ctx, s, "DELETE", "", nil, nil), want{http.StatusUnauthorized, api.CodeSessionEnded})
		check("suspend after end", cl.SessionCall(ctx, s, "POST", "/suspend", nil, nil), want{http.StatusUnauthorized, api.CodeSessionEnded})
	})
}
