package terminal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// fakeAgent feeds States and records the answers.
type fakeAgent struct {
	states  chan session.State
	mu      sync.Mutex
	answers []string
	got     chan struct{}
}

func (f *fakeAgent) Subscribe() (<-chan session.State, func()) { return f.states, func() {} }
func (f *fakeAgent) record(s string) {
	f.mu.Lock()
	f.answers = append(f.answers, s)
	f.mu.Unlock()
	f.got <- struct{}{}
}
func (f *fakeAgent) SubmitPasscode(q uint64, p []byte) { f.record("passcode " + string(p)) }
func (f *fakeAgent) AcceptTerms(uint64)                { f.record("accept") }
func (f *fakeAgent) DeclineTerms(uint64)               { f.record("decline") }
func (f *fakeAgent) SelectRole(q uint64, i int)        { f.record("role") }
func (f *fakeAgent) Logout()                           { f.record("logout") }
func (f *fakeAgent) Renew()                            { f.record("renew") }
func (f *fakeAgent) CloseRenewal()                     { f.record("close renewal") }
func (f *fakeAgent) ChangePasscode()                   { f.record("change passcode") }
func (f *fakeAgent) StartUnlock()                      { f.record("start unlock") }
func (f *fakeAgent) CloseUnlock()                      { f.record("close unlock") }
func (f *fakeAgent) OpenQuestions()                    { f.record("open questions") }
func (f *fakeAgent) CloseQuestions()                   { f.record("close questions") }
func (f *fakeAgent) SubmitUnlockAnswers(q uint64, answers []string) {
	f.record("answers " + strings.Join(answers, "|"))
}
func (f *fakeAgent) SubmitQuestions(q uint64, ids, answers []string, passcode []byte) {
	f.record("questions " + strings.Join(ids, " ") + " " + strings.Join(answers, "|") + " " + string(passcode))
}
func (f *fakeAgent) SubmitQuestionsCode(q uint64, code []byte) {
	f.record("questions code " + string(code))
}
func (f *fakeAgent) OpenAdmin() { f.record("open admin") }
func (f *fakeAgent) StartAdminAction(action session.AdminAction) {
	f.record("start admin " + string(action))
}
func (f *fakeAgent) CloseAdmin() { f.record("close admin") }
func (f *fakeAgent) SubmitAdminForm(q uint64, checked bool, reason string, first, second []byte) {
	f.record(fmt.Sprintf("admin form %v %q %s %s", checked, reason, first, second))
}
func (f *fakeAgent) SubmitEnrolForm(q uint64, userID string, checked bool, reason string, first, second []byte) {
	f.record(fmt.Sprintf("enrol form %s %v %q %s %s", userID, checked, reason, first, second))
}
func (f *fakeAgent) SubmitPositionForm(q uint64, pf session.PositionForm) {
	f.record(fmt.Sprintf("positions form %s %q %q %v %q", pf.UserID, pf.Role, pf.LastDay, pf.IdentityChecked, pf.Reason))
}
func (f *fakeAgent) EndPosition(id string) { f.record("end position " + id) }
func (f *fakeAgent) SubmitAuditForm(q uint64, af session.AuditForm) {
	f.record(fmt.Sprintf("audit form %s %s %s %s %s", af.User, af.Card, af.Admin, af.From, af.To))
}
func (f *fakeAgent) AuditOlder() { f.record("older") }
func (f *fakeAgent) SubmitUnlockCode(q uint64, code []byte) {
	f.record("code " + string(code))
}
func (f *fakeAgent) SubmitUnlockPasscode(q uint64, next, again []byte) {
	f.record("new passcodes " + string(next) + " " + string(again))
}
func (f *fakeAgent) SubmitPasscodeChange(q uint64, current, next, again []byte) {
	f.record("passcodes " + string(current) + " " + string(next) + " " + string(again))
}
func (f *fakeAgent) SubmitRenewalPasscode(q uint64, p []byte) {
	f.record("renewal passcode " + string(p))
}

