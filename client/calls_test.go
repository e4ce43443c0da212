package client

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
)

// TestCallsFollowRoutes: each call is served, by a ServeMux holding
// api.Routes as identityd registers them, under its own route, with the
// ticket's id (escaped on the way) given back by PathValue; every route
// but the probes has a call; and an id no route can carry is refused before
// anything is sent.
func TestCallsFollowRoutes(t *testing.T) {
	type hit struct{ pattern, id string }
	var hits []hit
	mux := http.NewServeMux()
	for _, route := range api.Routes {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
			hits = append(hits, hit{r.Pattern, r.PathValue("id")})
			writeJSON(w, 200, `{}`)
		})
	}
	srv, pin := fakeBackend(t, mux.ServeHTTP)
	c, err := New(Config{BaseURL: srv.URL, CAPin: pin, WorkstationID: "ws-1", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const id = "s/1%2F é"
	tk := Ticket{ID: id, Token: "tok"}
	calls := []struct {
		route string
		call  func() error
	}{
		{api.RouteGetPolicy, func() error { _, err := c.Policy(ctx); return err }},
		{api.RoutePing, func() error { return c.Ping(ctx) }},
		{api.RouteCreateChallenge, func() error { _, err := c.Challenge(ctx); return err }},
		{api.RouteCreateSession, func() error { _, err := c.Login(ctx, api.CardProof{}); return err }},
		{api.RouteGetSession, func() error { _, err := c.Session(ctx, tk); return err }},
		{api.RouteAcceptTerms, func() error { _, err := c.AcceptTerms(ctx, tk, 1); return err }},
		{api.RouteSelectRole, func() error { _, err := c.SelectRole(ctx, tk, "r"); return err }},
		{api.RouteSuspendSession, func() error { _, err := c.Suspend(ctx, tk); return err }},
		{api.RouteResumeSession, func() error { _, err := c.Resume(ctx, tk, api.CardProof{}); return err }},
		{api.RouteEndSession, func() error { return c.End(ctx, tk) }},
		{api.RoutePasscodeChange, func() error {
			return c.ReportPasscodeChange(ctx, tk, api.PasscodeChangeReport{Outcome: api.PasscodeChanged})
		}},
		{api.RouteOpenRenewal, func() error { _, err := c.OpenRenewal(ctx, tk); return err }},
		{api.RouteGetRenewal, func() error { _, err := c.Renewal(ctx, tk); return err }},
		{api.RouteRenewalCardAuth, func() error { _, err := c.RenewalCardAuth(ctx, tk, api.PurposeWrite, make([]byte, 16)); return err }},
		{api.RouteRecordKey, func() error { _, err := c.RecordRenewalKey(ctx, tk, "9a", []byte{0x30}); return err }},
		{api.RouteIssueRenewal, func() error { _, err := c.IssueRenewal(ctx, tk, []byte{0x30}, []byte{0x30}); return err }},
		{api.RouteCompleteRenewal, func() error { _, err := c.CompleteRenewal(ctx, tk, api.CardProof{}); return err }},
		{api.RouteRequestUnlock, func() error { _, err := c.RequestUnlock(ctx, make([]byte, 16)); return err }},
		{api.RouteUnlockCode, func() error { _, err := c.UnlockCode(ctx, tk, "12345678"); return err }},
		{api.RouteUnlockAnswers, func() error { _, err := c.UnlockAnswers(ctx, tk, nil); return err }},
		{api.RouteGetQuestions, func() error { _, err := c.SecurityQuestions(ctx, tk); return err }},
		{api.RouteRegisterQuestions, func() error { _, err := c.RegisterQuestions(ctx, tk, api.CardProof{}, nil); return err }},
		{api.RouteConfirmQuestions, func() error { _, err := c.ConfirmQuestions(ctx, tk, "12345678"); return err }},
		{api.RouteAdminCard, func() error { _, err := c.AdminCard(ctx, tk, make([]byte, 16)); return err }},
		{api.RouteAdminUnlock, func() error { _, err := c.AdminUnlock(ctx, tk, make([]byte, 16), "seen"); return err }},
		{api.RouteAdminRenewal, func() error { _, err := c.AdminRenewal(ctx, tk, make([]byte, 16), "seen", true); return err }},
		{api.RouteAdminCancel, func() error { _, err := c.AdminCancel(ctx, tk, make([]byte, 16), "lost"); return err }},
		{api.RouteAdminEnrol, func() error { _, err := c.AdminEnrol(ctx, tk, "123456789012", nil, "new starter"); return err }},
		{api.RouteAdminPositions, func() error { _, err := c.AdminPositions(ctx, tk, "123456789012"); return err }},
		{api.RouteAdminGrant, func() error { _, err := c.AdminGrant(ctx, tk, "123456789012", "Receptionist", "starter"); return err }},
		{api.RouteIssueAssertion, func() error { _, err := c.IssueAssertion(ctx, tk, "ward-app"); return err }},
		{api.RouteIntrospect, func() error { _, err := c.Introspect(ctx, "a.b.c"); return err }},
		{api.RouteJWKS, func() error { _, err := c.JWKS(ctx); return err }},
		{api.RouteAdminAudit, func() error {
			_, err := c.AdminAudit(ctx, tk, api.AuditQuery{User: "123456789012"})
			return err
		}},
		{api.RouteAdminEndPosition, func() error {
			_, err := c.AdminEndPosition(ctx, tk, "123456789012", "pos-1", time.Time{}, "leaver")
			return err
		}},
		{api.RouteUnlockWitness, func() error {
			_, _, err := c.UnlockWitness(ctx, tk, make([]byte, 16))
			return err
		}},
		{api.RouteUnlockPUK, func() error { _, err := c.UnlockPUK(ctx, tk, make([]byte, 16)); return err }},
		{api.RouteCompleteUnlock, func() error { _, err := c.CompleteUnlock(ctx, tk, false); return err }},
	}
	covered := []string{api.RouteHealthz, api.RouteReadyz} // operators' probes: no call
	for _, tc := range calls {
		covered = append(covered, tc.route)
		hits = nil
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.route, err)
			continue
		}
		want := hit{tc.route, ""}
		if strings.Contains(tc.route, "{id}") {
			want.id = id
		}
		if len(hits) != 1 || hits[0] != want {
			t.Errorf("the call for %s was served as %+v, want %+v", tc.route, hits, want)
		}
	}

	for _, route := range api.Routes {
		if !slices.Contains(covered, route) {
			t.Errorf("no call tested for %s", route)
		}
	}

	hits = nil
	for _, bad := range []string{"", ".", ".."} {
		if _, err := c.Session(ctx, Ticket{ID: bad, Token: "tok"}); err == nil {
			t.Errorf("session id %q accepted", bad)
		}
	}
	if len(hits) != 0 {
		t.Errorf("a request was sent for a session id no route carries: %+v", hits)
	}
}
