//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/osstore"
)

// demoPasscode is what these tests set on the demo cards; it must appear in
// no log, no keyring entry and no HTTP body.
const demoPasscode = "735193"

// holdsPasscode reports whether text shows demoPasscode (holdsSecret).
func holdsPasscode(text string) bool { return testkit.HoldsSecret(text, demoPasscode) }

// holdsSecret is testkit.HoldsSecret.
var holdsSecret = testkit.HoldsSecret

// demoCard is a virtual card enrolled by identityd for a demo user, with
// demoPasscode set.
func demoCard(t testing.TB, id *testkit.Identityd, user string) *vcard.Card {
	t.Helper()
	return testkit.DemoCard(t, id, user, demoPasscode)
}

// keyringTicket reads the agent's ticket from the Secret Service; ok is
// false when there is none. Tests that need it skip without a D-Bus session.
func keyringTicket(t *testing.T) (session.StoredTicket, bool) {
	t.Helper()
	tk, err := osstore.Keyring{}.Load()
	if errors.Is(err, keyring.ErrNotFound) {
		return tk, false
	}
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	return tk, true
}

func needKeyring(t *testing.T) {
	t.Helper()
	if err := keyring.Set("cardagent-test", "probe", "x"); err != nil {
		if testkit.Required() {
			t.Fatalf("no Secret Service (make test runs e2e under dbus-run-session with gnome-keyring): %v", err)
		}
		t.Skipf("no Secret Service: %v", err)
	}
	keyring.Delete("cardagent-test", "probe")
}

// agentCmd runs the real cardagent binary against the rig.
func agentCmd(t *testing.T, id *testkit.Identityd, args ...string) (*exec.Cmd, *testkit.SyncBuffer) {
	t.Helper()
	bin := testkit.Binary(t, "cardagent")
	full := append(args, "--backend", id.URL, "--ca-pin", id.Pin, "--config", "", "--log-level", "debug", "--trace-apdus", "--workstation", "e2e-ws")
	cmd := exec.Command(bin, full...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket, "HOME="+home, "XDG_CONFIG_HOME="+home+"/.config")
	logs := &testkit.SyncBuffer{}
	cmd.Stderr = logs
	return cmd, logs
}

// loginNoGUI starts `cardagent login --no-gui` as the demo clinician (a
// role given, terms accepted, the demo passcode on stdin) and waits for the
// session it prints.
func loginNoGUI(t *testing.T, id *testkit.Identityd, args ...string) (*exec.Cmd, *testkit.SyncBuffer) {
	t.Helper()
	cmd, logs := agentCmd(t, id, append([]string{"login", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms"}, args...)...)
	cmd.Stdin = strings.NewReader(demoPasscode + "\n")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	var got struct{ User string }
	if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&got); err != nil || got.User == "" {
		t.Fatalf("no session JSON: %v\nagent log:\n%s", err, logs.String())
	}
	return cmd, logs
}

// waitExit waits for the agent to exit cleanly.
func waitExit(t *testing.T, cmd *exec.Cmd, logs *testkit.SyncBuffer) {
	t.Helper()
	if err := waitExitErr(t, cmd, logs); err != nil {
		t.Fatalf("agent: %v\n%s", err, logs.String())
	}
}

// waitExitErr waits for the agent to exit and returns how it did.
func waitExitErr(t *testing.T, cmd *exec.Cmd, logs *testkit.SyncBuffer) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("agent still running:\n%s", logs.String())
	}
	return nil
}

// TestAgentLoginNoGUI: the real binary logs in through pcscd and identityd,
// puts the ticket in the keyring while the session lasts, and removes it
// when the card is pulled; the passcode shows up nowhere.
func TestAgentLoginNoGUI(t *testing.T) {
	needRig(t)
	needKeyring(t)
	id := testkit.StartIdentityd(t)
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	s := insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	cmd, logs := agentCmd(t, id, "login", "--no-gui", "--role", "General Medical Practitioner", "--accept-terms")
	cmd.Stdin = strings.NewReader("000000\n" + demoPasscode + "\n") // one wrong try first
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var got struct {
		User, UUID, Role, Organisation string
	}
	if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&got); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no session JSON: %v\nagent log:\n%s", err, logs.String())
	}
	if got.User != "Dr Ada Demo" || got.UUID != testkit.DemoClinician || got.Role != "General Medical Practitioner" {
		t.Fatalf("session %+v", got)
	}
	if !logs.Contains("Wrong passcode") {
		t.Errorf("the wrong try was not reported:\n%s", logs.String())
	}
	if n := strings.Count(logs.String(), "Passcode ("); n != 2 {
		t.Errorf("%d passcode prompts for two questions (one wrong try, one right):\n%s", n, logs.String())
	}
	if logs.Contains("user locale") {
		t.Errorf("the start complained about the locale:\n%s", logs.String())
	}
	var tk session.StoredTicket
	var ok bool
	for end := time.Now().Add(5 * time.Second); !ok && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		tk, ok = keyringTicket(t) // saved just after the active screen
	}
	if !ok || tk.Token == "" || tk.UserID != testkit.DemoClinician || tk.WorkstationID != "e2e-ws" {
		t.Fatalf("keyring during the session: %+v %v", tk, ok)
	}
	keyringValue, _ := keyring.Get("cardagent", "session")

	s.Pull() // the agent locks and exits; the ticket goes
	waitExit(t, cmd, logs)
	if _, ok := keyringTicket(t); ok {
		t.Fatal("ticket still in the keyring after the card was pulled")
	}
	for what, text := range map[string]string{"agent log": logs.String(), "identityd log": id.Logs.String(), "keyring": keyringValue} {
		if holdsPasscode(text) {
			t.Errorf("the passcode appears in the %s", what)
		}
	}
	if !logs.Contains("apdu") {
		t.Error("APDU trace was off: the log check proves nothing")
	}
}