// One question, one answer: the same prompt republished (the policy
// arrived while it waited) reads no second line.
func TestEachQuestionAnsweredOnce(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.WriteString("111111\n222222\n")
	w.Close()
	a := &fakeAgent{states: make(chan session.State, 4), got: make(chan struct{}, 4)}
	card := &session.CardHolder{Verified: true, Name: "Ada", UUID: "555000000001"}
	rule := session.PasscodeRule{MinLength: 6, MaxLength: 8}
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, a, Options{}, r, &bytes.Buffer{}, &stderr) }()
	a.states <- session.State{Screen: session.ScreenPasscode, Seq: 1, Question: 1, Card: card, TriesLeft: 3, Rule: rule}
	<-a.got
	a.states <- session.State{Screen: session.ScreenPasscode, Seq: 2, Question: 1, Card: card, TriesLeft: 3, Rule: rule}
	a.states <- session.State{Screen: session.ScreenPasscode, Seq: 3, Question: 2, Card: card, TriesLeft: 2, Rule: rule,
		Prompt: session.Prompt{Message: "Wrong passcode."}}
	<-a.got
	cancel()
	<-done
	if strings.Join(a.answers, ",") != "passcode 111111,passcode 222222" {
		t.Fatalf("answers %q", a.answers)
	}
	if n := strings.Count(stderr.String(), "Passcode ("); n != 2 {
		t.Fatalf("%d prompts for two questions:\n%s", n, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Ada (555000000001): 2 attempts left.") {
		t.Fatalf("prompt:\n%s", stderr.String())
	}
}

func TestAskRole(t *testing.T) {
	roles := []session.Role{{Name: "Nurse", Organisation: "A"}, {Name: "GP", Organisation: "B"}}
	for in, want := range map[string]int{"\n": 1, "1\n": 0, "9\n2\n": 1} {
		var out bytes.Buffer
		got, err := askRole(bufio.NewReader(strings.NewReader(in)), &out, roles, 1)
		if err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
		if !strings.Contains(out.String(), "* 2. GP (B)") {
			t.Errorf("list:\n%s", out.String())
		}
	}
	if i, err := pickRole(roles, 0, "gp"); err != nil || i != 1 {
		t.Fatalf("pickRole gp: %d %v", i, err)
	}
	if _, err := pickRole(roles, 0, "Porter"); err == nil {
		t.Fatal("a role not held was picked")
	}
}

// running is Run on a fakeAgent, with stdin reading input: the agent to
// feed, Run's result, what it printed on stdout, and a cancel (Ctrl-C).
func running(t *testing.T, opts Options, input string) (*fakeAgent, <-chan error, *bytes.Buffer, context.CancelFunc) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	w.WriteString(input)
	w.Close()
	a := &fakeAgent{states: make(chan session.State, 4), got: make(chan struct{}, 4)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	out := &bytes.Buffer{}
	go func() { done <- Run(ctx, a, opts, r, out, &bytes.Buffer{}) }()
	return a, done, out, cancel
}

// The daily renewal reminder is closed by a terminal login (it renews only
// when asked: `cardagent renew`), and reads no line.
func TestLoginClosesTheRenewalReminder(t *testing.T) {
	a, done, _, cancel := running(t, Options{}, "")
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: &session.Active{User: "Ada"}}
	a.states <- session.State{Screen: session.ScreenRenewPasscode, Seq: 2, Question: 3}
	<-a.got
	cancel()
	<-done
	if strings.Join(a.answers, ",") != "close renewal" {
		t.Fatalf("answers %q", a.answers)
	}
}

