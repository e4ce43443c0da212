package session_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// lsaRoles is an administrator's roles: working as an LSA.
func lsaRoles(b *sessiontest.Backend) {
	b.Roles = []api.Role{{ID: "lsa1", Name: "Local Smartcard Administrator", OrganisationID: "RX1",
		OrganisationName: "Riverside Hospital", Admin: api.AdminLSA}}
}

// blockOnCard uses up c's passcode tries directly on the card (another
// program, or the holder at another workstation).
func blockOnCard(t *testing.T, c *sessiontest.Card) {
	t.Helper()
	aid := []byte{0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00}
	if _, err := c.Transmit(aid); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.Transmit([]byte{0x00, 0x20, 0x00, 0x80, 0x08, '0', '0', '0', '0', '0', '0', 0xFF, 0xFF})
	}
}

// TestAdminUnlockFaceToFace: an LSA's session shows admin mode; the card
// in the other reader is read and looked up; the face-to-face unlock asks
// for the identity check and a reason before the card, then the holder's
// new passcode twice; the card is unlocked with a new PUK; pulling the
// target leaves the LSA's session active, pulling the LSA's card locks it.
func TestAdminUnlockFaceToFace(t *testing.T) {
	r := newRig(t, session.Config{}, lsaRoles)
	lsa := newTestCard(t, "Lee Admin", "555000000002", twoYears)
	holder := newTestCard(t, "Jo Holder", "555000000009", twoYears)
	blockOnCard(t, holder)
	s := r.loginAs(lsa, "123456", 0)
	if s.Admin == nil || s.Admin.Rights != "lsa" || s.Admin.Reader != "Reader 0" {
		t.Fatalf("the LSA's active screen: admin %+v", s.Admin)
	}
	r.Agent.OpenAdmin()
	if s = r.WaitScreen(session.ScreenAdmin); s.Admin.Target != nil {
		t.Fatalf("a target before any card: %+v", s.Admin.Target)
	}
	r.Insert("Reader 1", holder)
	s = r.WaitFor("the card to service", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin.Target != nil && s.Admin.Target.Name != ""
	})
	if tc := s.Admin.Target; tc.Reader != "Reader 1" || !tc.Blocked || !tc.InScope || tc.Name != "Jo Holder" || tc.State != "active" {
		t.Fatalf("target %+v", tc)
	}
	// A third card waits: the one being serviced stays the target.
	r.Readers.Add("Reader 2")
	r.Insert("Reader 2", newTestCard(t, "Kit Other", "555000000008", twoYears))
	r.sync()
	if tc := r.Agent.Current().Admin.Target; tc == nil || tc.Reader != "Reader 1" || r.Backend.Called("admin-card") != 1 {
		t.Fatalf("a third card replaced the target: %+v", tc)
	}
	r.Pull("Reader 2")
	r.Agent.StartAdminAction(session.AdminActionUnlock)
	s = r.WaitScreen(session.ScreenAdminForm)
	for _, c := range []struct {
		checked      bool
		reason, want string
	}{{false, "forgot passcode", wording.AdminIdentityFirst}, {true, " ", wording.AdminReasonNeeded}} {
		r.Agent.SubmitAdminForm(s.Question, c.checked, c.reason, []byte("246813"), []byte("246813"))
		if s = r.answer(s.Question); s.Message != c.want {
			t.Fatalf("%v %q: %q", c.checked, c.reason, s.Message)
		}
	}
	if r.Backend.Called("admin-unlock") != 0 {
		t.Fatal("a refused form reached identityd")
	}
	r.Agent.SubmitAdminForm(s.Question, true, "forgot passcode, seen with badge", []byte("246813"), []byte("246813"))
	s = r.WaitFor("unlocked", func(s session.State) bool {
		return s.Screen == session.ScreenAdminDone || s.Screen == session.ScreenAdminFailed
	})
	if s.Screen != session.ScreenAdminDone || s.Hint != wording.AdminUnlocked || s.Admin.Target.Blocked {
		t.Fatalf("after the unlock: %v %q %q %+v", s.Screen, s.Problem, s.Fix, s.Admin.Target)
	}
	if !slices.Equal(r.Backend.AdminReasons, []string{"forgot passcode, seen with badge"}) {
		t.Fatalf("reasons %q", r.Backend.AdminReasons)
	}
	eventually(t, "the completion", func() bool {
		cur, next := r.Backend.PUK(holder.GUID())
		return cur == sessiontest.NextPUK && next == ""
	})

	// The target leaves: the session stays; admin mode waits for a card.
	r.Agent.CloseAdmin()
	r.WaitScreen(session.ScreenActive)
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Pull("Reader 1")
	s = r.WaitFor("no target", func(s session.State) bool { return s.Screen == session.ScreenAdmin && s.Admin.Target == nil })
	// The LSA's card leaves: locked, and no admin picture is left.
	r.Pull("Reader 0")
	if s = r.WaitScreen(session.ScreenLocked); s.Admin != nil {
		t.Fatalf("admin picture after the lock: %+v", s.Admin)
	}
	for _, secret := range []string{"246813", sessiontest.FactoryPUK, sessiontest.NextPUK} {
		if testkit.HoldsSecret(r.logs.String(), secret) {
			t.Errorf("%s is in the agent's log", secret)
		}
	}
}

