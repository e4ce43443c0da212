package osdesktop_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session/osdesktop"
)

// Over a real dbus-daemon standing for the system bus and another for the
// session bus, with test services implementing logind and the screen saver
// (testkit.StartLogind, testkit.StartScreenSaver).
func TestLockScreen(t *testing.T) {
	ctx := context.Background()
	t.Run("logind", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		l := testkit.StartLogind(t, testkit.LogindOptions{})
		saver := testkit.StartScreenSaver(t)
		how, err := osdesktop.Desktop{}.LockScreen(ctx)
		if err != nil || how != "logind" || l.Calls.String() != "GetSessionByPID Session.Lock" || saver.String() != "" {
			t.Fatalf("locked by %q (%v): logind %q, screen saver %q", how, err, l.Calls, saver)
		}
	})
	t.Run("logind-by-session-id", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		l := testkit.StartLogind(t, testkit.LogindOptions{OnlyByID: true}) // the agent outside the session
		t.Setenv("XDG_SESSION_ID", "c2")
		if how, err := (osdesktop.Desktop{}).LockScreen(ctx); err != nil || how != "logind" || l.Calls.String() != "GetSessionByPID GetSession:c2 Session.Lock" {
			t.Fatalf("locked by %q (%v): %s", how, err, l.Calls)
		}
	})
	t.Run("screensaver-without-logind", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		saver := testkit.StartScreenSaver(t)
		if how, err := (osdesktop.Desktop{}).LockScreen(ctx); err != nil || how != "screensaver" || saver.String() != "ScreenSaver.Lock" {
			t.Fatalf("locked by %q (%v): %s", how, err, saver)
		}
	})
	t.Run("screensaver-when-logind-refuses", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		l := testkit.StartLogind(t, testkit.LogindOptions{Refuse: true})
		saver := testkit.StartScreenSaver(t)
		if how, err := (osdesktop.Desktop{}).LockScreen(ctx); err != nil || how != "screensaver" || l.Calls.String() != "GetSessionByPID Session.Lock refused" {
			t.Fatalf("locked by %q (%v): logind %q, screen saver %q", how, err, l.Calls, saver)
		}
	})
	t.Run("nothing-to-lock-with", func(t *testing.T) {
		testkit.StartDesktopBuses(t)
		_, err := osdesktop.Desktop{}.LockScreen(ctx)
		if err == nil || !strings.Contains(err.Error(), "logind") || !strings.Contains(err.Error(), "ScreenSaver") {
			t.Fatalf("with neither: %v", err)
		}
	})
}