// The renewal reminder that comes right after login swallows the admin
// mode asked of the active screen: once it is closed, it is asked again.
func TestAdminAskedAgainAfterTheRenewalReminder(t *testing.T) {
	a, done, _, cancel := running(t, Options{Admin: session.AdminActionUnlock, IdentityChecked: true, Reason: "seen with badge"}, "")
	admin := &session.AdminView{Role: "Local Smartcard Administrator at RX1", Rights: "lsa", Reader: "Reader 0"}
	active := &session.Active{User: "Lee"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin, too late
	a.states <- session.State{Screen: session.ScreenRenewPasscode, Seq: 2, Question: 3, Active: active, Admin: admin}
	<-a.got // close renewal
	a.states <- session.State{Screen: session.ScreenActive, Seq: 3, Active: active, Admin: admin}
	<-a.got // open admin again
	cancel()
	<-done
	if got := strings.Join(a.answers, ","); got != "open admin,close renewal,open admin" {
		t.Fatalf("answers %q", got)
	}
}

// `renew` whose card leaves mid-renewal fails, and says the renewal is
// finished or undone at the next login.
func TestRenewInterruptedByThePull(t *testing.T) {
	a, done, _, _ := running(t, Options{Renew: true}, "")
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: &session.Active{User: "Ada"}}
	<-a.got // renew
	a.states <- session.State{Screen: session.ScreenRenewing, Seq: 2, Prompt: session.Prompt{Renewing: session.RenewGenerating}}
	a.states <- session.State{Screen: session.ScreenLocked, Seq: 3}
	if err := <-done; err == nil || !strings.Contains(err.Error(), wording.RenewInterrupted) {
		t.Fatalf("renew after the pull: %v", err)
	}
}

// Only the newest State is delivered: when the daily reminder's popup is
// the first live screen the terminal sees, it still knows it is logged in.
// `renew` answers that popup; a login prints the session and closes it.
func TestReminderSeenBeforeTheActiveScreen(t *testing.T) {
	for _, renew := range []bool{true, false} {
		a, done, out, cancel := running(t, Options{Renew: renew}, "123456\n")
		a.states <- session.State{Screen: session.ScreenRenewPasscode, Seq: 12, Question: 4, Active: &session.Active{User: "Ada"}}
		<-a.got
		want := "close renewal"
		if renew {
			want = "renewal passcode 123456"
			a.states <- session.State{Screen: session.ScreenRenewing, Seq: 13, Active: &session.Active{User: "Ada"}}
			a.states <- session.State{Screen: session.ScreenLocked, Seq: 14, Active: &session.Active{User: "Ada"}}
			if err := <-done; err == nil || !strings.Contains(err.Error(), wording.RenewInterrupted) {
				t.Errorf("renew after the pull: %v", err)
			}
		} else {
			cancel()
			<-done
		}
		if got := strings.Join(a.answers, ","); got != want {
			t.Errorf("renew %v: answers %q, want %q", renew, got, want)
		}
		if !strings.Contains(out.String(), `"user": "Ada"`) {
			t.Errorf("renew %v: the session was not printed: %q", renew, out.String())
		}
	}
}

// `cardagent passcode`: once logged in it opens the change, reads the
// current passcode and the new one twice as three lines, and logs out
// when the card has changed it.
func TestChangePasscodeInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{ChangePasscode: true}, "123456\n24681357\n24681357\n")
	active := &session.Active{User: "Ada"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active}
	<-a.got // change passcode
	a.states <- session.State{Screen: session.ScreenChangePasscode, Seq: 2, Question: 5, Active: active}
	<-a.got // the three passcodes
	a.states <- session.State{Screen: session.ScreenChangingPasscode, Seq: 3, Active: active}
	a.states <- session.State{Screen: session.ScreenPasscodeChanged, Seq: 4, Active: active}
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.answers, ","); got != "change passcode,passcodes 123456 24681357 24681357,logout" {
		t.Fatalf("answers %q", got)
	}
}

// A change that fails (the card locked) is the command's error.
func TestChangePasscodeFailsInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{ChangePasscode: true}, "")
	active := &session.Active{User: "Ada"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active}
	<-a.got
	a.states <- session.State{Screen: session.ScreenPasscodeChangeFailed, Seq: 2, Active: active,
		Prompt: session.Prompt{Problem: wording.Blocked.Problem, Fix: wording.Blocked.Fix}}
	<-a.got // logout
	if err := <-done; err == nil || !strings.Contains(err.Error(), wording.Blocked.Problem) {
		t.Fatalf("error %v", err)
	}
}

