package session_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/wording"
)

func TestJourney(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.Set(func(b *sessiontest.Backend) { b.TermsRequired = true })
	alice := newTestCard(t, "Alice Example", "123456789012", twoYears)
	r.Insert("Reader 0", alice)

	s := r.WaitScreen(session.ScreenPasscode)
	if s.Card == nil || s.Card.Name != "Alice Example" || s.Card.UUID != "123456789012" || s.TriesLeft != 3 {
		t.Fatalf("passcode prompt %+v card %+v", s, s.Card)
	}
	if s.Rule != (session.PasscodeRule{MinLength: 6, MaxLength: 8}) || s.Reader != "Reader 0" {
		t.Fatalf("rule %+v reader %q", s.Rule, s.Reader)
	}

	// Wrong passcode: the card says 2 tries left.
	r.Submit([]byte("999999"))
	s = r.WaitFor("wrong passcode", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Message != "" })
	if s.TriesLeft != 2 || !strings.Contains(s.Message, "Wrong passcode") {
		t.Fatalf("after a wrong passcode: %+v", s)
	}

	pin := []byte("123456")
	r.Submit(pin)
	s = r.WaitScreen(session.ScreenTerms)
	if s.Terms == nil || s.Terms.Version != 3 {
		t.Fatalf("terms %+v", s.Terms)
	}
	if !allZero(pin) {
		t.Fatalf("passcode buffer not wiped: %q", pin)
	}
	r.AcceptTerms()
	s = r.WaitScreen(session.ScreenRoles)
	if len(s.Roles) != 2 || s.Roles[1].Organisation != "Hillside Surgery" || s.RoleIndex != 0 {
		t.Fatalf("roles %+v pre %d", s.Roles, s.RoleIndex)
	}
	r.SelectRole(1)
	s = r.WaitScreen(session.ScreenActive)
	if s.Active == nil || s.Active.Role != "Nurse" || s.Active.Organisation != "Hillside Surgery" || s.Active.User != "Alice Example" {
		t.Fatalf("active %+v", s.Active)
	}
	eventually(t, "ticket in the keyring", func() bool { tk := r.Tickets.Get(); return tk != nil && tk.Token == "token-1" && tk.RoleID == "r2" })

	// Pull the card: locked at once, session ended, ticket gone.
	r.Pull("Reader 0")
	s = r.WaitScreen(session.ScreenLocked)
	if s.Active == nil || s.Active.Suspended {
		t.Fatalf("locked %+v", s.Active)
	}
	eventually(t, "session ended", func() bool { return r.Backend.Called("end") == 1 })
	eventually(t, "ticket deleted", func() bool { return r.Tickets.Get() == nil })

	// Next login of the same user preselects the role used last.
	r.Backend.Set(func(b *sessiontest.Backend) { b.TermsRequired = false })
	r.Insert("Reader 0", alice)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	if s = r.WaitScreen(session.ScreenRoles); s.RoleIndex != 1 {
		t.Fatalf("last role not preselected: %d", s.RoleIndex)
	}
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func TestRuleCheckedBeforeTheCard(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Bob", "222222222222", twoYears)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	before := c.Conn().APDUs()
	r.Submit([]byte("12"))
	s := r.WaitFor("rule message", func(s session.State) bool { return s.Message != "" })
	if !strings.Contains(s.Message, "6 to 8 characters") || s.TriesLeft != 3 {
		t.Fatalf("%+v", s)
	}
	if c.Conn().APDUs() != before {
		t.Fatalf("%d APDUs sent for a passcode that breaks the rule", c.Conn().APDUs()-before)
	}
}

func TestBlockedCardSendsNoMoreVerify(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Carol", "333333333333", twoYears)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	for i := 0; i < 2; i++ {
		r.Submit([]byte("000000"))
		r.WaitFor("wrong", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.TriesLeft == 2-i })
	}
	r.Submit([]byte("000000"))
	s := r.WaitScreen(session.ScreenBlocked)
	if !strings.Contains(s.Fix, "self-service unlock") || !strings.Contains(s.Fix, "Local Smartcard Administrator") {
		t.Fatalf("blocked fix %q", s.Fix)
	}
	n := c.Conn().APDUs()
	r.Submit([]byte("123456")) // ignored: no prompt on this screen
	r.sync()
	if c.Conn().APDUs() != n {
		t.Fatal("a VERIFY was sent to a blocked card")
	}
	// Re-inserting a blocked card goes straight to the blocked screen.
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenInsertCard)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenBlocked)
}

