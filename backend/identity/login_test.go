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
	"github.com/cardagent/cardagent/client"
)

// TestLoginOverHTTPS runs the whole protocol over loopback HTTPS on both
// stores with ECDSA and RSA card keys: challenge, session, terms, role,
// read, suspend, resume with a fresh proof, end.
func TestLoginOverHTTPS(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startWith(t, db, nil, slp)
		ctx := context.Background()
		const ws = "ward-7-pc-3"
		cl := w.env.Client(ws)
		for _, card := range []*testenv.Card{w.ada, w.adaR} {
			s, err := testenv.Login(ctx, cl, card)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if s.Token == "" || s.User.ID != "555000000001" || len(s.Roles) != 2 || s.State != api.SessionActive {
				t.Fatalf("login returned %+v", s)
			}
			if c := s.Certificate; c.DaysLeft < 700 || c.SelfRenewalAllowed || c.RenewalRefusal != api.RenewalOutsideWindow || c.ExpiryAlert {
				t.Fatalf("certificate status %+v", c)
			}
			tk := testenv.Ticket(s)
			if card == w.ada {
				if !s.TermsRequired || s.Terms == nil {
					t.Fatalf("first login does not ask for the terms: %+v", s)
				}
				after, err := cl.AcceptTerms(ctx, tk, s.Terms.Version)
				if err != nil {
					t.Fatalf("accepting terms: %v", err)
				}
				if after.TermsRequired {
					t.Fatal("terms still required after accepting")
				}
			} else if s.TermsRequired {
				t.Fatal("terms asked again after they were accepted")
			}
			withRole, err := cl.SelectRole(ctx, tk, s.Roles[1].ID)
			if err != nil {
				t.Fatalf("selecting role: %v", err)
			}
			if withRole.RoleID != s.Roles[1].ID || withRole.Token != "" {
				t.Fatalf("after role: %+v", withRole)
			}
			if got, err := cl.Session(ctx, tk); err != nil || got.RoleID != withRole.RoleID {
				t.Fatalf("GET session = %+v, %v", got, err)
			}
			if got, err := cl.Suspend(ctx, tk); err != nil || got.State != api.SessionSuspended {
				t.Fatalf("suspend = %+v, %v", got, err)
			}
			wantCode(t, errOf(cl.SelectRole(ctx, tk, s.Roles[0].ID)), http.StatusConflict, api.CodeSessionSuspended)
			// Resume: a fresh challenge signed by the same card.
			ch, err := cl.Challenge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			p, err := testenv.Prove(card, ch, ws)
			if err != nil {
				t.Fatal(err)
			}
			resumed, err := cl.Resume(ctx, tk, p)
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if resumed.State != api.SessionActive || resumed.Token == "" || resumed.Token == s.Token || resumed.RoleID != withRole.RoleID {
				t.Fatalf("resumed %+v", resumed)
			}
			// The old token is dead, the new one works.
			wantCode(t, errOf(cl.Session(ctx, tk)), http.StatusUnauthorized, api.CodeUnauthenticated)
			tk.Token = resumed.Token
			if err := cl.End(ctx, tk); err != nil {
				t.Fatalf("end: %v", err)
			}
			wantCode(t, errOf(cl.Session(ctx, tk)), http.StatusUnauthorized, api.CodeSessionEnded)
			if rec := lastAudit(t, w.env.Store); rec.Action != "session.get" || rec.Outcome != string(api.CodeSessionEnded) {
				t.Fatalf("last audit record %+v", rec)
			}
		}
		if policy, err := cl.Policy(ctx); err != nil || policy.RenewalWindowDays != 90 || policy.PasscodeMinLength != 4 {
			t.Fatalf("policy = %+v, %v", policy, err)
		}
		// Metrics are served on their own listener, not the API's.
		wantCode(t, sendRaw(w, api.RouteMetrics, nil, ""), http.StatusNotFound, api.CodeNotFound)
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
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != status || ae.Code != code {
		t.Fatalf("got %v, want HTTP %d %s", err, status, code)
	}
	if ae.Message == "" {
		t.Fatalf("%s has no message", code)
	}
}
