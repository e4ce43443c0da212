package session_test

import (
	"encoding/base64"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// issueTarget logs an RA in and reads a factory-fresh card in Reader 1.
func issueTarget(t *testing.T, r *rig) (*sessiontest.Card, session.State) {
	t.Helper()
	r.Backend.Set(func(b *sessiontest.Backend) { b.UnknownCards = true })
	blank := sessiontest.NewCard(t, sessiontest.Enrolment{Blank: true})
	s := serviceTarget(t, r, newTestCard(t, "Rae Agent", "555000000002", twoYears), blank)
	if !s.Admin.Target.Blank || s.Admin.Target.Enrolling || !slices.Equal(s.Admin.Actions, []session.AdminAction{session.AdminActionEnrol}) {
		t.Fatalf("a factory-fresh card in admin mode: %+v, offered %v", s.Admin.Target, s.Admin.Actions)
	}
	return blank, s
}

// TestAdminEnrolAFactoryFreshCard: an RA issues a factory-fresh card to a
// user; the holder's new passcode is checked as any new passcode, the card
// gets its identity, keys and certificates, and the holder logs in with it.
// Neither the passcode nor the card's PUK or management key is logged.
func TestAdminEnrolAFactoryFreshCard(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	blank, _ := issueTarget(t, r)
	r.Agent.StartAdminAction(session.AdminActionEnrol)
	s := r.WaitScreen(session.ScreenAdminForm)
	if !s.Admin.Action.NewPasscode() {
		t.Fatal("issuing a card asks no new passcode")
	}
	r.Agent.SubmitEnrolForm(s.Question, "5550000", true, "new starter, passport seen", []byte("246813"), []byte("246813"))
	if s = r.answer(s.Question); s.Message != wording.AdminUserIDNeeded {
		t.Fatalf("a short UUID: %q", s.Message)
	}
	r.Agent.SubmitEnrolForm(s.Question, "555000000009", true, "new starter, passport seen", []byte("246813"), []byte("246814"))
	if s = r.answer(s.Question); s.Message == "" || r.Backend.Called("admin-enrol") != 0 {
		t.Fatalf("passcodes that differ: %q, %d calls", s.Message, r.Backend.Called("admin-enrol"))
	}
	r.Agent.SubmitEnrolForm(s.Question, "555000000009", true, "new starter, passport seen", []byte("246813"), []byte("246813"))
	s = r.WaitFor("issued", func(s session.State) bool {
		return s.Screen == session.ScreenAdminDone || s.Screen == session.ScreenAdminFailed
	})
	if s.Screen != session.ScreenAdminDone || s.Admin.Target.Blank || s.Admin.Target.Name != "Jo Holder" ||
		!s.Admin.Target.NotAfter.After(time.Now().AddDate(1, 6, 0)) || len(s.Admin.Actions) == 0 {
		t.Fatalf("after issuing: %v %q %q %+v %v", s.Screen, s.Problem, s.Fix, s.Admin.Target, s.Admin.Actions)
	}
	if r.Backend.Called("admin-enrol") != 1 || r.Backend.Called("renew-complete") != 1 {
		t.Fatalf("identityd was called %v", r.Backend.Calls())
	}
	r.Pull("Reader 1")
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	if s = r.loginAs(blank, "246813", 0); s.Active == nil {
		t.Fatalf("the new card's login: %v %q", s.Screen, s.Problem)
	}
	for _, secret := range []string{"246813", sessiontest.EnrolPUK, hex.EncodeToString(sessiontest.MgmtKey), base64.StdEncoding.EncodeToString(sessiontest.MgmtKey)} {
		if testkit.HoldsSecret(r.logs.String(), secret) {
			t.Errorf("%s is in the agent's log", secret)
		}
	}
}

// TestAdminEnrolPulledHalfWay: a card pulled while it takes its
// management key comes back as a card being issued, to its holder, and is
// finished from there.
func TestAdminEnrolPulledHalfWay(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	blank, _ := issueTarget(t, r)
	r.Agent.StartAdminAction(session.AdminActionEnrol)
	s := r.WaitScreen(session.ScreenAdminForm)
	blank.Conn().PullOn(0xFF, func() { go r.Pull("Reader 1") }) // SET MANAGEMENT KEY
	r.Agent.SubmitEnrolForm(s.Question, "555000000009", true, "new starter, passport seen", []byte("246813"), []byte("246813"))
	r.WaitFor("the card pulled", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin.Target == nil && s.Message == wording.AdminCardRemoved
	})
	r.Insert("Reader 1", blank)
	s = r.WaitFor("the card back", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin.Target != nil && s.Admin.Target.Name != ""
	})
	if !s.Admin.Target.Enrolling || s.Admin.Target.UUID != "555000000009" ||
		!slices.Equal(s.Admin.Actions, []session.AdminAction{session.AdminActionEnrol, session.AdminActionCancel}) {
		t.Fatalf("the card back: %+v, offered %v", s.Admin.Target, s.Admin.Actions)
	}
	r.Agent.StartAdminAction(session.AdminActionEnrol)
	s = r.WaitScreen(session.ScreenAdminForm)
	calls := r.Backend.Called("admin-enrol")
	r.Agent.SubmitEnrolForm(s.Question, "555000000001", true, "going on", []byte("135790"), []byte("135790"))
	if s = r.answer(s.Question); s.Message != wording.AdminEnrollingFor("555000000009") || r.Backend.Called("admin-enrol") != calls {
		t.Fatalf("a UUID typed for a card being issued to someone else: %q", s.Message)
	}
	r.Agent.SubmitEnrolForm(s.Question, "", true, "going on", []byte("135790"), []byte("135790"))
	s = r.WaitFor("issued", func(s session.State) bool {
		return s.Screen == session.ScreenAdminDone || s.Screen == session.ScreenAdminFailed
	})
	if s.Screen != session.ScreenAdminDone {
		t.Fatalf("going on: %v %q %q", s.Screen, s.Problem, s.Fix)
	}
	r.Pull("Reader 1")
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	if s = r.loginAs(blank, "135790", 0); s.Active == nil {
		t.Fatalf("the new card's login: %v %q", s.Screen, s.Problem)
	}
}