// A clinician's session has no admin mode: a card in the other reader is
// left alone.
func TestNoAdminModeForAClinician(t *testing.T) {
	r := newRig(t, session.Config{})
	s := r.loginAs(newTestCard(t, "Jo", "101010101010", twoYears), "123456", 0)
	if s.Admin != nil {
		t.Fatalf("admin mode for a clinician: %+v", s.Admin)
	}
	r.Insert("Reader 1", newTestCard(t, "Kit", "202020202020", twoYears))
	r.sync()
	if r.Backend.Called("admin-card") != 0 || r.Agent.Current().Screen != session.ScreenActive {
		t.Fatal("a clinician's session looked up another card")
	}
}

// Pulling the administrator's card in the middle of a face-to-face unlock
// locks the session at once and stops the work; the holder's card is left
// usable (it answers as it did: still blocked, nothing half-done), and no
// admin picture stays behind the lock.
func TestAdminCardPulledMidUnlock(t *testing.T) {
	r := newRig(t, session.Config{}, lsaRoles)
	lsa := newTestCard(t, "Lee Admin", "555000000002", twoYears)
	holder := newTestCard(t, "Jo Holder", "555000000009", twoYears)
	blockOnCard(t, holder)
	r.loginAs(lsa, "123456", 0)
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Insert("Reader 1", holder)
	r.WaitFor("the card to service", func(s session.State) bool {
		return s.Admin != nil && s.Admin.Target != nil && s.Admin.Target.Name != ""
	})
	r.Agent.StartAdminAction(session.AdminActionUnlock)
	s := r.WaitScreen(session.ScreenAdminForm)
	g := r.Gate()
	holder.Hold(g) // the card's part waits on the holder's card
	r.Agent.SubmitAdminForm(s.Question, true, "forgot passcode, seen with badge", []byte("246813"), []byte("246813"))
	r.WaitScreen(session.ScreenAdminWorking)
	r.Pull("Reader 0")
	if s = r.WaitScreen(session.ScreenLocked); s.Admin != nil {
		t.Fatalf("admin picture behind the lock: %+v", s.Admin)
	}
	g.Open()
	r.sync()
	if cur, next := r.Backend.PUK(holder.GUID()); cur != sessiontest.FactoryPUK || next != "" && next != sessiontest.NextPUK {
		t.Fatalf("identityd holds %s, %s", cur, next)
	}
	// The holder's card, moved to the first reader, answers as before.
	r.Pull("Reader 1")
	r.Insert("Reader 0", holder)
	if s = r.WaitFor("the holder's card", func(s session.State) bool {
		return s.Screen == session.ScreenBlocked || s.Screen == session.ScreenPasscode
	}); s.Screen != session.ScreenBlocked {
		t.Fatalf("the holder's card after the cut-short unlock: %v %q", s.Screen, s.Problem)
	}
}

// raRoles is an administrator's roles: working as an RA.
func raRoles(b *sessiontest.Backend) {
	b.Roles = []api.Role{{ID: "ra1", Name: "Registration Authority Agent", OrganisationID: "RX1",
		OrganisationName: "Riverside Hospital", Admin: api.AdminRA}}
}

// sponsorRoles is an administrator's roles: working as a sponsor.
func sponsorRoles(b *sessiontest.Backend) {
	b.Roles = []api.Role{{ID: "sp1", Name: "Sponsor", OrganisationID: "RX1",
		OrganisationName: "Riverside Hospital", Admin: api.AdminSponsor}}
}

