package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

func TestStartsOnStartingScreen(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	assertShows(t, u, "NHS Smartcard", "Starting…")
	if u.win.Title() != "NHS Smartcard" {
		t.Errorf("title %q", u.win.Title())
	}
}

func TestInsertCardScreen(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "insert-card"))
	assertShows(t, u, "Insert your smartcard", "Reader: Alcor Micro AU9540 00 00")
	assertHides(t, u, "DEMO")
}

func TestProgressScreens(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "reading-card"))
	assertShows(t, u, "Reading your card…")
	if !u.reading.bar.Running() {
		t.Error("reading card: progress bar not running")
	}
	u.apply(sample(t, "signing-in"))
	assertShows(t, u, "Signing you in…", "Dr Amara Okafor")
	if u.reading.bar.Running() {
		t.Error("reading card progress still running after the screen changed")
	}
}

func TestProblemScreens(t *testing.T) {
	cases := map[string]struct {
		title string
		retry bool
	}{
		"no-service":    {"Smartcard service not running", false},
		"no-reader":     {"No card reader found", false},
		"card-problem":  {"This card cannot be used", false},
		"blocked":       {"Your smartcard is locked", false},
		"backend-error": {"Cannot sign you in", true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			u, f := newTestUI(t, normalSize)
			st := sample(t, name)
			u.apply(st)
			assertShows(t, u, c.title, st.Problem, "What to do", st.Fix)
			if got := isShown(u, u.problem.retry); got != c.retry {
				t.Errorf("Retry button shown = %v, want %v", got, c.retry)
			}
			if isShown(u, u.passcode.entry) {
				t.Error("a passcode field is shown on a problem screen")
			}
			if c.retry {
				test.Tap(u.problem.retry)
				if got := f.got(); !slices.Equal(got, []string{"Retry"}) {
					t.Errorf("intents %q, want Retry", got)
				}
			}
		})
	}
}

func TestBlockedShowsHowToUnlockAndNoPasscodeField(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode"))
	u.apply(sample(t, "blocked"))
	assertShows(t, u, wording.TitleBlocked, wording.Blocked.Problem, "self-service", "Local Smartcard Administrator")
	assertHides(t, u, "Enter your passcode", "attempts left")
	if isShown(u, u.passcode.entry) {
		t.Error("blocked card: the passcode field is shown")
	}
}

func TestPasscodeScreenBeforeTyping(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode"))
	assertShows(t, u,
		"Dr Amara Okafor",
		"UUID 555000123456",
		"Enter your passcode",
		"3 attempts left",
		"Your passcode is 4 to 8 characters.",
		wording.TermsNotice,
		"Sign in",
	)
	if u.passcode.entry.Text != "" {
		t.Errorf("entry holds %q before typing", u.passcode.entry.Text)
	}
	if c := u.win.Canvas(); c.Focused() != u.passcode.entry {
		t.Errorf("focused %v, want the passcode entry", c.Focused())
	}
	if !u.passcode.entry.Password {
		t.Error("passcode entry does not mask input")
	}
	if u.passcode.photo.src == nil {
		t.Error("photo not shown")
	}
}

func TestPasscodeMessageAndLastTry(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode-wrong"))
	assertShows(t, u, wording.WrongPasscode(1), "1 attempt left", "Your passcode is 6 to 8 digits.")
	if u.passcode.message.Importance != widget.DangerImportance {
		t.Errorf("message importance %v, want danger (error colour)", u.passcode.message.Importance)
	}
}

func TestPasscodeEnterSubmitsAndClears(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode"))
	c := u.win.Canvas()
	if c.Focused() != u.passcode.entry {
		t.Fatalf("focused %v, want the passcode entry", c.Focused())
	}
	test.Type(c.Focused(), "s3cr3t") // types into whatever has the focus
	if u.passcode.entry.Text != "s3cr3t" {
		t.Fatalf("entry holds %q", u.passcode.entry.Text)
	}
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	if got := f.got(); !slices.Equal(got, []string{"SubmitPasscode"}) {
		t.Fatalf("intents %q", got)
	}
	if string(f.passcodes[0]) != "s3cr3t" {
		t.Errorf("submitted %q", f.passcodes[0])
	}
	if u.passcode.entry.Text != "" {
		t.Errorf("entry still holds %q after submit", u.passcode.entry.Text)
	}
	u.passcode.entry.Undo()
	if u.passcode.entry.Text != "" {
		t.Errorf("undo brought back %q", u.passcode.entry.Text)
	}
}

func TestPasscodeSignInButton(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode"))
	test.Tap(u.passcode.submit) // nothing typed: nothing sent
	test.Type(u.passcode.entry, "1234")
	test.Tap(u.passcode.submit)
	if got := f.got(); !slices.Equal(got, []string{"SubmitPasscode"}) || string(f.passcodes[0]) != "1234" {
		t.Fatalf("intents %q passcodes %q", got, f.passcodes)
	}
	if u.passcode.entry.Text != "" {
		t.Errorf("entry still holds %q", u.passcode.entry.Text)
	}
}

