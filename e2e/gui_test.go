//go:build e2e

package e2e

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

// xvfb starts a private X server for the test and returns its DISPLAY.
func xvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testkit.Required() {
				t.Fatalf("%s missing: make deps installs it", tool)
			}
			t.Skipf("%s missing: run make deps", tool)
		}
	}
	for n := 200 + os.Getpid()%500; n < 1000; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if xdo(display, "getdisplaygeometry") == nil {
				return display
			}
		}
		t.Fatalf("Xvfb %s did not start", display)
	}
	t.Fatal("no free X display")
	return ""
}

func xdo(display string, args ...string) error {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	return cmd.Run()
}

// screenLog follows the agent's "state screen=NAME" debug lines.
type screenLog struct {
	t    *testing.T
	logs *testkit.SyncBuffer
	seen int // lines already consumed
}

var screenLine = regexp.MustCompile(`screen=([a-z-]+) `)

// wait returns once a new line announces screen (or fails after 15 s).
func (s *screenLog) wait(screen string) {
	s.t.Helper()
	s.waitAny(screen)
}

// waitAny returns the first of screens a new line announces (or fails
// after 15 s).
func (s *screenLog) waitAny(screens ...string) string {
	s.t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(30 * time.Millisecond) {
		lines := strings.Split(s.logs.String(), "\n")
		for i := s.seen; i < len(lines); i++ {
			if m := screenLine.FindStringSubmatch(lines[i]); m != nil && slices.Contains(screens, m[1]) {
				s.seen = i + 1
				time.Sleep(300 * time.Millisecond) // let Fyne paint
				return m[1]
			}
		}
	}
	s.t.Fatalf("no %q screen within 15 s; agent log tail:\n%s", screens, tail(s.logs.String(), 15))
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// lockShown reports whether the screenshot shows the lock icon. Both the
// lock (locked screen) and the card icon (insert screen) are NHS-blue shapes
// above the centre; the lock's body is solid but for a small keyhole, while
// the card icon holds a wide white card. So: find the blue blob above the
// centre and measure the widest non-blue run inside it, row by row.
func lockShown(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	isBlue := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r>>8 < 0x20 && g>>8 > 0x40 && g>>8 < 0x80 && b>>8 > 0x90 // #005EB8
	}
	bounds := img.Bounds()
	cx, cy := bounds.Dx()/2, bounds.Dy()/2
	area := image.Rect(cx-80, max(60, cy-260), cx+80, cy-20).Intersect(bounds)
	blob := image.Rectangle{}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if isBlue(x, y) {
				blob = blob.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if blob.Dx() < 30 || blob.Dy() < 30 {
		return false // no icon at all
	}
	widestHole := 0
	for y := blob.Min.Y + blob.Dy()*6/10; y < blob.Max.Y-2; y++ { // the lower part: the lock's body
		run := 0
		for x := blob.Min.X; x < blob.Max.X; x++ {
			if isBlue(x, y) {
				run = 0
				continue
			}
			run++
			widestHole = max(widestHole, run)
		}
	}
	return widestHole < blob.Dx()/3
}

// guiAgent is the real agent's window in an X server of the test's own.
type guiAgent struct {
	t       *testing.T
	display string
	cmd     *exec.Cmd
	logs    *testkit.SyncBuffer
	screens *screenLog
}

// startGUI starts the window (with args) and waits for it to ask for a card.
func startGUI(t *testing.T, id *testkit.Identityd, display string, args ...string) *guiAgent {
	t.Helper()
	cmd, logs := agentCmd(t, id, args...)
	cmd.Env = append(cmd.Env, "DISPLAY="+display, "LANG=C.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	g := &guiAgent{t: t, display: display, cmd: cmd, logs: logs, screens: &screenLog{t: t, logs: logs}}
	g.screens.wait("insert-card")
	return g
}

// typeIn types s and Return into the window, once it is shown and has the
// keyboard (a tray-resident window maps only when the card needs its holder).
func (g *guiAgent) typeIn(s string) {
	g.t.Helper()
	g.waitWindow(true)
	xdo(g.display, "search", "--onlyvisible", "--name", "NHS Smartcard", "windowfocus")
	if err := xdo(g.display, "type", "--delay", "30", s); err != nil {
		g.t.Fatal(err)
	}
	xdo(g.display, "key", "Return")
}

// login inserts card in reader 0 and logs in as the demo clinician would:
// the passcode, the terms accepted if asked (once per user), the second
// role.
func (g *guiAgent) login(card *vcard.Card, ch <-chan reader.Event) *testkit.Slot {
	g.t.Helper()
	s := insert(g.t, card, 0)
	waitCard(g.t, ch, reader.CardInserted, rig.ReaderName(0))
	g.screens.wait("passcode")
	g.typeIn(demoPasscode)
	if g.screens.waitAny("terms", "roles") == "terms" {
		xdo(g.display, "key", "space") // Accept has the focus
		g.screens.wait("roles")
	}
	xdo(g.display, "key", "Down", "Return")
	g.screens.wait("active")
	return s
}

// TestGUIJourney: the real binary in a real X server, driven by keystrokes:
// login, terms, role, the card pulled (a screenshot must show the lock),
// the same card resumes the session (Session Lock Persistence). The keyring
// holds the ticket only while the session is active; the passcode is in no
// log and no keyring entry.
func TestGUIJourney(t *testing.T) {
	needRig(t)
	needKeyring(t)
	display := xvfb(t)
	id := testkit.StartIdentityd(t, "-session-lock-persistence")
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	g := startGUI(t, id, display)
	logs, screens, typeIn := g.logs, g.screens, g.typeIn
	s := g.login(card, ch)
	assertNotVerified(t, "after a login in the window")
	var first string
	for end := time.Now().Add(5 * time.Second); first == "" && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if tk, ok := keyringTicket(t); ok {
			first = tk.Token
		}
	}
	if first == "" {
		t.Fatal("no ticket in the keyring during the session")
	}

	s.Pull()
	screens.wait("locked")
	shot := filepath.Join(t.TempDir(), "locked.png")
	find := exec.Command("xdotool", "search", "--name", "NHS Smartcard")
	find.Env = append(os.Environ(), "DISPLAY="+display)
	win, err := find.Output()
	if err != nil {
		t.Fatalf("window not found: %v", err)
	}
	imp := exec.Command("import", "-window", strings.Fields(string(win))[0], shot)
	imp.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v %s", err, out)
	}
	if !lockShown(t, shot) {
		t.Fatalf("the screenshot after the pull does not show the lock (%s)", shot)
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if _, ok := keyringTicket(t); !ok {
			break
		}
	}
	if _, ok := keyringTicket(t); ok {
		t.Fatal("ticket still in the keyring while the session is locked")
	}

	// The same card resumes the suspended session.
	insert(t, card, 0)
	screens.wait("passcode")
	typeIn(demoPasscode)
	screens.wait("active")
	assertNotVerified(t, "after the window resumed the session")
	if n := strings.Count(logs.String(), "screen=terms "); n != 1 {
		t.Fatalf("terms shown %d times: resume must not ask again", n)
	}
	var resumed string
	for end := time.Now().Add(5 * time.Second); resumed == "" && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if tk, ok := keyringTicket(t); ok {
			resumed = tk.Token
		}
	}
	if resumed == "" || resumed == first {
		t.Fatalf("after resume the keyring holds %q (before: a different token was expected)", resumed)
	}
	value, _ := keyring.Get("cardagent", "session")
	for what, text := range map[string]string{"agent log": logs.String(), "identityd log": id.Logs.String(), "keyring": value} {
		if holdsPasscode(text) {
			t.Errorf("the passcode appears in the %s", what)
		}
	}
}

