//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
)

// needBrowser skips (or fails under make test) without node, the
// playwright-core module and Debian's chromium.
func needBrowser(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(testkit.RepoRoot(), "examples", "wardnotes", "browser")
	for what, ok := range map[string]bool{
		"node":            lookPath("node"),
		"chromium":        fileExists("/usr/bin/chromium"),
		"playwright-core": fileExists(filepath.Join(dir, "node_modules", "playwright-core", "package.json")),
	} {
		if !ok {
			if testkit.Required() {
				t.Fatalf("%s missing: make deps installs it", what)
			}
			t.Skipf("%s missing: run make deps", what)
		}
	}
	return dir
}

func lookPath(name string) bool   { _, err := exec.LookPath(name); return err == nil }
func fileExists(path string) bool { _, err := os.Stat(path); return err == nil }

var appListenRE = regexp.MustCompile(`listening on (http://\S+)`)

var lockedLine = regexp.MustCompile(`time=(\S+) level=DEBUG msg=state screen=locked `)

// lockedAfter is how long after pulled the agent logged the locked screen:
// the part of the pull-to-page time that is pcscd and the agent.
func lockedAfter(agentLog string, pulled time.Time) string {
	for _, m := range lockedLine.FindAllStringSubmatch(agentLog, -1) {
		if at, err := time.Parse(time.RFC3339Nano, m[1]); err == nil && at.After(pulled) {
			return at.Sub(pulled).Round(time.Millisecond).String()
		}
	}
	return "?"
}

// TestClinicalAppInBrowser: the sample clinical web app (examples/wardnotes)
// in headless Chromium against the real agent's window, identityd and a
// D-Bus session bus of the test's own. Signing in from the agent's ticket
// shows the user and role; tickets for another audience, altered, unsigned
// or expired are refused; pulling the card takes the page to its lock (the
// time is reported); while locked the agent gives no ticket; after the
// card is back with its passcode signing in works again.
func TestClinicalAppInBrowser(t *testing.T) {
	needRig(t)
	browserDir := needBrowser(t)
	display := xvfb(t)
	testkit.StartSessionBus(t, false) // the agent, the app and `cardagent ticket` meet here
	id := testkit.StartIdentityd(t, "-session-lock-persistence", "-assertion-lifetime", "3s")
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	g := startGUI(t, id, display)
	slot := g.login(card, ch)

	c, err := localapi.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var st localapi.Status
	for end := time.Now().Add(10 * time.Second); st.State != session.LocalActive && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		st, _ = c.Status(context.Background()) // the window shows "active" as the agent publishes it
	}
	if st.State != session.LocalActive || st.Name != "Dr Ada Demo" || st.Role == "" {
		t.Fatalf("agent status %+v", st)
	}

	app := exec.Command(testkit.Binary(t, "examples/wardnotes"), "--listen", "127.0.0.1:0", "--identityd", id.URL, "--ca-pin", id.Pin,
		"--clock-leeway", "0s", "--recheck", "1m")
	appLogs := &testkit.SyncBuffer{}
	app.Stderr = appLogs
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Process.Kill(); app.Wait() })
	var appURL string
	for end := time.Now().Add(10 * time.Second); appURL == "" && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if m := appListenRE.FindStringSubmatch(appLogs.String()); m != nil {
			appURL = m[1]
		}
	}
	if appURL == "" {
		t.Fatalf("the app did not start:\n%s", appLogs.String())
	}

	agentBin := testkit.Binary(t, "cardagent")
	var pulledAt atomic.Int64 // UnixNano, set by the control server's goroutine
	var slotMu sync.Mutex     // the handlers run on goroutines of their own
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ticket": // through the command scripts use
			out, err := exec.Command(agentBin, "ticket", "--audience", r.URL.Query().Get("audience")).Output()
			if err != nil {
				http.Error(w, "cardagent ticket: "+err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write(out)
		case "/pull":
			slotMu.Lock()
			defer slotMu.Unlock()
			pulledAt.Store(time.Now().UnixNano())
			slot.PullNow() // as a hand pulls it: nothing waits for pcscd
		case "/resume":
			slotMu.Lock()
			defer slotMu.Unlock()
			g.screens.wait("locked")
			slot = insert(t, card, 0)
			g.screens.wait("passcode")
			g.typeIn(demoPasscode)
			g.screens.wait("active")
		default:
			http.NotFound(w, r)
		}
	}))
	defer control.Close()

	node := exec.Command("node", "test.mjs")
	node.Dir = browserDir
	node.Env = append(os.Environ(), "APP="+appURL, "CONTROL="+control.URL, "EXPECT_NAME="+st.Name, "EXPECT_ROLE="+st.Role, "SHOTS="+os.Getenv("CARDAGENT_SHOTS"))
	nodeLogs := &testkit.SyncBuffer{}
	node.Stderr = nodeLogs
	out, err := node.Output()
	if err != nil {
		t.Fatalf("browser test: %v\n%s\nstdout: %s\napp log:\n%s\nagent log tail:\n%s", err, nodeLogs.String(), out, appLogs.String(), tail(g.logs.String(), 30))
	}
	var results struct {
		PullToLockedMS int64 `json:"pull_to_locked_ms"`
	}
	line := strings.TrimSpace(string(out))
	if sc := bufio.NewScanner(strings.NewReader(line)); sc.Scan() {
		json.Unmarshal(sc.Bytes(), &results)
	}
	if results.PullToLockedMS <= 0 {
		t.Fatalf("no pull-to-locked time in %q", out)
	}
	t.Logf("pull-to-locked-page: %d ms (the agent locked %s after the pull)", results.PullToLockedMS, lockedAfter(g.logs.String(), time.Unix(0, pulledAt.Load())))
	if p := os.Getenv("CARDAGENT_PULL_TIMES"); p != "" { // make bench collects them
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			f.WriteString(strings.TrimSpace(line) + "\n")
			f.Close()
		}
	}
	for what, text := range map[string]string{"agent log": g.logs.String(), "app log": appLogs.String(), "browser log": nodeLogs.String()} {
		if holdsPasscode(text) {
			t.Errorf("the passcode appears in the %s", what)
		}
	}
}
