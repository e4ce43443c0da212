package session_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// inWindow is a certificate 30 days from expiry that may be renewed.
func inWindow(b *sessiontest.Backend) {
	b.Cert = api.CertificateStatus{DaysLeft: 30, ExpiryAlert: true, SelfRenewalAllowed: true}
}

// TestRenewFromTheActiveSession: the popup asks for the passcode; a wrong
// one costs a try and changes nothing; the right one runs every step and
// ends with the new expiry; the card then logs in with its new certificate.
func TestRenewFromTheActiveSession(t *testing.T) {
	r := newRig(t, session.Config{}, inWindow)
	c := newTestCard(t, "Jo", "101010101010", time.Now().AddDate(0, 0, 30))
	if s := r.loginAs(c, "123456", 0); s.Expiry == nil || !s.Expiry.CanSelfRenew {
		t.Fatalf("no renewal offered: %+v", s.Expiry)
	}
	r.Agent.Renew()
	r.WaitScreen(session.ScreenRenewPasscode)
	r.SubmitRenewal([]byte("654321"))
	s := r.WaitFor("wrong passcode", func(s session.State) bool { return s.Screen == session.ScreenRenewPasscode && s.Message != "" })
	if s.TriesLeft != 2 || s.Message != wording.WrongPasscode(2) {
		t.Fatalf("wrong passcode: tries %d, %q", s.TriesLeft, s.Message)
	}
	if n := r.Backend.Called("renew-key:9c"); n != 0 {
		t.Fatalf("a wrong passcode generated keys (%d)", n)
	}

	var steps []session.RenewalStep
	resets := c.Conn().Resets()
	r.SubmitRenewal([]byte("123456"))
	done := r.WaitFor("renewed", func(s session.State) bool {
		if s.Screen == session.ScreenRenewing && (len(steps) == 0 || steps[len(steps)-1] != s.Renewing) {
			steps = append(steps, s.Renewing)
		}
		return s.Screen == session.ScreenRenewed
	})
	if done.RenewedUntil.Before(time.Now().AddDate(1, 11, 0)) || done.Expiry != nil {
		t.Errorf("renewed until %v, expiry alert %+v", done.RenewedUntil, done.Expiry)
	}
	if len(steps) == 0 || steps[0] != session.RenewPreparing {
		t.Errorf("progress %v", steps)
	}
	if c.Conn().Resets() == resets { // the authenticated management key must not outlive it
		t.Error("the renewal's transaction did not end with a card reset")
	}
	old := c.Cert.Raw
	r.Agent.CloseRenewal()
	r.WaitScreen(session.ScreenActive)

	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	r.Backend.Set(func(b *sessiontest.Backend) { b.Cert = api.CertificateStatus{DaysLeft: 730} })
	if s := r.loginAs(c, "123456", 0); s.Expiry != nil {
		t.Errorf("after renewal the alert still shows: %+v", s.Expiry)
	}
	if got := r.Backend.Calls(); !slices.Contains(got, "renew-complete") {
		t.Errorf("calls %v", got)
	}
	if bytes.Equal(r.Backend.LoginCert(), old) {
		t.Error("the card logged in with its old certificate")
	}
}

// TestRenewalNotOffered: the popup says why instead of asking.
func TestRenewalNotOffered(t *testing.T) {
	r := newRig(t, session.Config{}, func(b *sessiontest.Backend) {
		b.Cert = api.CertificateStatus{DaysLeft: 20, ExpiryAlert: true, RenewalRefusal: api.RenewalRADue}
	})
	r.loginAs(newTestCard(t, "Kit", "202020202020", time.Now().AddDate(0, 0, 20)), "123456", 0)
	r.Agent.Renew()
	s := r.WaitScreen(session.ScreenRenewFailed)
	if s.Problem != wording.RenewalNotOffered || s.Fix != wording.RenewalRADue {
		t.Fatalf("%q %q", s.Problem, s.Fix)
	}
	r.Agent.CloseRenewal()
	r.WaitScreen(session.ScreenActive)
}

// TestCardPulledDuringRenewal: the screen locks at once; the renewal waits
// at identityd where it stood (the card holds new keys and its old
// certificates), and nothing more reaches the card. At the next insert the
// login is refused as renewal_incomplete: the popup asks for the passcode,
// finishes the renewal, and the card then logs in with its new certificate.
func TestCardPulledDuringRenewal(t *testing.T) {
	r := newRig(t, session.Config{}, inWindow)
	gate := r.Gate()
	r.Backend.Set(func(b *sessiontest.Backend) { b.RenewalGate = gate })
	c := newTestCard(t, "Lee", "303030303030", time.Now().AddDate(0, 0, 30))
	r.loginAs(c, "123456", 0)
	r.Agent.Renew()
	r.WaitScreen(session.ScreenRenewPasscode)
	r.SubmitRenewal([]byte("123456"))
	r.WaitFor("requesting", func(s session.State) bool {
		return s.Screen == session.ScreenRenewing && s.Renewing == session.RenewRequesting
	})
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	gate.Open()
	r.sync()
	if n := r.Backend.Called("renew-complete"); n != 0 {
		t.Errorf("the renewal went on without the card (%d completes)", n)
	}
	if s := r.Agent.Current(); s.Screen != session.ScreenLocked {
		t.Errorf("after the pull the screen is %v", s.Screen)
	}

	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	s := r.WaitScreen(session.ScreenRenewPasscode)
	if s.Message != wording.RenewUnfinished {
		t.Fatalf("unfinished renewal: %q", s.Message)
	}
	r.SubmitRenewal([]byte("123456"))
	r.WaitScreen(session.ScreenRenewed)
	r.Agent.CloseRenewal()
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	r.SelectRole(0)
	r.WaitScreen(session.ScreenActive)
	if bytes.Equal(r.Backend.LoginCert(), c.Cert.Raw) {
		t.Error("the card logged in with its old certificate")
	}
}

// TestRenewalReminder: inside the window the popup opens by itself at the
// first login of the day, and not again that day.
func TestRenewalReminder(t *testing.T) {
	r := newRig(t, session.Config{Reminders: &sessiontest.ReminderDays{}}, inWindow)
	c := newTestCard(t, "Max", "404040404040", time.Now().AddDate(0, 0, 30))
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	r.SelectRole(0)
	r.WaitScreen(session.ScreenRenewPasscode)
	r.Agent.CloseRenewal()
	r.WaitScreen(session.ScreenActive)
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	r.loginAs(c, "123456", 0)
	r.sync()
	if s := r.Agent.Current(); s.Screen != session.ScreenActive {
		t.Errorf("the reminder opened twice in a day: %v", s.Screen)
	}
}