// One question, one answer: typing again while the first passcode is being
// checked (the session has not yet moved on) sends nothing and keeps nothing.
func TestPasscodeAnsweredOncePerQuestion(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	st := sample(t, "passcode")
	u.apply(st)
	test.Type(u.passcode.entry, "1234")
	test.Tap(u.passcode.submit)
	u.apply(st) // the same question republished (the policy arrived)
	test.Type(u.passcode.entry, "5678")
	test.Tap(u.passcode.submit)
	if got := f.got(); !slices.Equal(got, []string{"SubmitPasscode"}) {
		t.Fatalf("intents %q, want one answer to one question", got)
	}
	if u.passcode.entry.Text != "" {
		t.Errorf("entry still holds %q", u.passcode.entry.Text)
	}
	next := sample(t, "passcode-wrong")
	next.Question = st.Question + 1
	u.apply(next)
	test.Type(u.passcode.entry, "5678")
	test.Tap(u.passcode.submit)
	if got := f.got(); len(got) != 2 || string(f.passcodes[1]) != "5678" || f.questions[1] != next.Question {
		t.Fatalf("intents %q passcodes %q questions %v", got, f.passcodes, f.questions)
	}
}

func TestPasscodeInputLimitedByRule(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode-wrong")) // 6 to 8 digits
	test.Type(u.passcode.entry, "12a34b5678901")
	if got := u.passcode.entry.Text; got != "12345678" {
		t.Errorf("digits-only max 8: entry holds %q", got)
	}
}

func TestPasscodeClearedWhenScreenChanges(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode"))
	test.Type(u.passcode.entry, "12")
	u.apply(sample(t, "locked"))
	if u.passcode.entry.Text != "" {
		t.Errorf("entry kept %q after the card was pulled", u.passcode.entry.Text)
	}
}

func TestPasscodeRefocusedAfterWrongPasscode(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "passcode"))
	u.win.Canvas().Unfocus()
	u.apply(sample(t, "signing-in"))
	u.apply(sample(t, "passcode-wrong"))
	if u.win.Canvas().Focused() != u.passcode.entry {
		t.Error("passcode entry not focused after a wrong passcode")
	}
}

func TestTermsAcceptAndCancel(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "terms"))
	assertShows(t, u, "Terms and conditions", "Version 3", "Your smartcard and passcode are for your use only", "Accept", "Cancel")
	test.Tap(u.terms.accept)
	test.Tap(u.terms.cancel) // the question is answered: nothing more is sent
	if got := f.got(); !slices.Equal(got, []string{"AcceptTerms"}) {
		t.Errorf("intents %q, want one answer to one question", got)
	}
	st := sample(t, "terms")
	st.Question++ // asked again (the acceptance failed and was retried)
	u.apply(st)
	test.Tap(u.terms.cancel)
	if got := f.got(); !slices.Equal(got, []string{"AcceptTerms", "DeclineTerms"}) {
		t.Errorf("intents %q", got)
	}
}

func TestRolesPreselectedAndListed(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "roles")) // RoleIndex 1
	assertShows(t, u, "Choose your role")
	for _, r := range sampleRoles {
		assertShows(t, u, r.Name, r.OrganisationName)
	}
	if u.roles.list.selected != 1 {
		t.Errorf("preselected %d, want 1", u.roles.list.selected)
	}
	if u.win.Canvas().Focused() != u.roles.list {
		t.Error("role list not focused")
	}
	test.Tap(u.roles.cont)
	if !slices.Equal(f.roles, []int{1}) {
		t.Errorf("Continue selected %v, want [1]", f.roles)
	}
}

func TestRolesKeyboard(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	st := sample(t, "roles")
	st.RoleIndex = 0
	u.apply(st)
	c := u.win.Canvas()
	for _, k := range []fyne.KeyName{fyne.KeyDown, fyne.KeyDown, fyne.KeyDown, fyne.KeyReturn} {
		c.Focused().TypedKey(&fyne.KeyEvent{Name: k}) // the third Down stops at the last role
	}
	if !slices.Equal(f.roles, []int{2}) {
		t.Errorf("Down, Down, Enter selected %v, want [2]", f.roles)
	}
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(f.roles, []int{2}) {
		t.Errorf("a second Enter for the same question sent %v", f.roles)
	}
	st.Question++ // asked again (the role call failed and was retried)
	u.apply(st)
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
	if !slices.Equal(f.roles, []int{2, 1}) {
		t.Errorf("Up, Enter selected %v, want [2 1]", f.roles)
	}
}

func TestRolesSameStateKeepsUsersMove(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	st := sample(t, "roles")
	u.apply(st)
	u.roles.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	st.Seq++
	u.apply(st)
	if u.roles.list.selected != 2 {
		t.Errorf("selected %d after an unrelated State, want 2", u.roles.list.selected)
	}
}

func TestActiveScreen(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "active"))
	assertShows(t, u,
		"Signed in",
		"Dr Amara Okafor",
		"555000123456",
		"Clinical Practitioner Access Role",
		"Leeds Teaching Hospitals NHS Trust (RR8)",
		"1:02:03",
		"Your certificates expire in 23 days. Renew them now.",
	)
	u.tick(fixedNow.Add(time.Minute))
	assertShows(t, u, "1:03:03")

	test.Tap(u.active.lock)
	test.Tap(u.active.logout)
	if got := f.got(); !slices.Equal(got, []string{"Lock", "Logout"}) {
		t.Errorf("intents %q", got)
	}
}

