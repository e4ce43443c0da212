package identity_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// TestLoginOverHTTPS runs the whole protocol over loopback HTTPS on both
// stores with ECDSA and RSA card keys: challenge, session, terms, role,
// read, suspend, resume with a fresh proof, end.
func TestLoginOverHTTPS(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		cl := w.env.Client
		for _, card := range []*testenv.Card{w.ada, w.adaR} {
			const ws = "ward-7-pc-3"
			s, err := cl.Login(ctx, card, ws)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if s.Token == "" || s.User.ID != "555000000001" || len(s.Roles) != 2 || s.State != api.SessionActive {
				t.Fatalf("login returned %+v", s)
			}
			if c := s.Certificate; c.DaysLeft < 700 || c.SelfRenewalAllowed || c.RenewalRefusal != api.RenewalOutsideWindow || c.ExpiryAlert {
				t.Fatalf("certificate status %+v", c)
			}
			if card == w.ada {
				if !s.TermsRequired || s.Terms == nil {
					t.Fatalf("first login does not ask for the terms: %+v", s)
				}
				var after api.Session
				if err := cl.SessionCall(ctx, s, "POST", "/terms", api.AcceptTermsRequest{Version: s.Terms.Version}, &after); err != nil {
					t.Fatalf("accepting terms: %v", err)
				}
				if after.TermsRequired {
					t.Fatal("terms still required after accepting")
				}
			} else if s.TermsRequired {
				t.Fatal("terms asked again after they were accepted")
			}
			var withRole api.Session
			if err := cl.SessionCall(ctx, s, "PUT", "/role", api.SelectRoleRequest{RoleID: s.Roles[1].ID}, &withRole); err != nil {
				t.Fatalf("selecting role: %v", err)
			}
			if withRole.RoleID != s.Roles[1].ID || withRole.Token != "" {
				t.Fatalf("after role: %+v", withRole)
			}
			var got api.Session
			if err := cl.SessionCall(ctx, s, "GET", "", nil, &got); err != nil || got.RoleID != withRole.RoleID {
				t.Fatalf("GET session = %+v, %v", got, err)
			}
			if err := cl.SessionCall(ctx, s, "POST", "/suspend", nil, &got); err != nil || got.State != api.SessionSuspended {
				t.Fatalf("suspend = %+v, %v", got, err)
			}
			wantCode(t, cl.SessionCall(ctx, s, "PUT", "/role", api.SelectRoleRequest{RoleID: s.Roles[0].ID}, nil), http.StatusConflict, api.CodeSessionSuspended)
			// Resume: a fresh challenge signed by the same card.
			ch, err := cl.Challenge(ctx, ws)
			if err != nil {
				t.Fatal(err)
			}
			p, err := testenv.Prove(card, ch, ws)
			if err != nil {
				t.Fatal(err)
			}
			var resumed api.Session
			if err := cl.Do(ctx, testenv.Call{Method: "POST", Path: "/v1/sessions/" + s.ID + "/resume", Body: api.ResumeRequest{CardProof: p}}, &resumed); err != nil {
				t.Fatalf("resume: %v", err)
			}
			if resumed.State != api.SessionActive || resumed.Token == "" || resumed.Token == s.Token || resumed.RoleID != withRole.RoleID {
				t.Fatalf("resumed %+v", resumed)
			}
			// The old token is dead, the new one works.
			wantCode(t, cl.SessionCall(ctx, s, "GET", "", nil, nil), http.StatusUnauthorized, api.CodeUnauthenticated)
			s.Token = resumed.Token
			if err := cl.SessionCall(ctx, s, "DELETE", "", nil, nil); err != nil {
				t.Fatalf("end: %v", err)
			}
			wantCode(t, cl.SessionCall(ctx, s, "GET", "", nil, nil), http.StatusUnauthorized, api.CodeSessionEnded)
			if rec := lastAudit(t, w.env.Store); rec.Action != "session.get" || rec.Outcome != string(api.CodeSessionEnded) {
				t.Fatalf("last audit record %+v", rec)
			}
		}
		var policy api.Policy
		if err := cl.Do(ctx, testenv.Call{Method: "GET", Path: "/v1/policy"}, &policy); err != nil || policy.RenewalWindowDays != 90 || policy.PasscodeMinLength != 4 {
			t.Fatalf("policy = %+v, %v", policy, err)
		}
		// Metrics are served on their own listener, not the API's.
		wantCode(t, cl.Do(ctx, testenv.Call{Method: "GET", Path: "/metrics"}, nil), http.StatusNotFound, api.CodeNotFound)
		resp, err := http.Get(w.env.MetricsURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"identityd_logins_total 2", `identityd_refusals_total{reason="session_ended"} 2`, `route="POST /v1/sessions"`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		sum := verifyAudit(t, w)
		if sum.Records < 20 {
			t.Fatalf("only %d audit records after two full logins", sum.Records)
		}
	})
}

func wantCode(t *testing.T, err error, status int, code api.ErrorCode) {
	t.Helper()
	var se *testenv.StatusError
	if !errors.As(err, &se) || se.Status != status || se.Err.Code != code {
		t.Fatalf("got %v, want HTTP %d %s", err, status, code)
	}
	if se.Err.Message == "" {
		t.Fatalf("%s has no message", code)
	}
}