// recorder keeps every HTTP request body the agent sends.
type recorder struct {
	next   http.RoundTripper
	bodies testkit.SyncBuffer
	n      atomic.Int64
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		for k, v := range req.Header {
			b = append(b, k+": "+strings.Join(v, ",")+"\n"...)
		}
		r.bodies.Write(b) // one Write: a request's body and headers stay together
		r.n.Add(1)
	}
	return r.next.RoundTrip(req)
}

// TestSessionOverRealParts runs the session package in-process over the
// real parts — pcscd, vcard, identityd over HTTPS — capturing every HTTP
// request: the passcode is in none. It also counts HTTP requests per login
// and checks Session Lock Persistence end to end.
func TestSessionOverRealParts(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { sessionOverRealParts(t, "") })
	t.Run("postgres", func(t *testing.T) { sessionOverRealParts(t, testkit.Postgres(t)) })
}

func sessionOverRealParts(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db, "-session-lock-persistence")
	m, ch := startMonitor(t)
	_ = m
	rec := &recorder{}
	backend, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "e2e-ws-2",
		WrapTransport: func(next http.RoundTripper) http.RoundTripper { rec.next = next; return rec }})
	if err != nil {
		t.Fatal(err)
	}
	events, unsub := m.Subscribe()
	defer unsub()
	agentLog := &testkit.SyncBuffer{}
	agent := session.New(session.Config{Logger: slog.New(slog.NewTextHandler(agentLog, nil))}, backend, events,
		func(name string) (session.CardConn, error) { return reader.Open(name) }, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- agent.Run(ctx) }()
	defer func() { cancel(); <-runDone }()
	states, unsubStates := agent.Subscribe()
	defer unsubStates()
	wait := func(screen session.Screen) session.State {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case s := <-states:
				if s.Screen == screen {
					return s
				}
			case <-deadline:
				c := agent.Current()
				t.Fatalf("no %v within 10 s; now %v %q %q", screen, c.Screen, c.Problem, c.Message)
			}
		}
	}

	card := demoCard(t, id, testkit.DemoClinician)
	s := insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	p := wait(session.ScreenPasscode)
	for !p.Card.Verified { // the card is checked against the CA once the client has met the backend
		p = wait(session.ScreenPasscode)
	}
	if p.Card.Name != "Dr Ada Demo" || p.TriesLeft != 3 {
		t.Fatalf("prompt %+v", p.Card)
	}
	before := rec.n.Load()
	agent.SubmitPasscode(agent.Current().Question, []byte(demoPasscode))
	if st := wait(session.ScreenTerms); st.Terms == nil {
		t.Fatal("no terms on first login")
	}
	loginRequests := rec.n.Load() - before
	agent.AcceptTerms(agent.Current().Question)
	wait(session.ScreenRoles)
	agent.SelectRole(agent.Current().Question, 0)
	active := wait(session.ScreenActive)
	t.Logf("HTTP requests: %d for challenge + login, %d in all to the active screen (terms and role included)", loginRequests, rec.n.Load()-before)
	if loginRequests != 2 {
		t.Errorf("%d HTTP requests for a login, want 2", loginRequests)
	}

	// Pull: locked at once, suspended; the same card resumes.
	s.Pull()
	if l := wait(session.ScreenLocked); l.Active == nil || !l.Active.Suspended {
		t.Fatalf("locked %+v\n%s", l.Active, agentLog.String())
	}
	insert(t, card, 0)
	wait(session.ScreenPasscode)
	agent.SubmitPasscode(agent.Current().Question, []byte(demoPasscode))
	resumed := wait(session.ScreenActive)
	if !resumed.Active.Since.Equal(active.Active.Since) {
		t.Error("resume started a new session")
	}

	bodies := rec.bodies.String()
	if holdsPasscode(bodies) {
		t.Fatal("the passcode was sent to the backend")
	}
	if !strings.Contains(bodies, "signature") {
		t.Fatal("the recorder saw no login body: the check proves nothing")
	}
}