func TestActiveExpiryReason(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "active-ra"))
	assertShows(t, u, "Your certificates expire in 5 days. "+wording.RenewalRADue)
	st := sample(t, "active")
	st.Expiry = nil
	u.apply(st)
	if isShown(u, u.active.banner) {
		t.Error("expiry banner shown without an Expiry")
	}
}

func TestLockedScreen(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "active"))
	u.apply(sample(t, "locked"))
	assertShows(t, u, "Session locked — card removed", "Dr Amara Okafor", "Insert your card to continue")
	assertHides(t, u, "Log out", "expire")
}

func TestDemoBadge(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "insert-card"))
	if isShown(u, u.chrome.demo) {
		t.Error("Demo badge shown outside demo mode")
	}
	u.apply(sample(t, "demo-insert"))
	if !isShown(u, u.chrome.demo) {
		t.Error("Demo badge not shown")
	}
	assertShows(t, u, "DEMO", "Demo: virtual card and test data")
	if u.win.Title() != "NHS Smartcard — Demo" {
		t.Errorf("title %q", u.win.Title())
	}
}

func TestExpiryNotification(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.apply(sample(t, "roles"))
	want := &fyne.Notification{Title: "Smartcard certificates", Content: "Your certificates expire in 23 days. Renew them now."}
	test.AssertNotificationSent(t, want, func() { u.apply(sample(t, "active")) })
	st := sample(t, "active")
	st.Seq++
	test.AssertNotificationSent(t, nil, func() { u.apply(st) }) // once per login
}

func TestTrayMenu(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "insert-card"))
	if u.tray.status.Label != "Waiting for a smartcard" || !u.tray.lock.Disabled || !u.tray.logout.Disabled {
		t.Errorf("tray at insert card: %q lock disabled %v logout disabled %v",
			u.tray.status.Label, u.tray.lock.Disabled, u.tray.logout.Disabled)
	}
	u.apply(sample(t, "active"))
	if u.tray.status.Label != "Signed in: Dr Amara Okafor — Clinical Practitioner Access Role" || u.tray.lock.Disabled || u.tray.logout.Disabled {
		t.Errorf("tray when active: %q lock disabled %v logout disabled %v",
			u.tray.status.Label, u.tray.lock.Disabled, u.tray.logout.Disabled)
	}
	u.tray.lock.Action()
	u.tray.logout.Action()
	u.tray.quit.Action()
	if got := f.got(); !slices.Equal(got, []string{"Lock", "Logout", "Quit"}) {
		t.Errorf("intents %q", got)
	}
}

func TestEveryScreenHasAView(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	for s := session.ScreenStarting; s <= session.ScreenBackendError; s++ {
		if s != session.ScreenStarting && u.viewFor(s) == u.starting {
			t.Errorf("screen %v falls back to Starting", s)
		}
	}
}

func TestBridge(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	applied := make(chan session.State, 1)
	u.onApplied = func(st session.State) { applied <- st }
	stop := u.start()

	for _, name := range []string{"insert-card", "passcode", "active", "locked"} {
		st := sample(t, name)
		f.states <- st
		if got := <-applied; got.Screen != st.Screen {
			t.Fatalf("applied %v, want %v", got.Screen, st.Screen)
		}
	}
	assertShows(t, u, "Session locked — card removed")

	stop()
	f.mu.Lock()
	cancelled := f.cancelled
	f.mu.Unlock()
	if !cancelled {
		t.Error("stop did not cancel the subscription")
	}
}

func TestBridgeEndsWhenSessionCloses(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	done := make(chan struct{})
	states, _ := f.Subscribe()
	go func() {
		u.bridge(states, nil)
		close(done)
	}()
	close(f.states)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("bridge did not end when the State channel closed")
	}
}

func TestSessionTime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                          "0:00:00",
		-time.Second:               "0:00:00",
		59 * time.Second:           "0:00:59",
		time.Hour + 2*time.Minute:  "1:02:00",
		12*time.Hour + time.Second: "12:00:01",
	} {
		if got := sessionTime(d); got != want {
			t.Errorf("sessionTime(%v) = %q, want %q", d, got, want)
		}
	}
}

// BenchmarkLock measures the UI's share of "card pulled → locked screen":
// applying the Locked State over the Active one (headless; no painting).
func BenchmarkLock(b *testing.B) {
	a := test.NewTempApp(b)
	u := New(a, newFakeSession())
	u.win.Resize(normalSize)
	active, locked := sample(b, "active"), sample(b, "locked")
	for b.Loop() {
		u.apply(active)
		u.apply(locked)
	}
}