// serviceTarget logs admin in and reads holder in Reader 1 in admin mode.
func serviceTarget(t *testing.T, r *rig, admin, holder *sessiontest.Card) session.State {
	t.Helper()
	r.loginAs(admin, "123456", 0)
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Insert("Reader 1", holder)
	return r.WaitFor("the card to service", func(s session.State) bool {
		return s.Screen == session.ScreenAdmin && s.Admin.Target != nil && s.Admin.Target.Name != ""
	})
}

// TestAdminRepairFaceToFace: an RA may unlock, repair and renew; a repair
// of a blocked card sets the holder's new passcode, then new keys and
// certificates, and the holder logs in with both.
func TestAdminRepairFaceToFace(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	ra := newTestCard(t, "Rae Agent", "555000000002", twoYears)
	holder := newTestCard(t, "Jo Holder", "555000000009", time.Now().AddDate(0, 0, 20))
	blockOnCard(t, holder)
	s := serviceTarget(t, r, ra, holder)
	want := []session.AdminAction{session.AdminActionUnlock, session.AdminActionRepair, session.AdminActionCancel} // blocked: no renewal
	if !slices.Equal(s.Admin.Actions, want) {
		t.Fatalf("an RA is offered %v for a blocked card", s.Admin.Actions)
	}
	r.Agent.StartAdminAction(session.AdminActionRepair)
	s = r.WaitScreen(session.ScreenAdminForm)
	if s.Admin.Action != session.AdminActionRepair || !s.Admin.Action.NewPasscode() {
		t.Fatalf("the form is for %q", s.Admin.Action)
	}
	r.Agent.SubmitAdminForm(s.Question, true, "cannot log in, seen with badge", []byte("246813"), []byte("246813"))
	s = r.WaitFor("repaired", func(s session.State) bool {
		return s.Screen == session.ScreenAdminDone || s.Screen == session.ScreenAdminFailed
	})
	if s.Screen != session.ScreenAdminDone || s.Admin.Target.Blocked || !s.Admin.Target.NotAfter.After(time.Now().AddDate(1, 6, 0)) {
		t.Fatalf("after the repair: %v %q %q %+v", s.Screen, s.Problem, s.Fix, s.Admin.Target)
	}
	if r.Backend.Called("admin-renewal") != 1 || r.Backend.Called("renew-complete") != 1 {
		t.Fatalf("identityd was called %v", r.Backend.Calls())
	}
	// The holder logs in with the new passcode and the new certificate.
	r.Pull("Reader 1")
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	s = r.loginAs(holder, "246813", 0)
	if s.Expiry != nil {
		t.Fatalf("the repaired card's certificate still close to expiry: %+v", s.Expiry)
	}
	for _, secret := range []string{"246813", sessiontest.FactoryPUK, sessiontest.NextPUK} {
		if testkit.HoldsSecret(r.logs.String(), secret) {
			t.Errorf("%s is in the agent's log", secret)
		}
	}
}

// A repair whose card took the new passcode but not its new keys says so,
// and offers to try again; the card reads as unlocked.
func TestAdminRepairHalfDone(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	holder := newTestCard(t, "Jo Holder", "555000000009", twoYears)
	blockOnCard(t, holder)
	serviceTarget(t, r, newTestCard(t, "Rae Agent", "555000000002", twoYears), holder)
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailIssue = &client.APIError{Status: 503, Code: api.CodeUnavailable} })
	r.Agent.StartAdminAction(session.AdminActionRepair)
	s := r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitAdminForm(s.Question, true, "cannot log in, seen with badge", []byte("246813"), []byte("246813"))
	s = r.WaitScreen(session.ScreenAdminFailed)
	if s.Problem != wording.AdminRepairHalfDone.Problem || !s.Retryable || s.Admin.Target.Blocked {
		t.Fatalf("half a repair: %q %v %+v", s.Problem, s.Retryable, s.Admin.Target)
	}
}

