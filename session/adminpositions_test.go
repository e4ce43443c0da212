package session_test

import (
	"testing"
	"time"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// TestAdminPositions: an RA looks up a user by UUID with no card in, grants
// a role and ends a position, each checked before identityd; a refusal
// says why and goes back; with a card in, the form is about its holder;
// pulling a card changes nothing about a user's positions. An LSA manages
// none.
func TestAdminPositions(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	s := r.loginAs(newTestCard(t, "Rae Agent", "555000000002", twoYears), "123456", 0)
	if !s.Admin.ManagesPositions {
		t.Fatal("an RA is not offered access positions")
	}
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Agent.StartAdminAction(session.AdminActionPositions)
	s = r.WaitScreen(session.ScreenAdminForm)
	if s.Admin.Action != session.AdminActionPositions {
		t.Fatalf("the form is for %q", s.Admin.Action)
	}
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{UserID: "5550"})
	if s = r.answer(s.Question); s.Message != wording.AdminUserIDNeeded || r.Backend.Called("admin-positions") != 0 {
		t.Fatalf("a short UUID: %q", s.Message)
	}
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{UserID: "555000000009"})
	s = r.WaitScreen(session.ScreenAdminPositions)
	if p := s.Admin.Positions; p == nil || p.Name != "Jo Holder" || p.UUID != "555000000009" || p.Organisation != "Riverside Hospital" ||
		len(p.Held) != 1 || !p.Held[0].Active || p.Elsewhere != 1 || len(p.Roles) == 0 {
		t.Fatalf("the positions shown: %+v", s.Admin.Positions)
	}

	// Grant.
	r.Agent.StartAdminAction(session.AdminActionGrant)
	s = r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{Role: "x", IdentityChecked: true, Reason: "new starter"})
	if s = r.answer(s.Question); s.Message != wording.AdminRoleNeeded {
		t.Fatalf("a role too short: %q", s.Message)
	}
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{Role: "Ward Clerk", Reason: "new starter"})
	if s = r.answer(s.Question); s.Message != wording.AdminIdentityFirst || r.Backend.Called("admin-grant") != 0 {
		t.Fatalf("no identity check: %q", s.Message)
	}
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{Role: " Ward Clerk ", IdentityChecked: true, Reason: "new starter"})
	s = r.WaitFor("granted", func(s session.State) bool {
		return s.Screen == session.ScreenAdminPositions && s.Hint != ""
	})
	if s.Hint != wording.AdminGranted("Ward Clerk") || len(s.Admin.Positions.Held) != 2 {
		t.Fatalf("after the grant: %q %+v", s.Hint, s.Admin.Positions)
	}
	r.Agent.StartAdminAction(session.AdminActionGrant)
	s = r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{Role: "Ward Clerk", IdentityChecked: true, Reason: "again"})
	if s = r.WaitScreen(session.ScreenAdminFailed); s.Problem != wording.AdminPositionHeld.Problem {
		t.Fatalf("a role held already: %q", s.Problem)
	}
	r.Agent.BackInAdmin()
	r.WaitScreen(session.ScreenAdminPositions)

	// A card in and out of the other reader changes nothing here.
	holder := newTestCard(t, "Jo Holder", "555000000009", twoYears)
	r.Insert("Reader 1", holder)
	r.WaitFor("the card read", func(s session.State) bool { return s.Admin.Target != nil && s.Admin.Target.Name != "" })
	r.Pull("Reader 1")
	s = r.WaitFor("the card gone", func(s session.State) bool { return s.Admin.Target == nil })
	if s.Screen != session.ScreenAdminPositions {
		t.Fatalf("a pulled card left the positions for %v", s.Screen)
	}

	// End.
	r.Agent.EndPosition("pos-1")
	s = r.WaitScreen(session.ScreenAdminForm)
	if s.Admin.Action != session.AdminActionEndPosition || s.Admin.Position == nil || s.Admin.Position.Role != "Clinical Practitioner" {
		t.Fatalf("the end form: %q %+v", s.Admin.Action, s.Admin.Position)
	}
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	for _, f := range []struct {
		form session.PositionForm
		want string
	}{
		{session.PositionForm{LastDay: yesterday, IdentityChecked: true, Reason: "left"}, wording.AdminLastDayNeeded},
		{session.PositionForm{LastDay: "31/01/2027", IdentityChecked: true, Reason: "left"}, wording.AdminLastDayNeeded},
		{session.PositionForm{Reason: "left the trust"}, wording.AdminEndConfirmFirst},
		{session.PositionForm{IdentityChecked: true, Reason: "x"}, wording.AdminReasonNeeded},
	} {
		r.Agent.SubmitPositionForm(s.Question, f.form)
		if s = r.answer(s.Question); s.Message != f.want || r.Backend.Called("admin-end-position") != 0 {
			t.Fatalf("%+v: %q, want %q", f.form, s.Message, f.want)
		}
	}
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{IdentityChecked: true, Reason: "left the trust"})
	s = r.WaitFor("ended", func(s session.State) bool { return s.Screen == session.ScreenAdminPositions && s.Hint != "" })
	if s.Admin.Positions.Held[0].Active || s.Admin.Position != nil {
		t.Fatalf("after the end: %q %+v", s.Hint, s.Admin.Positions)
	}
	lastDay := time.Now().AddDate(0, 0, 30)
	r.Agent.EndPosition(s.Admin.Positions.Held[1].ID)
	s = r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{LastDay: lastDay.Format(time.DateOnly), IdentityChecked: true, Reason: "fixed term"})
	s = r.WaitFor("end-dated", func(s session.State) bool { return s.Screen == session.ScreenAdminPositions && s.Hint != "" })
	if held := s.Admin.Positions.Held[1]; !held.Active || held.Until.Format(time.DateOnly) != lastDay.AddDate(0, 0, 1).Format(time.DateOnly) ||
		held.LastDay.Format(time.DateOnly) != lastDay.Format(time.DateOnly) || s.Hint != wording.AdminEnded("Ward Clerk", true, lastDay.Format("2 January 2006")) {
		t.Fatalf("end-dated in 30 days: %q %+v", s.Hint, held)
	}

	// Back to the card; with the holder's card in, their positions at once.
	r.Agent.BackInAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Insert("Reader 1", holder)
	r.WaitFor("the card read", func(s session.State) bool { return s.Admin.Target != nil && s.Admin.Target.Name != "" })
	n := r.Backend.Called("admin-positions")
	r.Agent.StartAdminAction(session.AdminActionPositions)
	s = r.WaitScreen(session.ScreenAdminForm)
	if s.Admin.Target == nil || s.Admin.Target.UUID != "555000000009" {
		t.Fatalf("the form about the card's holder: %+v", s.Admin.Target)
	}
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{UserID: s.Admin.Target.UUID})
	s = r.WaitScreen(session.ScreenAdminPositions)
	if s.Admin.Positions.UUID != "555000000009" || r.Backend.Called("admin-positions") != n+1 {
		t.Fatalf("the holder's positions: %+v", s.Admin.Positions)
	}
}