// `cardagent unlock`: a blocked card starts the unlock; the code and the
// new passcode twice are read a line each; done is success.
func TestUnlockInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{Unlock: true}, "24681357\n135790\n135790\n")
	a.states <- session.State{Screen: session.ScreenBlocked, Seq: 1}
	<-a.got // start unlock
	a.states <- session.State{Screen: session.ScreenUnlockCode, Seq: 2, Question: 3,
		Prompt: session.Prompt{Unlock: session.UnlockPrompt{SentTo: "a•••@nhs.net", AttemptsLeft: 3}}}
	<-a.got // the code
	a.states <- session.State{Screen: session.ScreenUnlockPasscode, Seq: 3, Question: 4}
	<-a.got // the passcodes
	a.states <- session.State{Screen: session.ScreenUnlocked, Seq: 4}
	<-a.got // close
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.answers, ","); got != "start unlock,code 24681357,new passcodes 135790 135790,close unlock" {
		t.Fatalf("answers %q", got)
	}
}

// `cardagent unlock` under email+questions: the two answers, a line each,
// then the code as before.
func TestUnlockWithQuestionsInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{Unlock: true}, "Sam Jones\nRaleigh\n")
	a.states <- session.State{Screen: session.ScreenBlocked, Seq: 1}
	<-a.got // start unlock
	a.states <- session.State{Screen: session.ScreenUnlockQuestions, Seq: 2, Question: 3,
		Prompt: session.Prompt{Unlock: session.UnlockPrompt{AnswerAttemptsLeft: 3, Questions: []session.SecurityQuestion{
			{ID: "q02", Text: "Best friend?"}, {ID: "q04", Text: "First bicycle?"}}}}}
	<-a.got // the answers
	a.states <- session.State{Screen: session.ScreenUnlockFailed, Seq: 3,
		Prompt: session.Prompt{Problem: wording.UnlockFaceToFace.Problem, Fix: wording.UnlockFaceToFace.Fix}}
	<-a.got // close
	if err := <-done; err == nil || !strings.Contains(err.Error(), wording.UnlockFaceToFace.Problem) {
		t.Fatalf("error %v", err)
	}
	if got := strings.Join(a.answers, ","); got != "start unlock,answers Sam Jones|Raleigh,close unlock" {
		t.Fatalf("answers %q", got)
	}
}

// `cardagent questions`: four numbers and answers, the passcode, the code;
// a number out of range, or one chosen already, is asked again.
func TestQuestionsInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{Questions: true}, "1\nBiscuit\n9\n1\n2\nSam\n3\nMill Lane\n4\nRaleigh\n123456\n24681357\n")
	active := &session.Active{User: "Ada"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active}
	<-a.got // open questions
	cat := []session.SecurityQuestion{{ID: "q01", Text: "Pet?"}, {ID: "q02", Text: "Friend?"}, {ID: "q03", Text: "Street?"}, {ID: "q04", Text: "Bike?"}}
	a.states <- session.State{Screen: session.ScreenQuestions, Seq: 2, Question: 4, Active: active,
		Prompt: session.Prompt{Questions: &session.QuestionsPrompt{Catalogue: cat}}}
	<-a.got // the questions
	a.states <- session.State{Screen: session.ScreenQuestionsCode, Seq: 3, Question: 5, Active: active,
		Prompt: session.Prompt{Unlock: session.UnlockPrompt{SentTo: "a•••@nhs.net", AttemptsLeft: 3}}}
	<-a.got // the code
	a.states <- session.State{Screen: session.ScreenQuestionsSaved, Seq: 4, Active: active}
	<-a.got // close
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := "open questions,questions q01 q02 q03 q04 Biscuit|Sam|Mill Lane|Raleigh 123456,questions code 24681357,close questions,logout"
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}
}

