package session_test

import (
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// TestChangePasscode: what breaks the rule is refused before the card (no
// try used, nothing reported); a wrong current passcode uses a try and is
// reported; the right one changes the card's passcode, and the card then
// logs in with the new passcode only.
func TestChangePasscode(t *testing.T) {
	r := newRig(t, session.Config{}, func(b *sessiontest.Backend) { b.Rules.PasscodeRefuseSimple, b.Rules.PasscodeRefuseCurrent = true, true })
	c := newTestCard(t, "Jo", "101010101010", twoYears)
	r.loginAs(c, "123456", 0)
	r.Agent.ChangePasscode()
	if s := r.WaitScreen(session.ScreenChangePasscode); s.TriesLeft != 3 {
		t.Fatalf("the popup shows %d tries left, want 3", s.TriesLeft)
	}
	for _, c := range []struct{ current, next, again, want string }{
		{"", "246813", "246813", wording.CurrentPasscodeNeeded},
		{"123456", "2468", "2468", wording.NewPasscodeRule("6 to 8 characters")},
		{"123456", "246813", "246814", wording.NewPasscodesDiffer},
		{"123456", "123456", "123456", wording.NewPasscodeIsCurrent},
		{"123456", "111111", "111111", wording.NewPasscodeTooSimple},
		{"123456", "876543", "876543", wording.NewPasscodeTooSimple},
	} {
		s := r.changePasscode(c.current, c.next, c.again)
		if s.Message != c.want || s.TriesLeft != 3 {
			t.Errorf("%q/%q/%q: message %q, tries %d; want %q, 3", c.current, c.next, c.again, s.Message, s.TriesLeft, c.want)
		}
	}
	r.sync()
	if calls := strings.Join(r.Backend.Calls(), " "); strings.Contains(calls, "passcode") {
		t.Fatalf("rule refusals reached the backend: %s", calls)
	}

	if s := r.changePasscode("654321", "246813", "246813"); s.Message != wording.WrongPasscode(2) || s.TriesLeft != 2 {
		t.Fatalf("after a wrong current passcode: %q, %d tries left", s.Message, s.TriesLeft)
	}
	r.SubmitPasscodeChange("123456", "246813", "246813")
	if s := r.WaitScreen(session.ScreenPasscodeChanged); s.TriesLeft != 3 {
		t.Errorf("after the change: %d tries left, want 3", s.TriesLeft)
	}
	eventually(t, "the reports", func() bool {
		return r.Backend.Called("passcode:wrong_passcode") == 1 && r.Backend.Called("passcode:changed") == 1
	})
	r.Agent.ClosePasscodeChange()
	r.WaitScreen(session.ScreenActive)

	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	if s := r.WaitFor("old passcode refused", func(s session.State) bool { return s.Message != "" }); s.Message != wording.WrongPasscode(2) {
		t.Fatalf("the old passcode: %q", s.Message)
	}
	r.Submit([]byte("246813"))
	r.WaitFor("active with the new passcode", func(s session.State) bool { return s.Screen == session.ScreenActive || s.Screen == session.ScreenRoles })
	for _, line := range []string{"246813", "123456", "654321"} {
		if testkit.HoldsSecret(r.logs.String(), line) {
			t.Errorf("a passcode (%s) is in the agent's log", line)
		}
	}
}

// TestChangePasscodeBlocksTheCard: the last try used on a wrong current
// passcode locks the card; the popup says so and how to unlock it.
func TestChangePasscodeBlocksTheCard(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Kit", "202020202020", twoYears), "123456", 0)
	r.Agent.ChangePasscode()
	r.WaitScreen(session.ScreenChangePasscode)
	for left := 2; left >= 1; left-- {
		if s := r.changePasscode("000000", "246813", "246813"); s.TriesLeft != left {
			t.Fatalf("%d tries left, want %d", s.TriesLeft, left)
		}
	}
	r.SubmitPasscodeChange("000000", "246813", "246813")
	s := r.WaitScreen(session.ScreenPasscodeChangeFailed)
	if s.Problem != wording.Blocked.Problem || s.Retryable || s.TriesLeft != 0 {
		t.Fatalf("blocked: %+v", s.Prompt)
	}
	eventually(t, "the blocked report", func() bool { return r.Backend.Called("passcode:blocked") == 1 })
	r.Agent.ClosePasscodeChange()
	r.WaitScreen(session.ScreenActive)
}

// TestPasscodeChangeReportRetried: identityd down when the card has
// changed the passcode: the popup says it is done at once, and the report
// goes once identityd is back.
func TestPasscodeChangeReportRetried(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Ann", "303030303030", twoYears), "123456", 0)
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPasscode = sessiontest.ErrDown })
	r.Agent.ChangePasscode()
	r.WaitScreen(session.ScreenChangePasscode)
	r.SubmitPasscodeChange("123456", "246813", "246813")
	r.WaitScreen(session.ScreenPasscodeChanged)
	eventually(t, "a first try", func() bool { return r.Backend.Called("passcode-failed") >= 1 })
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPasscode = nil })
	eventually(t, "the report once identityd is back", func() bool { return r.Backend.Called("passcode:changed") == 1 })
}

// TestChangePasscodeCardPulled: a card pulled mid-change locks the session
// like any removal; the popup is gone.
func TestChangePasscodeCardPulled(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Lee", "404040404040", twoYears)
	r.loginAs(c, "123456", 0)
	r.Agent.ChangePasscode()
	r.WaitScreen(session.ScreenChangePasscode)
	r.Pull("Reader 0")
	s := r.WaitScreen(session.ScreenLocked)
	if s.Active == nil {
		t.Fatal("the lock lost the session")
	}
}

// changePasscode submits on the popup and waits for its answer: the next
// question, or the screen after the popup's question.
func (r *rig) changePasscode(current, next, again string) session.State {
	r.t.Helper()
	q := r.Agent.Current().Question
	r.SubmitPasscodeChange(current, next, again)
	return r.WaitFor("the answer to the passcode change", func(s session.State) bool {
		return s.Question != q && s.Screen != session.ScreenChangingPasscode
	})
}

func TestSimplePasscode(t *testing.T) {
	for p, want := range map[string]bool{
		"111111": true, "123456": true, "876543": true, "abcd": true, "2222": true,
		"123457": false, "135791": false, "246813": false, "112233": false, "121212": false, "9012": false,
	} {
		if got := session.SimplePasscode([]byte(p)); got != want {
			t.Errorf("simple(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestPasscodeReportsInOrder: with identityd down, a wrong attempt's report
// and the change's wait; once it is back they arrive in the card's order.
func TestPasscodeReportsInOrder(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Bo", "505050505050", twoYears), "123456", 0)
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPasscode = sessiontest.ErrDown })
	r.Agent.ChangePasscode()
	r.WaitScreen(session.ScreenChangePasscode)
	r.changePasscode("654321", "246813", "246813")
	r.SubmitPasscodeChange("123456", "246813", "246813")
	r.WaitScreen(session.ScreenPasscodeChanged)
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPasscode = nil })
	eventually(t, "both reports", func() bool { return r.Backend.Called("passcode:changed") == 1 })
	var got []string
	for _, c := range r.Backend.Calls() {
		if strings.HasPrefix(c, "passcode:") {
			got = append(got, c)
		}
	}
	if strings.Join(got, " ") != "passcode:wrong_passcode passcode:changed" {
		t.Fatalf("reports reached identityd as %v", got)
	}
}
