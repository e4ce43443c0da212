// Package osdesktop is the session's Desktop on a real workstation: the
// desktop's screen lock over D-Bus, and closing programs by exact
// executable name (docs/removal.md).
package osdesktop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/cardagent/cardagent/internal/sessionbus"
	"github.com/cardagent/cardagent/session"
)

// Desktop locks the desktop session and closes applications.
type Desktop struct {
	// Grace is how long a program may take to quit after SIGTERM before
	// it is killed; default 5 s.
	Grace time.Duration
}

var _ session.Desktop = Desktop{}

// LockScreen asks logind (system bus) to lock the session this process
// runs in; without logind, or when it refuses, the session bus's
// org.freedesktop.ScreenSaver.
func (d Desktop) LockScreen(ctx context.Context) (string, error) {
	errLogind := lockLogind(ctx)
	if errLogind == nil {
		return "logind", nil
	}
	errSaver := lockScreenSaver(ctx)
	if errSaver == nil {
		return "screensaver", nil
	}
	return "", fmt.Errorf("logind: %w; org.freedesktop.ScreenSaver: %w", errLogind, errSaver)
}

// lockLogind calls org.freedesktop.login1.Session.Lock on our session:
// the one logind says this process belongs to, else XDG_SESSION_ID's.
// logind then tells the session's screen locker to lock.
func lockLogind(ctx context.Context) error {
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		return err
	}
	defer conn.Close()
	manager := conn.Object("org.freedesktop.login1", "/org/freedesktop/login1")
	var path dbus.ObjectPath
	err = manager.CallWithContext(ctx, "org.freedesktop.login1.Manager.GetSessionByPID", 0, uint32(os.Getpid())).Store(&path)
	if err != nil {
		id := os.Getenv("XDG_SESSION_ID")
		if id == "" {
			return err
		}
		if err2 := manager.CallWithContext(ctx, "org.freedesktop.login1.Manager.GetSession", 0, id).Store(&path); err2 != nil {
			return errors.Join(err, err2)
		}
	}
	return conn.Object("org.freedesktop.login1", path).CallWithContext(ctx, "org.freedesktop.login1.Session.Lock", 0).Err
}

// lockScreenSaver calls org.freedesktop.ScreenSaver.Lock on the session
// bus (KDE Plasma, and other desktops' screen savers).
func lockScreenSaver(ctx context.Context) error {
	conn, err := sessionbus.Connect()
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Object("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver").
		CallWithContext(ctx, "org.freedesktop.ScreenSaver.Lock", 0).Err
}