// `cardagent admin unlock`: an LSA's session opens admin mode; the card in
// the other reader is unlocked with the holder's new passcode, read a line
// at a time; done logs out.
func TestAdminUnlockInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{Admin: session.AdminActionUnlock, IdentityChecked: true, Reason: "seen with badge"}, "135790\n135790\n")
	admin := &session.AdminView{Role: "Local Smartcard Administrator at RX1", Rights: "lsa", Reader: "Reader 0"}
	active := &session.Active{User: "Lee"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: admin}
	withCard := *admin
	withCard.Target = &session.TargetCard{Reader: "Reader 1", Name: "Jo Holder", UUID: "555000000009", GUID: "00ff", InScope: true, Blocked: true}
	withCard.Actions = []session.AdminAction{session.AdminActionUnlock}
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 3, Active: active, Admin: &withCard}
	<-a.got // start admin unlock
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 4, Question: 7, Active: active, Admin: &withCard}
	<-a.got // the passcodes
	a.states <- session.State{Screen: session.ScreenAdminDone, Seq: 5, Active: active, Admin: &withCard,
		Prompt: session.Prompt{Hint: wording.AdminUnlocked}}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := `open admin,start admin unlock,admin form true "seen with badge" 135790 135790,close admin,logout`
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}
}

// `cardagent admin renew`: the holder's passcode once, read a line at a
// time; a wrong one is asked again; an action the card does not allow is refused before any
// passcode.
func TestAdminRenewInTheTerminal(t *testing.T) {
	a, done, _, _ := running(t, Options{Admin: session.AdminActionRenew, IdentityChecked: true, Reason: "expiring, seen with badge"}, "111111\n135790\n")
	admin := &session.AdminView{Role: "Sponsor at RX1", Rights: "sponsor", Reader: "Reader 0"}
	active := &session.Active{User: "Sol"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	withCard := *admin
	withCard.Target = &session.TargetCard{Reader: "Reader 1", Name: "Jo Holder", UUID: "555000000009", GUID: "00ff", InScope: true, TriesLeft: 3}
	withCard.Actions = []session.AdminAction{session.AdminActionRenew}
	withCard.Action = session.AdminActionRenew
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: &withCard}
	<-a.got // start admin renew
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 3, Question: 7, Active: active, Admin: &withCard, TriesLeft: 3}
	<-a.got // the passcode
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 4, Question: 8, Active: active, Admin: &withCard, TriesLeft: 2,
		Prompt: session.Prompt{Message: wording.WrongPasscode(2)}}
	<-a.got // the passcode again
	a.states <- session.State{Screen: session.ScreenAdminDone, Seq: 5, Active: active, Admin: &withCard,
		Prompt: session.Prompt{Hint: wording.AdminRenewed("2 January 2029")}}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := `open admin,start admin renew,admin form true "expiring, seen with badge" 111111 ,admin form true "expiring, seen with badge" 135790 ,close admin,logout`
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}

	a, done, _, _ = running(t, Options{Admin: session.AdminActionRepair, IdentityChecked: true, Reason: "faulty, seen with badge"}, "")
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: &withCard}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err == nil || !strings.Contains(err.Error(), wording.AdminNotOffered("repair")) {
		t.Fatalf("a sponsor's repair: %v", err)
	}
}

// `cardagent admin enrol`: the UUID from --user goes with the holder's new
// passcode, typed twice, to the form; without --user nothing starts.
func TestAdminEnrolInTheTerminal(t *testing.T) {
	if err := CheckAdmin(Options{Admin: session.AdminActionEnrol, IdentityChecked: true, Reason: "new starter"}); err == nil {
		t.Fatal("admin enrol without --user")
	}
	opts := Options{Admin: session.AdminActionEnrol, IdentityChecked: true, Reason: "new starter", UserID: "555000000009"}
	if err := CheckAdmin(opts); err != nil {
		t.Fatal(err)
	}
	a, done, _, _ := running(t, opts, "135790\n135790\n")
	admin := &session.AdminView{Role: "Registration Authority Agent at RX1", Rights: "ra", Reader: "Reader 0"}
	active := &session.Active{User: "Rae"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	withCard := *admin
	withCard.Target = &session.TargetCard{Reader: "Reader 1", Name: wording.AdminBlankCard, Blank: true, InScope: true}
	withCard.Actions = []session.AdminAction{session.AdminActionEnrol}
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: &withCard}
	<-a.got // start admin enrol
	withCard.Action = session.AdminActionEnrol
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 3, Question: 7, Active: active, Admin: &withCard}
	<-a.got // the passcodes
	a.states <- session.State{Screen: session.ScreenAdminDone, Seq: 4, Active: active, Admin: &withCard,
		Prompt: session.Prompt{Hint: wording.AdminEnrolled("Jo Holder", "2 January 2029")}}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := `open admin,start admin enrol,enrol form 555000000009 true "new starter" 135790 135790,close admin,logout`
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}
}