// The renewal: Renew now in the expiry alert asks the session; the popup
// answers its passcode question once, shows the steps while the card works
// and closes when the session leaves the renewal screens.
func TestRenewalPopup(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "active"))
	if !u.active.renew.Visible() {
		t.Fatal("no Renew now button in the expiry alert")
	}
	test.Tap(u.active.renew)
	st := sample(t, "renew-passcode")
	u.apply(st)
	if !u.renew.pop.Visible() || u.win.Canvas().Focused() != u.renew.entry {
		t.Fatal("the popup is not up with the passcode field focused")
	}
	test.Type(u.renew.entry, "123456")
	test.Tap(u.renew.renew)
	u.apply(st)
	test.Type(u.renew.entry, "654321")
	test.Tap(u.renew.renew)
	if got := f.got(); !slices.Equal(got, []string{"Renew", "SubmitRenewalPasscode"}) || string(f.passcodes[0]) != "123456" {
		t.Fatalf("intents %q passcodes %q, want Renew and one answer", got, f.passcodes)
	}
	u.apply(sample(t, "renewing"))
	if !u.renew.stepBox.Visible() || !u.renew.steps[2].TextStyle.Bold {
		t.Error("the step under way is not marked")
	}
	u.apply(sample(t, "renewed"))
	if !strings.Contains(u.renew.result.Text, "valid until") {
		t.Errorf("done says %q", u.renew.result.Text)
	}
	test.Tap(u.renew.close)
	u.apply(sample(t, "active"))
	if u.renew.pop.Visible() {
		t.Error("the popup stays after the session left the renewal")
	}
	if got := f.got(); got[len(got)-1] != "CloseRenewal" {
		t.Errorf("Close sent %q", got)
	}
}

// TestPasscodeChangePopup: the button opens it; Tab and Enter go from the
// current passcode to the new one twice and send all three once per
// question; the result and Close follow the session's screens.
func TestPasscodeChangePopup(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "active"))
	test.Tap(u.active.change)
	st := sample(t, "change-passcode")
	u.apply(st)
	p := u.passcodeChange
	if !p.pop.Visible() || u.win.Canvas().Focused() != p.current {
		t.Fatal("the popup is not up with the current passcode focused")
	}
	if p.tries.Text != "2 attempts left" || p.message.Text == "" {
		t.Errorf("tries %q, message %q", p.tries.Text, p.message.Text)
	}
	test.Type(p.current, "123456")
	p.current.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if u.win.Canvas().Focused() != p.next {
		t.Fatal("Enter in the current passcode does not go to the new one")
	}
	test.Type(p.next, "24681357")
	p.next.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(p.again, "24681357")
	p.again.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(p.change) // the same question again: not sent twice
	got := f.got()
	if !slices.Equal(got, []string{"ChangePasscode", "SubmitPasscodeChange"}) ||
		string(f.passcodes[0]) != "123456" || string(f.passcodes[1]) != "24681357" || string(f.passcodes[2]) != "24681357" {
		t.Fatalf("intents %q passcodes %q", got, f.passcodes)
	}
	if p.current.Text != "" || p.next.Text != "" || p.again.Text != "" {
		t.Error("the fields keep the passcodes after sending")
	}
	u.apply(sample(t, "changing-passcode"))
	if !p.working.Visible() || p.form.Visible() || p.change.Visible() {
		t.Error("the card at work still shows the form")
	}
	u.apply(sample(t, "passcode-changed"))
	if p.result.Text != wording.PasscodeChanged || u.win.Canvas().Focused() != p.close {
		t.Errorf("done says %q; Close focused: %v", p.result.Text, u.win.Canvas().Focused() == p.close)
	}
	test.Tap(p.close)
	u.apply(sample(t, "active"))
	if p.pop.Visible() {
		t.Error("the popup stays after the session left it")
	}
	if got := f.got(); got[len(got)-1] != "ClosePasscodeChange" {
		t.Errorf("Close sent %q", got)
	}
	u.apply(sample(t, "passcode-change-blocked"))
	if p.result.Text != wording.Blocked.Problem || p.retry.Visible() || p.rule.Visible() {
		t.Errorf("blocked: %q, retry %v, rule %v", p.result.Text, p.retry.Visible(), p.rule.Visible())
	}
}

// TestUnlockScreens: Unlock my card on the blocked screen starts it; the
// code and the new passcodes go to the session once per question, from
// the keyboard alone; Continue leaves it.
func TestUnlockScreens(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "blocked"))
	if !u.problem.unlock.Visible() {
		t.Fatal("no Unlock my card button on the blocked screen")
	}
	test.Tap(u.problem.unlock)
	st := sample(t, "unlock-code")
	u.apply(st)
	v := u.unlock
	if u.win.Canvas().Focused() != v.code || !strings.Contains(v.sent.Text, "a•••@nhs.net") || v.attempts.Text != "2 attempts left" {
		t.Fatalf("code screen: focused %v, %q, %q", u.win.Canvas().Focused() == v.code, v.sent.Text, v.attempts.Text)
	}
	test.Type(v.code, "2468x1357") // the field takes digits only
	v.code.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	u.apply(st) // the same question again: nothing more is sent
	test.Tap(v.send)
	next := sample(t, "unlock-passcode")
	next.Question = st.Question + 1 // samples come from separate sessions: one session numbers on
	u.apply(next)
	if u.win.Canvas().Focused() != v.next || !v.passBox.Visible() || v.codeBox.Visible() {
		t.Fatal("the passcode screen does not focus the new passcode")
	}
	test.Type(v.next, "24681357")
	v.next.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if u.win.Canvas().Focused() != v.again {
		t.Fatal("Enter in the new passcode does not move to the repeat")
	}
	test.Type(v.again, "24681357")
	v.again.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	got := f.got()
	if !slices.Equal(got, []string{"StartUnlock", "SubmitUnlockCode", "SubmitUnlockPasscode"}) ||
		string(f.passcodes[0]) != "24681357" || string(f.passcodes[1]) != "24681357" || string(f.passcodes[2]) != "24681357" {
		t.Fatalf("intents %q, typed %q", got, f.passcodes)
	}
	u.apply(sample(t, "unlocking"))
	if !v.working.Visible() || v.passBox.Visible() {
		t.Error("the card at work still shows the fields")
	}
	u.apply(sample(t, "unlocked"))
	if v.result.Text != wording.Unlocked || u.win.Canvas().Focused() != v.done {
		t.Errorf("done: %q, Continue focused %v", v.result.Text, u.win.Canvas().Focused() == v.done)
	}
	test.Tap(v.done)
	if got := f.got(); got[len(got)-1] != "CloseUnlock" {
		t.Errorf("Continue sent %q", got)
	}
	u.apply(sample(t, "unlock-failed"))
	if v.result.Text != wording.UnlockNotOffered.Problem || v.retry.Visible() || v.cancel.Text != "Close" {
		t.Errorf("failed: %q, retry %v, %q", v.result.Text, v.retry.Visible(), v.cancel.Text)
	}
}

