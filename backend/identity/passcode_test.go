package identity_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// A passcode change is made by the card; identityd audits the agent's
// report of each attempt, from a live session of that card only.
func TestReportPasscodeChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := start(t, db, nil)
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")
		s, err := testenv.Login(ctx, cl, w.ada)
		if err != nil {
			t.Fatal(err)
		}
		tk := testenv.Ticket(s)
		for _, c := range []struct {
			report api.PasscodeChangeReport
			detail string
		}{
			{api.PasscodeChangeReport{Outcome: api.PasscodeWrongCurrent, TriesLeft: 2}, "wrong_passcode, 2 tries left"},
			{api.PasscodeChangeReport{Outcome: api.PasscodeChanged}, "changed"},
			{api.PasscodeChangeReport{Outcome: api.PasscodeBlocked}, "blocked"},
		} {
			if err := cl.ReportPasscodeChange(ctx, tk, c.report); err != nil {
				t.Fatalf("report %+v: %v", c.report, err)
			}
			rec := lastAudit(t, w.env.Store)
			if rec.Action != identity.ActionPasscodeChange || rec.Outcome != audit.OutcomeOK || rec.Detail != c.detail ||
				rec.UserID != "555000000001" || rec.CardGUID != api.FormatCardGUID(w.ada.GUID) || rec.SessionID != s.ID || rec.WorkstationID != "ward-7-pc-3" {
				t.Fatalf("audit record %+v, want %s with detail %q", rec, identity.ActionPasscodeChange, c.detail)
			}
		}

		// Refusals, each audited: a malformed report, another workstation,
		// an ended session.
		err = sendRaw(w, api.RoutePasscodeChange, []string{s.ID}, `{"outcome":"changed","tries_left":2}`,
			"Authorization", "Bearer "+s.Token, api.WorkstationHeader, "ward-7-pc-3")
		wantCode(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
		err = w.env.Client("ward-9-pc-1").ReportPasscodeChange(ctx, tk, api.PasscodeChangeReport{Outcome: api.PasscodeChanged})
		wantCode(t, err, http.StatusUnauthorized, api.CodeWorkstationMismatch)
		if rec := lastAudit(t, w.env.Store); rec.Action != identity.ActionPasscodeChange || rec.Outcome != string(api.CodeWorkstationMismatch) {
			t.Fatalf("refusal audited as %+v", rec)
		}
		if err := cl.End(ctx, tk); err != nil {
			t.Fatal(err)
		}
		// The logout that followed the change may overtake its report.
		if err := cl.ReportPasscodeChange(ctx, tk, api.PasscodeChangeReport{Outcome: api.PasscodeChanged}); err != nil {
			t.Fatalf("a report just after the session ended: %v", err)
		}
		w.clock.Advance(2 * time.Hour)
		err = cl.ReportPasscodeChange(ctx, tk, api.PasscodeChangeReport{Outcome: api.PasscodeChanged})
		wantCode(t, err, http.StatusUnauthorized, api.CodeSessionEnded)
		verifyAudit(t, w)
	})
}