func TestSingleRoleIsSelectedAutomatically(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.Roles = r.Backend.Roles[:1]
	s := r.loginAs(newTestCard(t, "Dan", "444444444444", twoYears), "123456", 0)
	if s.Active.Role != "Clinical Practitioner" || r.Backend.Called("role:r1") != 1 {
		t.Fatalf("%+v", s.Active)
	}
}

func TestExpiryAlert(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.Cert = api.CertificateStatus{DaysLeft: 23, ExpiryAlert: true, SelfRenewalAllowed: true}
	s := r.loginAs(newTestCard(t, "Eve", "555555555555", time.Now().AddDate(0, 0, 23)), "123456", 0)
	if s.Expiry == nil || s.Expiry.Text() != "Your certificates expire in 23 days. Renew them now." {
		t.Fatalf("expiry %+v", s.Expiry)
	}
	r2 := newRig(t, session.Config{})
	r2.Backend.Cert = api.CertificateStatus{DaysLeft: 40, ExpiryAlert: true, RenewalRefusal: api.RenewalRADue}
	s = r2.loginAs(newTestCard(t, "Fay", "666666666666", time.Now().AddDate(0, 0, 40)), "123456", 0)
	if s.Expiry == nil || !strings.Contains(s.Expiry.Text(), "Every third renewal") {
		t.Fatalf("RA due: %+v", s.Expiry)
	}
}

func TestSessionLockPersistence(t *testing.T) {
	r := newRig(t, session.Config{Mode: session.ModeSLP})
	alice := newTestCard(t, "Alice", "123456789012", twoYears)
	active := r.loginAs(alice, "123456", 0)

	r.Pull("Reader 0")
	s := r.WaitScreen(session.ScreenLocked)
	if s.Active == nil || !s.Active.Suspended {
		t.Fatalf("locked %+v", s.Active)
	}
	eventually(t, "suspended", func() bool { return r.Backend.Called("suspend") == 1 })
	eventually(t, "ticket deleted", func() bool { return r.Tickets.Get() == nil })

	r.Insert("Reader 0", alice)
	s = r.WaitScreen(session.ScreenPasscode)
	if !strings.Contains(s.Hint, "locked") {
		t.Fatalf("resume prompt %q", s.Hint)
	}
	r.Submit([]byte("123456"))
	s = r.WaitScreen(session.ScreenActive)
	if r.Backend.Called("resume") != 1 || r.Backend.Called("login") != 1 {
		t.Fatalf("calls %v", r.Backend.Calls())
	}
	if !s.Active.Since.Equal(active.Active.Since) {
		t.Fatal("resume started a new session time")
	}

	// Another card while a session is parked: that session is ended, the
	// newcomer logs in afresh.
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	eventually(t, "suspended again", func() bool { return r.Backend.Called("suspend") == 2 })
	r.Insert("Reader 0", newTestCard(t, "Bob", "222222222222", twoYears))
	if s := r.WaitScreen(session.ScreenPasscode); s.Active != nil || strings.Contains(s.Hint, "locked") {
		t.Fatalf("the previous user's session shows on Bob's prompt: %+v %q", s.Active, s.Hint)
	}
	r.sync()
	if r.Backend.Called("end") != 0 {
		t.Fatal("the parked session ended before anyone else logged in")
	}
	r.Submit([]byte("123456"))
	r.WaitFor("roles or active", func(s session.State) bool { return s.Screen == session.ScreenRoles })
	if r.Backend.Called("login") != 2 {
		t.Fatalf("calls %v", r.Backend.Calls())
	}
	eventually(t, "parked session ended once Bob logged in", func() bool { return r.Backend.Called("end") == 1 })
}

func TestBackendDownThenRetry(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.FailChallenge = sessiontest.ErrDown
	c := newTestCard(t, "Gus", "777777777777", twoYears)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	s := r.WaitScreen(session.ScreenBackendError)
	if !s.Retryable || !strings.Contains(s.Problem, "cannot be reached") {
		t.Fatalf("%+v", s)
	}
	if n := c.Info().PINTriesLeft; n != 3 {
		t.Fatalf("a try was used while the backend was down: %d left", n)
	}
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailChallenge = nil })
	r.Agent.Retry()
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
}

