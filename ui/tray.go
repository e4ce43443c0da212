package ui

import (
	"os"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/cardagent/cardagent/assets"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// tray is the system tray icon: a status line, Show, Lock, Log out, Quit.
type tray struct {
	u      *UI
	menu   *fyne.Menu
	status *fyne.MenuItem
	show   *fyne.MenuItem
	lock   *fyne.MenuItem
	logout *fyne.MenuItem
	renew  *fyne.MenuItem
	change *fyne.MenuItem // change passcode
	quit   *fyne.MenuItem

	desk desktop.App // nil where there is no tray (tests, mobile)
}

func newTray(u *UI) *tray {
	t := &tray{u: u}
	t.status = fyne.NewMenuItem("Starting", nil)
	t.status.Disabled = true
	t.show = fyne.NewMenuItem("Show window", func() {
		u.hidden = false
		u.win.Show()
		u.win.RequestFocus()
	})
	t.lock = fyne.NewMenuItem("Lock", u.sess.Lock)
	t.logout = fyne.NewMenuItem("Log out", u.sess.Logout)
	t.renew = fyne.NewMenuItem(wording.RenewTrayItem, func() {
		u.hidden = false
		u.win.Show()
		u.sess.Renew()
	})
	t.change = fyne.NewMenuItem(wording.ChangePasscodeTrayItem, func() {
		u.hidden = false
		u.win.Show()
		u.sess.ChangePasscode()
	})
	t.quit = fyne.NewMenuItem("Quit", u.quit)
	t.quit.IsQuit = true
	t.menu = fyne.NewMenu(Title, t.status, fyne.NewMenuItemSeparator(), t.show, t.lock, t.logout, t.renew, t.change,
		fyne.NewMenuItemSeparator(), t.quit)
	t.desk, _ = u.app.(desktop.App)
	if !trayHostReachable() {
		t.desk = nil
	}
	return t
}

// trayHostReachable reports whether a system tray can exist here. On Linux
// the tray (StatusNotifierItem) lives on the D-Bus session bus; without one
// Fyne's systray cannot connect and, in v2.7.1, crashes when the app quits.
func trayHostReachable() bool {
	if runtime.GOOS != "linux" && !strings.HasSuffix(runtime.GOOS, "bsd") {
		return true
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// install puts the icon in the tray, where there is one. Closing the window
// then hides it to the tray; without a tray closing it quits.
func (t *tray) install() {
	if t.desk == nil {
		t.u.win.SetCloseIntercept(t.u.quit)
		return
	}
	t.desk.SetSystemTrayIcon(assets.TrayIcon)
	t.desk.SetSystemTrayMenu(t.menu)
	t.desk.SetSystemTrayWindow(t.u.win)
	t.u.win.SetCloseIntercept(func() {
		t.u.hidden = true
		t.u.win.Hide()
	})
}

func (t *tray) render(st session.State) {
	status := statusLine(st)
	lock := st.Screen != session.ScreenActive
	logout := st.Active == nil
	renew := st.Screen != session.ScreenActive || st.Expiry == nil || !st.Expiry.CanSelfRenew
	change := st.Screen != session.ScreenActive
	if status == t.status.Label && lock == t.lock.Disabled && logout == t.logout.Disabled && renew == t.renew.Disabled && change == t.change.Disabled {
		return
	}
	t.change.Disabled = change
	t.status.Label = status
	t.lock.Disabled = lock
	t.logout.Disabled = logout
	t.renew.Disabled = renew
	if t.desk != nil {
		t.menu.Refresh()
	}
}

// statusLine says in a few words what the agent is doing.
func statusLine(st session.State) string {
	switch st.Screen {
	case session.ScreenInsertCard:
		return wording.StatusWaitingCard
	case session.ScreenReadingCard:
		return wording.StatusReadingCard
	case session.ScreenPasscode:
		return wording.StatusWaitingPasscode
	case session.ScreenSigningIn, session.ScreenTerms, session.ScreenRoles:
		return wording.StatusSigningIn
	case session.ScreenRenewPasscode, session.ScreenRenewing:
		return wording.StatusRenewing
	case session.ScreenActive, session.ScreenRenewed, session.ScreenRenewFailed, session.ScreenChangePasscode,
		session.ScreenChangingPasscode, session.ScreenPasscodeChanged, session.ScreenPasscodeChangeFailed:
		if a := st.Active; a != nil {
			return wording.StatusSignedIn(a.User, a.Role)
		}
		return wording.StatusSignedIn("", "")
	case session.ScreenLocked:
		return wording.StatusLocked
	case session.ScreenNoService, session.ScreenNoReader, session.ScreenCardProblem,
		session.ScreenBlocked, session.ScreenBackendError:
		return wording.StatusProblem(problemTitle(st.Screen))
	case session.ScreenUnlockCode, session.ScreenUnlockPasscode, session.ScreenUnlocking, session.ScreenUnlocked, session.ScreenUnlockFailed:
		return wording.StatusUnlocking
	default:
		return wording.StatusStarting
	}
}
