//go:build e2e

package e2e

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
)

// waitCalls waits up to 10 s for the test service's calls to read want.
func waitCalls(t *testing.T, c *testkit.DesktopCalls, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for c.String() != want {
		select {
		case <-c.Seen():
		case <-deadline:
			t.Fatalf("desktop calls %q, want %q", c.String(), want)
		}
	}
}

// TestRemovalActions: the real agent's window, a card pulled, and what it
// does to the desktop, over real dbus-daemons standing for the system and
// session buses with test services for logind and the screen saver. The
// agent's own lock comes first each time.
func TestRemovalActions(t *testing.T) {
	needRig(t)
	display := xvfb(t)
	id := testkit.StartIdentityd(t, "-session-lock-persistence", "-removal-action", "lock-desktop")
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)

	t.Run("lock-desktop-by-policy-logind", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		l := testkit.StartLogind(t, testkit.LogindOptions{})
		saver := testkit.StartScreenSaver(t)
		g := startGUI(t, id, display)
		g.login(card, ch).Pull()
		g.screens.wait("locked")
		waitCalls(t, l.Calls, "GetSessionByPID Session.Lock")
		if saver.String() != "" || !eventuallyLogged(g.logs, "desktop locked", "how=logind") {
			t.Fatalf("screen saver %q; agent log:\n%s", saver, tail(g.logs.String(), 20))
		}
	})

	t.Run("lock-desktop-screensaver-fallback", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		l := testkit.StartLogind(t, testkit.LogindOptions{Refuse: true})
		saver := testkit.StartScreenSaver(t)
		g := startGUI(t, id, display)
		g.login(card, ch).Pull()
		g.screens.wait("locked")
		waitCalls(t, saver, "ScreenSaver.Lock")
		if l.Calls.String() != "GetSessionByPID Session.Lock refused" || !eventuallyLogged(g.logs, "desktop locked", "how=screensaver") {
			t.Fatalf("logind %q; agent log:\n%s", l.Calls, tail(g.logs.String(), 20))
		}
	})

	t.Run("logout-by-local-override", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		l := testkit.StartLogind(t, testkit.LogindOptions{})
		start := func(name string) *exec.Cmd {
			cmd := exec.Command(testkit.NamedProgram(t, "sleep", name), "300")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			return cmd
		}
		client, lookalike := start("wardclient"), start("wardclient2")
		exited := make(chan error, 1)
		go func() { exited <- client.Wait() }()
		g := startGUI(t, id, display, "--removal-action", "logout", "--close-applications", "wardclient")
		g.login(card, ch).Pull()
		g.screens.wait("insert-card") // logged out: no lock screen, no suspended session
		select {
		case err := <-exited:
			if ws, ok := exitStatus(err); !ok || ws.Signal() != syscall.SIGTERM {
				t.Fatalf("wardclient ended by %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("wardclient still runs; agent log:\n%s", tail(g.logs.String(), 20))
		}
		if err := lookalike.Process.Signal(syscall.Signal(0)); err != nil {
			t.Fatal("a program with a similar name was closed")
		}
		if !eventuallyLogged(g.logs, "applications closed on logout", "wardclient") || !g.logs.Contains("removal action logout") {
			t.Fatalf("agent log:\n%s", tail(g.logs.String(), 20))
		}
		if g.logs.Contains("session locked") {
			t.Fatal("logout locked (and so kept) the session instead of ending it")
		}
		if l.Calls.String() != "" {
			t.Fatalf("logout locked the desktop: %s", l.Calls)
		}
	})
}

// eventuallyLogged waits up to 10 s for a log line holding all of words.
func eventuallyLogged(logs *testkit.SyncBuffer, words ...string) bool {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(logs.String(), "\n") {
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func exitStatus(err error) (syscall.WaitStatus, bool) {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ws, ok && ws.Signaled()
}