// The lock never waits for the network: a backend stuck in Login or End
// does not delay the locked screen.
func TestLockDoesNotWaitForTheBackend(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Hal", "888888888888", twoYears)
	r.loginAs(c, "123456", 0)
	r.Backend.Set(func(b *sessiontest.Backend) { b.EndDelay = 3 * time.Second })
	start := time.Now()
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("lock took %v", d)
	}

	// Pulled while the backend is still deciding on the login: the screen
	// changes at once, and the session the backend then opens is ended.
	release := r.Gate()
	r.Backend.Set(func(b *sessiontest.Backend) { b.EndDelay, b.LoginGate = 0, release })
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenSigningIn)
	eventually(t, "login called", func() bool { return r.Backend.Called("login") == 2 })
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenInsertCard)
	release.Open()
	// The second login's session, by its state: counting End calls would
	// also count the retries of the first, slow end.
	eventually(t, "orphan session ended", func() bool { return r.Backend.State("s2") == api.SessionEnded })
}

func TestCardPulledDuringPasscodeAndRoles(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Ida", "999999999999", twoYears)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenInsertCard)

	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	eventually(t, "session ended", func() bool { return r.Backend.Called("end") == 1 })
	r.SelectRole(0) // too late: ignored
	r.sync()
	if r.Backend.Called("role:r1") != 0 {
		t.Fatal("a role was chosen after the card left")
	}
}

func TestServiceLostLocksAndRecovers(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Jo", "101010101010", twoYears)
	r.loginAs(c, "123456", 0)
	r.Readers.Send(reader.Event{Kind: reader.ServiceLost, Err: errors.New("pcscd died")})
	s := r.WaitScreen(session.ScreenNoService)
	if s.Problem == "" || s.Fix == "" {
		t.Fatalf("%+v", s)
	}
	eventually(t, "session ended", func() bool { return r.Backend.Called("end") == 1 })
	r.Readers.Send(reader.Event{Kind: reader.ServiceBack})
	r.Readers.Send(reader.Event{Kind: reader.ReaderAdded, Reader: "Reader 0"})
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
}

func TestTwoReadersPreferred(t *testing.T) {
	r := newRig(t, session.Config{ReaderPrefer: "Reader 1"})
	c := newTestCard(t, "Kim", "121212121212", twoYears)
	r.Insert("Reader 0", c) // not the preferred reader: ignored while Reader 1 exists
	r.sync()
	if r.Agent.Current().Screen != session.ScreenInsertCard {
		t.Fatalf("used the other reader: %v", r.Agent.Current().Screen)
	}
	r.Insert("Reader 1", newTestCard(t, "Lee", "131313131313", twoYears))
	if s := r.WaitScreen(session.ScreenPasscode); s.Reader != "Reader 1" || s.Card.Name != "Lee" {
		t.Fatalf("%+v", s)
	}
}

func TestDeclineTerms(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.TermsRequired = true
	r.Insert("Reader 0", newTestCard(t, "Max", "141414141414", twoYears))
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenTerms)
	r.DeclineTerms()
	s := r.WaitFor("declined", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Message != "" })
	if !strings.Contains(s.Message, "terms") {
		t.Fatalf("%q", s.Message)
	}
	eventually(t, "session ended", func() bool { return r.Backend.Called("end") == 1 })
}

func TestLogoutAndLockIntents(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Ned", "151515151515", twoYears)
	r.loginAs(c, "123456", 0)
	r.Agent.Lock()
	s := r.WaitScreen(session.ScreenPasscode) // the card is still in: its owner unlocks with the passcode
	if s.Card == nil || s.Card.Name != "Ned" {
		t.Fatalf("%+v", s)
	}
	eventually(t, "ended on lock", func() bool { return r.Backend.Called("end") == 1 })
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	r.SelectRole(0)
	r.WaitScreen(session.ScreenActive)
	r.Agent.Logout()
	s = r.WaitFor("logged out", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Hint == wording.LoggedOut })
	eventually(t, "ended on logout", func() bool { return r.Backend.Called("end") == 2 })
	eventually(t, "no ticket", func() bool { return r.Tickets.Get() == nil })
}