// `cardagent admin cancel`: no passcode is read; the confirmation and
// reason go with the form.
func TestAdminCancelInTheTerminal(t *testing.T) {
	if err := CheckAdmin(Options{Admin: session.AdminActionCancel, Reason: "reported stolen"}); err == nil {
		t.Fatal("admin cancel without --confirm")
	}
	a, done, _, _ := running(t, Options{Admin: session.AdminActionCancel, Confirmed: true, Reason: "reported stolen"}, "")
	admin := &session.AdminView{Role: "Registration Authority Agent at RX1", Rights: "ra", Reader: "Reader 0"}
	active := &session.Active{User: "Rae"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	withCard := *admin
	withCard.Target = &session.TargetCard{Reader: "Reader 1", Name: "Jo Holder", UUID: "555000000009", GUID: "00ff", InScope: true}
	withCard.Actions = []session.AdminAction{session.AdminActionCancel}
	withCard.Action = session.AdminActionCancel
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: &withCard}
	<-a.got // start admin cancel
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 3, Question: 7, Active: active, Admin: &withCard}
	<-a.got // the form
	a.states <- session.State{Screen: session.ScreenAdminDone, Seq: 4, Active: active, Admin: &withCard,
		Prompt: session.Prompt{Hint: wording.AdminCancelled}}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := `open admin,start admin cancel,admin form true "reported stolen"  ,close admin,logout`
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}
}

// A clinician's session has no admin mode: the command says so.
func TestAdminUnlockRefusedForAClinician(t *testing.T) {
	a, done, _, _ := running(t, Options{Admin: session.AdminActionUnlock, IdentityChecked: true, Reason: "x"}, "")
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: &session.Active{User: "Jo"}}
	<-a.got // logout
	if err := <-done; err == nil || !strings.Contains(err.Error(), wording.AdminNotAuthorised.Problem) {
		t.Fatalf("error %v", err)
	}
}

// `cardagent admin positions`: the look-up needs only --user; a change
// the identity check and a reason; the user's positions are looked up,
// the position ended, then listed again, with no card but the RA's.
func TestAdminPositionsInTheTerminal(t *testing.T) {
	for _, bad := range []Options{
		{Admin: session.AdminActionPositions},
		{Admin: session.AdminActionPositions, UserID: "555000000009", Grant: "Ward Clerk", Reason: "starts today"},
		{Admin: session.AdminActionPositions, UserID: "555000000009", Grant: "Ward Clerk", End: "pos-1", IdentityChecked: true, Reason: "both"},
		{Admin: session.AdminActionPositions, UserID: "555000000009", LastDay: "2027-01-31"},
	} {
		if err := CheckAdmin(bad); err == nil {
			t.Errorf("CheckAdmin(%+v) took it", bad)
		}
	}
	opts := Options{Admin: session.AdminActionPositions, UserID: "555000000009", End: "pos-1", LastDay: "2027-01-31",
		IdentityChecked: true, Reason: "fixed-term contract"}
	if err := CheckAdmin(opts); err != nil {
		t.Fatal(err)
	}
	a, done, _, _ := running(t, opts, "")
	admin := &session.AdminView{Role: "Registration Authority Agent at RX1", Rights: "ra", Reader: "Reader 0", ManagesPositions: true}
	active := &session.Active{User: "Rae"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: admin}
	<-a.got // start admin positions
	lookup := *admin
	lookup.Action = session.AdminActionPositions
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 3, Question: 4, Active: active, Admin: &lookup}
	<-a.got // the look-up
	shown := lookup
	shown.Positions = &session.HolderPositions{Name: "Jo Holder", UUID: "555000000009", Organisation: "Riverside Hospital",
		Held: []session.HeldPosition{{ID: "pos-1", Role: "Ward Clerk", Since: time.Now().AddDate(-1, 0, 0), Active: true}}}
	a.states <- session.State{Screen: session.ScreenAdminPositions, Seq: 4, Active: active, Admin: &shown}
	<-a.got // end position
	// The same again, before the end form: the card in the other reader was read.
	a.states <- session.State{Screen: session.ScreenAdminPositions, Seq: 5, Active: active, Admin: &shown}
	ending := shown
	ending.Action = session.AdminActionEndPosition
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 6, Question: 6, Active: active, Admin: &ending}
	<-a.got // the end form
	a.states <- session.State{Screen: session.ScreenAdminPositions, Seq: 7, Active: active, Admin: &shown,
		Prompt: session.Prompt{Hint: wording.AdminEnded("Ward Clerk", true, "31 January 2027")}}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := `open admin,start admin positions,positions form 555000000009 "" "2027-01-31" true "fixed-term contract",end position pos-1,` +
		`positions form 555000000009 "" "2027-01-31" true "fixed-term contract",close admin,logout`
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}
}