// TestUnlockQuestionsScreen: the two questions with an answer field each,
// the attempts left and the last message; Enter goes from the first answer
// to the second and sends both once.
func TestUnlockQuestionsScreen(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	st := sample(t, "unlock-questions")
	u.apply(st)
	v := u.unlock
	if !v.qBox.Visible() || v.asked[0].Text != st.Unlock.Questions[0].Text || v.asked[1].Text != st.Unlock.Questions[1].Text ||
		v.attempts.Text != "2 attempts left" || v.message.Text != wording.UnlockAnswersWrong(2) || v.codeBox.Visible() {
		t.Fatalf("questions screen: %q %q %q %q", v.asked[0].Text, v.asked[1].Text, v.attempts.Text, v.message.Text)
	}
	if u.win.Canvas().Focused() != v.replies[0] {
		t.Fatal("the first answer is not focused")
	}
	test.Type(v.replies[0], "Biscuit")
	v.replies[0].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if u.win.Canvas().Focused() != v.replies[1] {
		t.Fatal("Enter in the first answer does not go to the second")
	}
	test.Type(v.replies[1], "Mill Lane")
	v.replies[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(v.check) // the same question again: not sent twice
	if got := f.got(); !slices.Equal(got, []string{"SubmitUnlockAnswers"}) || !slices.Equal(f.answers, []string{"Biscuit", "Mill Lane"}) {
		t.Fatalf("intents %q answers %q", got, f.answers)
	}
	if v.replies[0].Text != "" || v.replies[1].Text != "" {
		t.Error("the fields keep the answers after sending")
	}
	u.apply(sample(t, "unlock-face-to-face"))
	if v.result.Text != wording.UnlockFaceToFace.Problem || v.retry.Visible() || v.qBox.Visible() {
		t.Errorf("face to face: %q, retry %v", v.result.Text, v.retry.Visible())
	}
	u.apply(sample(t, "unlock-no-questions"))
	if v.result.Text != wording.UnlockNoQuestions.Problem {
		t.Errorf("no questions: %q", v.result.Text)
	}
}

// TestQuestionsPopup: the screen opens from the active screen's button; the
// registered questions are preselected; the choice, answers and passcode go
// to the session once; the code step, done and a refusal show in turn.
func TestQuestionsPopup(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	st := sample(t, "questions")
	active := sample(t, "active")
	active.QuestionsAsked = true
	u.apply(active)
	if !u.active.secure.Visible() {
		t.Fatal("no Security questions button on the active screen under email+questions")
	}
	test.Tap(u.active.secure)
	u.apply(st)
	p := u.questions
	if u.current != p || !p.form.Visible() || p.codeBox.Visible() || p.registered.Text == wording.QuestionsNone {
		t.Fatalf("questions: shown %v, form %v, registered %q", u.current == p, p.form.Visible(), p.registered.Text)
	}
	for i, id := range st.Questions.Registered {
		if j := p.picks[i].SelectedIndex(); j < 0 || st.Questions.Catalogue[j].ID != id {
			t.Fatalf("choice %d shows %d, want %s", i, j, id)
		}
	}
	if u.win.Canvas().Focused() != p.answers[0] {
		t.Fatal("with questions preselected, the first answer is not focused")
	}
	p.picks[3].SetSelectedIndex(1) // q02 instead of q05
	for i, a := range []string{"Biscuit", "Mill Lane", "Raleigh", "Sam Jones"} {
		test.Type(p.answers[i], a)
	}
	test.Type(p.passcode, "123456")
	p.passcode.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(p.save) // the same question again: not sent twice
	want := []string{"q01", "q03", "q04", "q02", "Biscuit", "Mill Lane", "Raleigh", "Sam Jones"}
	if got := f.got(); !slices.Equal(got, []string{"OpenQuestions", "SubmitQuestions"}) || !slices.Equal(f.answers, want) ||
		string(f.passcodes[0]) != "123456" {
		t.Fatalf("intents %q, sent %q, passcode %q", got, f.answers, f.passcodes)
	}
	if p.passcode.Text != "" {
		t.Error("the passcode field keeps the passcode after sending")
	}
	code := sample(t, "questions-code")
	code.Question = st.Question + 1
	u.apply(code)
	if !p.codeBox.Visible() || p.form.Visible() || u.win.Canvas().Focused() != p.code || !strings.Contains(p.codeText.Text, "a•••@nhs.net") {
		t.Fatalf("code step: box %v, form %v, %q", p.codeBox.Visible(), p.form.Visible(), p.codeText.Text)
	}
	test.Type(p.code, "2468x1357")
	test.Tap(p.confirm)
	if got := f.got(); got[len(got)-1] != "SubmitQuestionsCode" || string(f.passcodes[1]) != "24681357" {
		t.Fatalf("code sent %q %q", got, f.passcodes)
	}
	u.apply(sample(t, "questions-saved"))
	if p.result.Text != wording.QuestionsSaved || u.win.Canvas().Focused() != p.close {
		t.Errorf("saved: %q", p.result.Text)
	}
	u.apply(sample(t, "questions-failed"))
	if p.result.Text != wording.QuestionsRateLimited.Problem || p.retry.Visible() {
		t.Errorf("failed: %q, retry %v", p.result.Text, p.retry.Visible())
	}
	test.Tap(p.close)
	u.apply(sample(t, "active"))
	if u.current != u.active {
		t.Error("the active screen does not come back")
	}
}

// TestAdminScreens: an administrator's active screen offers admin mode;
// admin mode shows the role and the card in the other reader (or where to
// put it); the face-to-face unlock's form asks for the check, a reason and
// the holder's new passcode twice, sent once; done and out of scope say so.
func TestAdminScreens(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "active-admin"))
	if !u.active.adminRow.Visible() {
		t.Fatal("no Service a card on an LSA's active screen")
	}
	test.Tap(u.active.admin)
	u.apply(sample(t, "admin-insert"))
	v := u.admin
	if u.current != v || !v.insert.Visible() || v.panel.Visible() || !strings.Contains(v.role.Text, "Local Smartcard Administrator") {
		t.Fatalf("admin without a card: insert %v, panel %v, role %q", v.insert.Visible(), v.panel.Visible(), v.role.Text)
	}
	u.apply(sample(t, "admin"))
	if v.insert.Visible() || !v.panel.Visible() || v.name.Text != "Mr Tom Patel" || !strings.Contains(v.details.Text, "passcode locked") ||
		!v.unlock.Visible() || v.scope.Visible() {
		t.Fatalf("admin with a card: %q %q unlock %v", v.name.Text, v.details.Text, v.unlock.Visible())
	}
	test.Tap(v.unlock)
	st := sample(t, "admin-unlock")
	u.apply(st)
	if !v.form.Visible() || v.message.Text != wording.AdminIdentityFirst || v.unlock.Visible() || !v.send.Visible() {
		t.Fatalf("the form: %v %q", v.form.Visible(), v.message.Text)
	}
	v.checked.SetChecked(true)
	test.Type(v.reason, "forgot passcode")
	test.Type(v.next, "24681357")
	test.Type(v.again, "24681357")
	v.again.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(v.send) // the same question again: not sent twice
	got := f.got()
	if !slices.Equal(got, []string{"OpenAdmin", "StartAdminAction:unlock", "SubmitAdminForm"}) ||
		!slices.Equal(f.answers, []string{"true", "forgot passcode"}) || string(f.passcodes[0]) != "24681357" {
		t.Fatalf("intents %q, sent %q", got, f.answers)
	}
	if v.next.Text != "" || v.again.Text != "" {
		t.Error("the fields keep the passcodes after sending")
	}
	u.apply(sample(t, "admin-done"))
	if v.result.Text != wording.AdminUnlocked || v.form.Visible() || !v.back.Visible() {
		t.Errorf("done: %q", v.result.Text)
	}
	u.apply(sample(t, "admin-out-of-scope"))
	if v.scope.Text != wording.AdminNotInScope || v.unlock.Visible() {
		t.Errorf("out of scope: %q, unlock %v", v.scope.Text, v.unlock.Visible())
	}
	if v.repair.Visible() || v.renew.Visible() {
		t.Error("an LSA is offered a repair or a renewal")
	}
}