func TestQuitEndsTheSession(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Oli", "161616161616", twoYears), "123456", 0)
	r.Agent.Quit()
	select {
	case <-r.Stopped():
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Quit")
	}
	if r.Backend.Called("end") != 1 || r.Tickets.Get() != nil {
		t.Fatalf("calls %v, ticket %v", r.Backend.Calls(), r.Tickets.Get())
	}
}

// The passcode reaches the card and nowhere else: not the logs (APDU trace
// on), not the backend's requests, not the keyring.
func TestPasscodeGoesNowhereButTheCard(t *testing.T) {
	r := newRig(t, session.Config{})
	const pin = "864213"
	c := newTestCard(t, "Pat", "171717171717", twoYears)
	if err := c.SetPIN([]byte(pin)); err != nil {
		t.Fatal(err)
	}
	r.loginAs(c, pin, 0)
	logs := r.logs.String()
	for _, leak := range []string{pin, "383634323133", "38 36 34 32 31 33"} {
		if strings.Contains(strings.ToUpper(logs), strings.ToUpper(leak)) {
			t.Fatalf("passcode in the logs:\n%s", logs)
		}
	}
	if !strings.Contains(logs, "apdu") {
		t.Fatal("the APDU trace was not on: the test proves nothing")
	}
	eventually(t, "ticket saved", func() bool { return r.Tickets.Get() != nil })
	if tk := r.Tickets.Get(); strings.Contains(tk.Token+tk.SessionID+tk.UserID, pin) {
		t.Fatalf("ticket %+v", tk)
	}
}

// The login-shaped sequence with the certificate cached: APDUs per login.
// Insertion: SELECT, GET DATA (CHUID), empty VERIFY; login: SELECT, VERIFY,
// GENERAL AUTHENTICATE, VERIFY P1=FF (the card forgets the passcode before
// the transaction ends).
func TestAPDUsPerLogin(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Quin", "181818181818", twoYears)
	r.loginAs(c, "123456", 0)
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	r.Insert("Reader 0", c) // a fresh conn counts from zero
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	if n := c.Conn().APDUs(); n > 7 {
		t.Fatalf("%d APDUs for a login with the certificate cached, want ≤ 7", n)
	} else {
		t.Logf("%d APDUs per login (certificate cached)", n)
	}
}

// PIV protects the facial image with the PIN, so the first login reads it
// after VERIFY; from then on the prompt shows it before typing.
func TestPhotoShownFromTheSecondInsertion(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Ray", "191919191919", twoYears)
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 600)...)
	if err := c.PutObject(0x5FC108, apdu.Encode(0xBC, jpeg)); err != nil {
		t.Fatal(err)
	}
	r.Insert("Reader 0", c)
	if s := r.WaitScreen(session.ScreenPasscode); len(s.Card.Photo) != 0 {
		t.Fatal("photo read without the PIN")
	}
	r.Submit([]byte("123456"))
	if s := r.WaitScreen(session.ScreenRoles); len(s.Card.Photo) == 0 {
		t.Fatal("no photo after the PIN")
	}
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	r.Insert("Reader 0", c)
	if s := r.WaitScreen(session.ScreenPasscode); len(s.Card.Photo) == 0 {
		t.Fatal("photo not shown at the second insertion")
	}
}

// A backend that is down when the agent starts must not leave it on the
// default policy for good: the next card fetches it again.
func TestPolicyFetchedAgainAfterAFailure(t *testing.T) {
	r := newRig(t, session.Config{}, func(b *sessiontest.Backend) { b.FailPolicy, b.Rules.SessionLockPersistence = sessiontest.ErrDown, true })
	eventually(t, "first policy call", func() bool { return r.Backend.Called("policy") == 1 })
	if s := r.Agent.Current(); s.Rule != session.DefaultRule {
		t.Fatalf("rule %+v before any policy", s.Rule)
	}
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPolicy = nil })
	c := newTestCard(t, "Sue", "202020202020", twoYears)
	r.Insert("Reader 0", c)
	r.WaitFor("policy learned", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Rule.MinLength == 6 })
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	r.SelectRole(0)
	r.WaitScreen(session.ScreenActive)
	r.Pull("Reader 0")
	if s := r.WaitScreen(session.ScreenLocked); s.Active == nil || !s.Active.Suspended {
		t.Fatalf("the policy's Session Lock Persistence was not applied: %+v", s.Active)
	}
}