// TestAdminCancelFromTheCard: an RA cancels the card in the other reader
// after confirming; without the confirmation nothing reaches identityd;
// once cancelled the card is offered nothing more.
func TestAdminCancelFromTheCard(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	holder := newTestCard(t, "Jo Holder", "555000000009", twoYears)
	serviceTarget(t, r, newTestCard(t, "Rae Agent", "555000000002", twoYears), holder)
	r.Agent.StartAdminAction(session.AdminActionCancel)
	s := r.WaitScreen(session.ScreenAdminForm)
	if s.Admin.Action.AsksPasscode() {
		t.Fatal("a cancellation asks for a passcode")
	}
	r.Agent.SubmitAdminForm(s.Question, false, "reported stolen", nil, nil)
	if s = r.answer(s.Question); s.Message != wording.AdminCancelConfirmFirst || r.Backend.Called("admin-cancel") != 0 {
		t.Fatalf("unconfirmed: %q, %d calls", s.Message, r.Backend.Called("admin-cancel"))
	}
	r.Agent.SubmitAdminForm(s.Question, true, "reported stolen", nil, nil)
	s = r.WaitScreen(session.ScreenAdminDone)
	if s.Hint != wording.AdminCancelled || s.Admin.Target.State != "cancelled" || len(s.Admin.Actions) != 0 {
		t.Fatalf("cancelled: %q %+v %v", s.Hint, s.Admin.Target, s.Admin.Actions)
	}
	if !slices.Equal(r.Backend.AdminReasons, []string{"reported stolen"}) {
		t.Fatalf("reasons %q", r.Backend.AdminReasons)
	}
}

// TestSponsorRenewal: a sponsor may only renew; the holder's mistyped
// passcode asks again and changes nothing; identityd's refusal outside the
// sponsor window is told in words.
func TestSponsorRenewal(t *testing.T) {
	r := newRig(t, session.Config{}, sponsorRoles)
	sponsor := newTestCard(t, "Sol Sponsor", "555000000003", twoYears)
	holder := newTestCard(t, "Jo Holder", "555000000009", time.Now().AddDate(0, 0, 20))
	s := serviceTarget(t, r, sponsor, holder)
	if !slices.Equal(s.Admin.Actions, []session.AdminAction{session.AdminActionRenew}) {
		t.Fatalf("a sponsor is offered %v", s.Admin.Actions)
	}
	r.Agent.StartAdminAction(session.AdminActionUnlock) // not offered: nothing happens
	r.Agent.StartAdminAction(session.AdminActionRenew)
	s = r.WaitScreen(session.ScreenAdminForm)
	if s.Admin.Action != session.AdminActionRenew || s.Admin.Action.NewPasscode() {
		t.Fatalf("the form is for %q", s.Admin.Action)
	}
	r.Agent.SubmitAdminForm(s.Question, true, "expiring, seen with badge", []byte("999999"), nil)
	s = r.WaitFor("asked again", func(n session.State) bool { return n.Screen == session.ScreenAdminForm && n.Question != s.Question })
	if s.Message != wording.WrongPasscode(2) || s.TriesLeft != 2 || r.Backend.Called("renew-card-auth:generate-9c") != 0 {
		t.Fatalf("after a wrong passcode: %q, %d tries, calls %v", s.Message, s.TriesLeft, r.Backend.Calls())
	}
	r.Agent.SubmitAdminForm(s.Question, true, "expiring, seen with badge", []byte("123456"), nil)
	s = r.WaitFor("renewed", func(s session.State) bool {
		return s.Screen == session.ScreenAdminDone || s.Screen == session.ScreenAdminFailed
	})
	if s.Screen != session.ScreenAdminDone {
		t.Fatalf("after the renewal: %v %q %q", s.Screen, s.Problem, s.Fix)
	}

	r.Agent.CloseAdmin()
	r.WaitScreen(session.ScreenActive)
	r.Backend.FailAdmin = &client.APIError{Status: 403, Code: api.CodeRenewalRefused, RenewalRefusal: api.RenewalOutsideSponsorWindow}
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Agent.StartAdminAction(session.AdminActionRenew)
	s = r.WaitScreen(session.ScreenAdminForm)
	r.Agent.SubmitAdminForm(s.Question, true, "expiring, seen with badge", []byte("123456"), nil)
	s = r.WaitScreen(session.ScreenAdminFailed)
	if s.Problem != wording.AdminRenewalRefused || s.Fix != wording.AdminRenewalRefusal("outside_sponsor_window") || s.Retryable {
		t.Fatalf("refused: %q %q %v", s.Problem, s.Fix, s.Retryable)
	}
}