// TestAdminRepairAndRenewScreens: an RA is offered unlock and repair of a
// blocked card (a renewal needs the holder's passcode); the repair's form asks for the new passcode twice, the
// renewal's for the holder's passcode once and sends it on Return.
func TestAdminRepairAndRenewScreens(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "admin-ra"))
	v := u.admin
	if !v.unlock.Visible() || !v.repair.Visible() || v.renew.Visible() || !v.cancelCard.Visible() {
		t.Fatalf("an RA's buttons for a blocked card: unlock %v repair %v renew %v", v.unlock.Visible(), v.repair.Visible(), v.renew.Visible())
	}
	test.Tap(v.repair)
	u.apply(sample(t, "admin-repair"))
	if !v.form.Visible() || !v.again.Visible() || v.explain.Text != wording.AdminRepairExplain || v.send.Text != wording.AdminRepairSend {
		t.Fatalf("the repair form: again %v, %q, %q", v.again.Visible(), v.explain.Text, v.send.Text)
	}
	u.apply(sample(t, "admin-renew"))
	if !v.form.Visible() || v.again.Visible() || v.nextLabel.Text != wording.AdminHolderPasscode || v.send.Text != wording.AdminRenewSend {
		t.Fatalf("the renewal form: again %v, %q, %q", v.again.Visible(), v.nextLabel.Text, v.send.Text)
	}
	v.checked.SetChecked(true)
	test.Type(v.reason, "expiring, seen with badge")
	test.Type(v.next, "24681357")
	v.next.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := f.got(); !slices.Equal(got, []string{"StartAdminAction:repair", "SubmitAdminForm"}) || string(f.passcodes[0]) != "24681357" {
		t.Fatalf("intents %q", got)
	}
	u.apply(sample(t, "admin-cancel"))
	if v.next.Visible() || v.again.Visible() || v.checked.Text != wording.AdminCancelConfirm || v.send.Text != wording.AdminCancelSend ||
		v.send.Importance != widget.DangerImportance {
		t.Fatalf("the cancel form: next %v, %q, %q", v.next.Visible(), v.checked.Text, v.send.Text)
	}
	u.apply(sample(t, "admin-repaired"))
	if !strings.HasPrefix(v.result.Text, "The card is repaired") {
		t.Errorf("done: %q", v.result.Text)
	}
}