// An LSA's own card pulled from reader 0 while a user's card sits in reader
// 1: the LSA's parked session must survive the user's card being read.
func TestParkedSessionSurvivesASecondReader(t *testing.T) {
	r := newRig(t, session.Config{Mode: session.ModeSLP})
	lsa := newTestCard(t, "Lee LSA", "303030303030", twoYears)
	r.loginAs(lsa, "123456", 0)
	r.Insert("Reader 1", newTestCard(t, "Uma User", "313131313131", twoYears))
	r.Pull("Reader 0")
	r.WaitFor("user's card read", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Reader == "Reader 1" })
	eventually(t, "suspended", func() bool { return r.Backend.Called("suspend") == 1 })
	r.sync()
	if n := r.Backend.Called("end"); n != 0 {
		t.Fatalf("the LSA's parked session was ended (%d end calls)", n)
	}
}

func TestRetryAfterAcceptTermsFailed(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.Set(func(b *sessiontest.Backend) { b.TermsRequired = true })
	r.Insert("Reader 0", newTestCard(t, "Vic", "323232323232", twoYears))
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenTerms)
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailTerms = sessiontest.ErrDown })
	r.AcceptTerms()
	r.WaitScreen(session.ScreenBackendError)
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailTerms = nil })
	r.Agent.Retry()
	r.WaitScreen(session.ScreenRoles)
	if r.Backend.Called("terms") != 2 {
		t.Fatalf("calls %v", r.Backend.Calls())
	}
}

// Behind a locked screen the card must not stay unlocked for other programs.
func TestLockMakesTheCardForgetThePasscode(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Wyn", "333333333334", twoYears)
	r.loginAs(c, "123456", 0)
	r.Agent.Lock()
	s := r.WaitScreen(session.ScreenPasscode)
	if s.TriesLeft != 3 {
		t.Fatalf("tries left %d after Lock: the card still holds the verified passcode", s.TriesLeft)
	}
	// A signature now needs the passcode again.
	resp, _ := c.Transmit([]byte{0x00, 0x20, 0x00, 0x80})
	if len(resp) != 2 || resp[0] != 0x63 {
		t.Fatalf("empty VERIFY after Lock answered % X, want 63Cx (not verified)", resp)
	}
}

// The card pulled in the middle of VERIFY, and in the middle of the
// signature: no session, no stuck screen, no try lost to a half-sent VERIFY
// being misread, and the next insertion works.
func TestCardPulledDuringVerifyAndSigning(t *testing.T) {
	for _, tc := range []struct {
		name string
		ins  byte
	}{{"verify", 0x20}, {"signing", 0x87}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, session.Config{})
			c := newTestCard(t, "Xan", "343434343434", twoYears)
			r.Insert("Reader 0", c)
			r.WaitScreen(session.ScreenPasscode)
			c.Conn().PullOn(tc.ins, func() { go r.Pull("Reader 0") })
			r.Submit([]byte("123456"))
			r.WaitScreen(session.ScreenInsertCard)
			r.sync()
			if n := r.Backend.Called("login"); n != 0 {
				t.Fatalf("%d logins for a card pulled mid-%s", n, tc.name)
			}
			r.Insert("Reader 0", c)
			if s := r.WaitScreen(session.ScreenPasscode); s.TriesLeft != 3 {
				t.Fatalf("tries left %d after the pull", s.TriesLeft)
			}
			r.Submit([]byte("123456"))
			r.WaitScreen(session.ScreenRoles)
		})
	}
}

// A 5xx from the backend is a clear, retryable error; the lock stays instant.
func TestBackend5xx(t *testing.T) {
	r := newRig(t, session.Config{})
	r.Backend.Set(func(b *sessiontest.Backend) {
		b.FailChallenge = &client.APIError{Status: 503, Code: api.CodeUnavailable, Message: "maintenance"}
	})
	r.Insert("Reader 0", newTestCard(t, "Yas", "353535353535", twoYears))
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	s := r.WaitScreen(session.ScreenBackendError)
	if !s.Retryable || s.Problem == "" {
		t.Fatalf("%+v", s)
	}
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenInsertCard)
}