// `cardagent admin audit`: a subject is required; the records are printed a
// JSON object a line, page after page up to --pages, a page shown again
// printed once.
func TestAdminAuditInTheTerminal(t *testing.T) {
	if err := CheckAdmin(Options{Admin: session.AdminActionAudit}); err == nil {
		t.Fatal("admin audit without a subject")
	}
	opts := Options{Admin: session.AdminActionAudit, UserID: "555000000009", From: "2026-12-01", Pages: 2}
	if err := CheckAdmin(opts); err != nil {
		t.Fatal(err)
	}
	a, done, out, _ := running(t, opts, "")
	admin := &session.AdminView{Role: "Registration Authority Agent at RX1", Rights: "ra", Reader: "Reader 0", SearchesAudit: true}
	active := &session.Active{User: "Rae"}
	a.states <- session.State{Screen: session.ScreenActive, Seq: 1, Active: active, Admin: admin}
	<-a.got // open admin
	a.states <- session.State{Screen: session.ScreenAdmin, Seq: 2, Active: active, Admin: admin}
	<-a.got // start admin audit
	form := *admin
	form.Action = session.AdminActionAudit
	a.states <- session.State{Screen: session.ScreenAdminForm, Seq: 3, Question: 4, Active: active, Admin: &form}
	<-a.got // the search
	chain := session.ChainStatus{Intact: true, Records: 99, CheckedAt: time.Now()}
	line := func(seq int64) session.AuditLine {
		return session.AuditLine{Seq: seq, At: time.Now(), Action: "login", Outcome: "ok", UserID: "555000000009", Detail: "d"}
	}
	first := form
	first.Audit = &session.AuditPage{Search: "Records of user 555000000009", Page: 1, More: true, Chain: chain,
		Records: []session.AuditLine{line(9), line(8)}}
	a.states <- session.State{Screen: session.ScreenAdminAudit, Seq: 4, Active: active, Admin: &first}
	<-a.got // older
	// The same page again: the card in the other reader was read.
	a.states <- session.State{Screen: session.ScreenAdminAudit, Seq: 5, Active: active, Admin: &first}
	second := form
	second.Audit = &session.AuditPage{Search: first.Audit.Search, Page: 2, More: true, Chain: chain, Records: []session.AuditLine{line(7)}}
	a.states <- session.State{Screen: session.ScreenAdminAudit, Seq: 6, Active: active, Admin: &second}
	<-a.got // close admin
	<-a.got // logout
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := "open admin,start admin audit,audit form 555000000009   2026-12-01 ,older,close admin,logout"
	if got := strings.Join(a.answers, ","); got != want {
		t.Fatalf("answers %q", got)
	}
	if n := strings.Count(out.String(), `"action":"login"`); n != 3 || !strings.Contains(out.String(), `"seq":7,`) {
		t.Fatalf("printed %d records:\n%s", n, out.String())
	}
}