// TestAdminEnrolScreens: a factory-fresh card offers an RA to issue it;
// the form asks the holder's UUID first, then the new passcode twice, and
// sends them as the intent.
func TestAdminEnrolScreens(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "admin-blank"))
	v := u.admin
	if !v.enrol.Visible() || v.unlock.Visible() || v.repair.Visible() || v.cancelCard.Visible() || v.name.Text != wording.AdminBlankCard {
		t.Fatalf("a blank card: enrol %v unlock %v, %q", v.enrol.Visible(), v.unlock.Visible(), v.name.Text)
	}
	test.Tap(v.enrol)
	u.apply(sample(t, "admin-enrol"))
	if !v.form.Visible() || !v.userID.Visible() || !v.again.Visible() || v.explain.Text != wording.AdminEnrolExplain || v.send.Text != wording.AdminEnrolSend {
		t.Fatalf("the enrol form: user %v again %v, %q, %q", v.userID.Visible(), v.again.Visible(), v.explain.Text, v.send.Text)
	}
	test.Type(v.userID, "555000765432")
	v.checked.SetChecked(true)
	test.Type(v.reason, "new starter, passport seen")
	test.Type(v.next, "24681357")
	test.Type(v.again, "24681357")
	test.Tap(v.send)
	if got := f.got(); !slices.Equal(got, []string{"StartAdminAction:enrol", "SubmitEnrolForm"}) || string(f.passcodes[0]) != "24681357" || f.answers[0] != "555000765432" {
		t.Fatalf("intents %q, answers %q", got, f.answers)
	}
	u.apply(sample(t, "admin-enrolled"))
	if !strings.HasPrefix(v.result.Text, "The card is issued to") {
		t.Errorf("done: %q", v.result.Text)
	}
}