// The lock detector tells the locked screen from the others, on the
// committed screenshots of the real binary.
func TestLockShownDetector(t *testing.T) {
	dir := filepath.Join(testkit.RepoRoot(), "docs", "screenshots")
	for name, want := range map[string]bool{
		"locked-1280x800.png": true, "locked-800x600.png": true,
		"active-1280x800.png": false, "passcode-1280x800.png": false, "insert-card-1280x800.png": false, "blocked-800x600.png": false,
	} {
		if got := lockShown(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s: lockShown = %v, want %v", name, got, want)
		}
	}
}

// windowShown reports whether the agent's window is mapped on display.
func windowShown(display string) bool {
	return xdo(display, "search", "--onlyvisible", "--name", "NHS Smartcard") == nil
}

// waitWindow waits up to 10 s for the window to be shown (or hidden).
func (g *guiAgent) waitWindow(shown bool) {
	g.t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if windowShown(g.display) == shown {
			return
		}
	}
	g.t.Fatalf("the window is not %s; agent log tail:\n%s", map[bool]string{true: "shown", false: "hidden"}[shown], tail(g.logs.String(), 15))
}

// TestTrayResidentWindow: with --tray-resident on (and a session bus for
// the tray), the real window is not mapped while the agent waits for a
// card, appears when the card is inserted, hides once a role is chosen,
// stays hidden on the lock and appears again for the passcode.
func TestTrayResidentWindow(t *testing.T) {
	needRig(t)
	display := xvfb(t)
	testkit.StartSessionBus(t, false)
	id := testkit.StartIdentityd(t, "-session-lock-persistence")
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	g := startGUI(t, id, display, "--tray-resident", "on")
	if windowShown(display) {
		t.Fatal("the window is shown while waiting for a card")
	}
	s := g.login(card, ch) // the window appears for the passcode: typing reaches it
	g.waitWindow(false)
	s.Pull()
	g.screens.wait("locked")
	if windowShown(display) {
		t.Fatal("the window is shown on the lock")
	}
	insert(t, card, 0)
	g.screens.wait("passcode")
	g.waitWindow(true)
	g.typeIn(demoPasscode)
	g.screens.wait("active")
	g.waitWindow(false)
}