// TestAdminPositionsUserUnknown: identityd's refusal is worded, and Back
// goes to the card.
func TestAdminPositionsUserUnknown(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	r.Backend.Set(func(b *sessiontest.Backend) { b.UnknownUser = "555000000077" })
	r.loginAs(newTestCard(t, "Rae Agent", "555000000002", twoYears), "123456", 0)
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Agent.StartAdminAction(session.AdminActionPositions)
	s := r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitPositionForm(s.Question, session.PositionForm{UserID: "555000000077"})
	if s = r.WaitScreen(session.ScreenAdminFailed); s.Problem != wording.AdminPositionsUserUnknown.Problem || s.Retryable {
		t.Fatalf("an unknown user: %q retryable %v", s.Problem, s.Retryable)
	}
	r.Agent.BackInAdmin()
	r.WaitScreen(session.ScreenAdmin)
}

// TestAdminPositionsNotForAnLSA: an LSA's role manages no positions.
func TestAdminPositionsNotForAnLSA(t *testing.T) {
	r := newRig(t, session.Config{}, lsaRoles)
	s := r.loginAs(newTestCard(t, "Lee Admin", "555000000002", twoYears), "123456", 0)
	if s.Admin.ManagesPositions {
		t.Fatal("an LSA is offered access positions")
	}
	r.Agent.OpenAdmin()
	s = r.WaitScreen(session.ScreenAdmin)
	r.Agent.StartAdminAction(session.AdminActionPositions)
	r.sync()
	if s = r.Agent.Current(); s.Screen != session.ScreenAdmin || r.Backend.Called("admin-positions") != 0 {
		t.Fatalf("an LSA opened positions: %v", s.Screen)
	}
}