// TestAdminPositionsScreens: the positions of the card's holder, one row
// each with End on those held; the grant form asks a role (offered or
// typed), the identity check and a reason; the end form a last day and
// the confirmation; the look-up form only a UUID; Cancel and Back stay in
// admin mode.
func TestAdminPositionsScreens(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "admin"))
	v := u.admin
	if v.toPosition.Visible() {
		t.Fatal("an LSA is offered access positions")
	}
	u.apply(sample(t, "admin-ra"))
	if !v.toPosition.Visible() {
		t.Fatal("an RA is not offered access positions")
	}
	test.Tap(v.toPosition)
	u.apply(sample(t, "admin-positions"))
	p := v.positions
	if !p.root.Visible() || v.panel.Visible() || len(p.rows.Objects) != 3 || len(p.ends) != 2 || !p.grant.Visible() || !v.backIn.Visible() ||
		p.heading.Text != wording.AdminPositionsOf("Mr Tom Patel", "555000765432", "Riverside Hospital") {
		t.Fatalf("the positions: shown %v, card %v, %d rows, %d End, %q", p.root.Visible(), v.panel.Visible(), len(p.rows.Objects), len(p.ends), p.heading.Text)
	}
	test.Tap(p.ends[0])
	test.Tap(p.grant)
	test.Tap(v.backIn)

	u.apply(sample(t, "admin-grant"))
	if !v.grantRole.Visible() || v.lastDay.Visible() || v.userID.Visible() || v.next.Visible() || !v.checked.Visible() || v.send.Text != wording.AdminGrantSend {
		t.Fatalf("the grant form: role %v day %v user %v passcode %v", v.grantRole.Visible(), v.lastDay.Visible(), v.userID.Visible(), v.next.Visible())
	}
	test.Type(v.grantRole, "Ward Clerk")
	v.checked.SetChecked(true)
	test.Type(v.reason, "starts on ward 7")
	test.Tap(v.send)
	test.Tap(v.cancel)

	u.apply(sample(t, "admin-end-position"))
	if !v.lastDay.Visible() || v.grantRole.Visible() || !strings.HasPrefix(v.explain.Text, "End Clinical Practitioner for Mr Tom Patel.") ||
		v.checked.Text != wording.AdminEndConfirm {
		t.Fatalf("the end form: day %v role %v, %q", v.lastDay.Visible(), v.grantRole.Visible(), v.explain.Text)
	}
	test.Type(v.lastDay, "2027-01-31")

	v.q = question{} // each sample is a run of its own: their question numbers repeat
	u.apply(sample(t, "admin-positions-user"))
	if !v.userID.Visible() || v.userID.Text != "555000765432" || v.reason.Visible() || v.checked.Visible() || v.grantRole.Visible() {
		t.Fatalf("the look-up form: user %v %q reason %v check %v", v.userID.Visible(), v.userID.Text, v.reason.Visible(), v.checked.Visible())
	}
	test.Tap(v.send)

	want := []string{"StartAdminAction:positions", "EndPosition:pos-ward", "StartAdminAction:grant", "BackInAdmin",
		"SubmitPositionForm", "BackInAdmin", "SubmitPositionForm"}
	if got := f.got(); !slices.Equal(got, want) {
		t.Fatalf("intents %q, want %q", got, want)
	}
	if f.answers[1] != "Ward Clerk" || f.answers[3] != "true" || f.answers[5] != "555000765432" {
		t.Fatalf("answers %q", f.answers)
	}
	u.apply(sample(t, "admin-position-ended"))
	if v.hint.Text != wording.AdminEnded("Clinical Practitioner", false, "") || v.message.Text != "" || len(p.ends) != 1 {
		t.Fatalf("after the end: %q, %d End", v.hint.Text, len(p.ends))
	}
}

// TestAdminAuditScreens: an RA's Audit trail; the search form (the card
// holder's UUID filled in) sends what was typed; a page shows what was
// searched, the chain's verification, a row a record, and Older only when
// there are older records.
func TestAdminAuditScreens(t *testing.T) {
	u, f := newTestUI(t, normalSize)
	u.apply(sample(t, "admin"))
	v := u.admin
	if v.toAudit.Visible() {
		t.Fatal("an LSA is offered the audit trail")
	}
	u.apply(sample(t, "admin-ra"))
	if !v.toAudit.Visible() {
		t.Fatal("an RA is not offered the audit trail")
	}
	test.Tap(v.toAudit)
	u.apply(sample(t, "admin-audit-search"))
	af := v.auditForm
	if !af.root.Visible() || v.checked.Visible() || v.reason.Visible() || af.user.Text != "555000765432" || v.send.Text != wording.AuditSend {
		t.Fatalf("the search form: shown %v, check %v, user %q", af.root.Visible(), v.checked.Visible(), af.user.Text)
	}
	test.Type(af.from, "2025-03-01")
	test.Tap(v.send)
	u.apply(sample(t, "admin-audit"))
	p := v.audit
	if !p.root.Visible() || af.root.Visible() || len(p.rows.Objects) != 5 || p.older.Visible() || !v.backIn.Visible() ||
		!strings.HasPrefix(p.chain.Text, "The audit chain is intact: 5 records") || p.search.Text != "Records of user 555000765432" {
		t.Fatalf("the page: shown %v, %d rows, older %v, %q, %q", p.root.Visible(), len(p.rows.Objects), p.older.Visible(), p.chain.Text, p.search.Text)
	}
	test.Tap(p.again)
	test.Tap(v.backIn)
	want := []string{"StartAdminAction:audit", "SubmitAuditForm", "StartAdminAction:audit", "BackInAdmin"}
	if got := f.got(); !slices.Equal(got, want) || f.answers[0] != "555000765432" || f.answers[3] != "2025-03-01" {
		t.Fatalf("intents %q, answers %q", got, f.answers)
	}
}

// Tray-resident: hidden while waiting for a card, shown when the card
// needs its holder, hidden again once a role is chosen and on the lock.
// Closed to the tray (not resident): back for anything but the session.
func TestWindowShownOnlyWhenNeeded(t *testing.T) {
	u, _ := newTestUI(t, normalSize)
	u.resident, u.hidden = true, true // SetResident, where a tray exists
	for _, step := range []struct {
		screen string
		hidden bool
	}{{"insert-card", true}, {"passcode", false}, {"roles", false}, {"active", true}, {"locked", true}, {"passcode", false}, {"active", true}} {
		u.apply(sample(t, step.screen))
		if u.hidden != step.hidden {
			t.Fatalf("resident on %s: hidden %v, want %v", step.screen, u.hidden, step.hidden)
		}
	}

	u2, _ := newTestUI(t, normalSize)
	u2.apply(sample(t, "active"))
	u2.hidden = true // closed to the tray
	u2.apply(sample(t, "locked"))
	if u2.hidden {
		t.Fatal("a window closed to the tray stayed hidden on the lock")
	}
	u2.apply(sample(t, "active"))
	if u2.hidden {
		t.Fatal("not resident: the window hid on its own")
	}
}