// TestAdminEnrolNotACardWithoutPIV: a card without PIV in the second
// reader is no card to issue: the RA is told what it is and identityd is
// asked nothing.
func TestAdminEnrolNotACardWithoutPIV(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	r.Backend.Set(func(b *sessiontest.Backend) { b.UnknownCards = true })
	bank := sessiontest.NewCard(t, sessiontest.Enrolment{NoPIV: true})
	r.loginAs(newTestCard(t, "Rae Agent", "555000000002", twoYears), "123456", 0)
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Insert("Reader 1", bank)
	s := r.WaitFor("the card to service", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin.Target != nil && s.Admin.Target.Problem != ""
	})
	if s.Admin.Target.Blank || len(s.Admin.Actions) != 0 || r.Backend.Called("admin-enrol") != 0 || r.Backend.Called("admin-card") != 0 {
		t.Fatalf("a card without PIV: %+v, offered %v, identityd called %v", s.Admin.Target, s.Admin.Actions, r.Backend.Calls())
	}
}

// TestAdminEnrolChecksTheCardFirst: a card someone else personalised is
// found out before identityd assigns it anything.
func TestAdminEnrolChecksTheCardFirst(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	blank, _ := issueTarget(t, r)
	if err := blank.SetManagementKey(0x08, sessiontest.MgmtKey); err != nil {
		t.Fatal(err)
	}
	r.Agent.StartAdminAction(session.AdminActionEnrol)
	s := r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitEnrolForm(s.Question, "555000000009", true, "new starter, passport seen", []byte("246813"), []byte("246813"))
	s = r.WaitFor("refused", func(s session.State) bool { return s.Screen == session.ScreenAdminFailed })
	if s.Problem != wording.AdminNotFactoryFresh.Problem || r.Backend.Called("admin-enrol") != 0 || s.Admin.Target.Enrolling {
		t.Fatalf("a card set up by someone else: %q, identityd called %v, target %+v", s.Problem, r.Backend.Calls(), s.Admin.Target)
	}
}
