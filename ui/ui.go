// Package ui is the cardagent desktop window: Fyne screens that render
// session.State snapshots and send the user's intents back to the session.
//
// The package holds no logic. Which screen shows is State.Screen; every text
// comes from the State or is a fixed caption; nothing here talks to a card or
// to the backend. States arrive on the Subscribe channel and are applied on
// the Fyne goroutine by bridge.go, the package's only use of fyne.Do.
package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/cardagent/cardagent/assets"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// Session is what the UI needs from the agent: a stream of States and the
// intents a user can express. session.Agent (or whatever the session package
// calls it) satisfies it; tests use a fake.
type Session interface {
	Subscribe() (<-chan session.State, func()) // first value is the current state
	// The answers name the State.Question they answer.
	SubmitPasscode(question uint64, p []byte) // takes ownership; the session wipes it
	AcceptTerms(question uint64)
	DeclineTerms(question uint64)
	SelectRole(question uint64, index int)
	Lock()
	Logout()
	Retry()
	Quit() // log out and end the agent
	// The certificate renewal popup.
	Renew()
	SubmitRenewalPasscode(question uint64, p []byte) // takes ownership; the session wipes it
	CloseRenewal()
	// Self-service unlock of a blocked card.
	StartUnlock()
	SubmitUnlockCode(question uint64, code []byte)            // takes ownership; the session wipes it
	SubmitUnlockPasscode(question uint64, next, again []byte) // takes ownership; the session wipes them
	SubmitUnlockAnswers(question uint64, answers []string)
	CloseUnlock()
	// The security questions screen (from the active session).
	OpenQuestions()
	SubmitQuestions(question uint64, ids, answers []string, passcode []byte) // takes ownership of passcode; the session wipes it
	SubmitQuestionsCode(question uint64, code []byte)                        // takes ownership; the session wipes it
	CloseQuestions()
	// The passcode change popup.
	ChangePasscode()
	SubmitPasscodeChange(question uint64, current, next, again []byte) // takes ownership; the session wipes them
	ClosePasscodeChange()
	// Admin mode: the card in the other reader.
	OpenAdmin()
	StartAdminAction(action session.AdminAction)
	SubmitAdminForm(question uint64, identityChecked bool, reason string, first, second []byte)                // takes ownership of the passcodes
	SubmitEnrolForm(question uint64, userID string, identityChecked bool, reason string, first, second []byte) // likewise
	CloseAdmin()
	// Admin mode: access positions.
	SubmitPositionForm(question uint64, f session.PositionForm)
	EndPosition(id string)
	BackInAdmin()
	// Admin mode: the audit view.
	SubmitAuditForm(question uint64, f session.AuditForm)
	AuditOlder()
}

// Title is the main window's title.
const Title = "NHS Smartcard"

// view is one screen. content is built once; render updates it in place
// from a State and must be cheap.
type view interface {
	content() fyne.CanvasObject
	render(st session.State)
}

// focuser is a view that puts the keyboard somewhere when it is rendered
// (the passcode field, the role list).
type focuser interface {
	focus(c fyne.Canvas)
}

// leaver is a view that must let go of something when another screen
// replaces it (the passcode field is cleared, animations stop).
type leaver interface {
	leave()
}

// UI is the main window and the tray icon of the agent.
type UI struct {
	app  fyne.App
	sess Session
	win  fyne.Window
	now  func() time.Time

	chrome *chrome
	body   *fyne.Container
	tray   *tray

	starting, reading, signingIn *progressView
	insert                       *insertView
	problem                      *problemView
	passcode                     *passcodeView
	terms                        *termsView
	roles                        *rolesView
	active                       *activeView
	locked                       *lockedView
	unlock                       *unlockView
	renew                        *renewPopup
	passcodeChange               *passcodePopup
	questions                    *questionsView
	admin                        *adminView

	current  view
	state    session.State
	hidden   bool // the window is not shown: closed to the tray, or resident
	resident bool // tray-resident: shown only while someone is needed (SetResident)

	onApplied func(session.State) // tests: called after each State is applied
	notified  uint64              // the login whose expiry alert was last notified
}

// New builds the main window (not yet shown) for sess. It sets the app's
// icon and theme; call Run to show it and run the app.
func New(app fyne.App, sess Session) *UI {
	app.SetIcon(assets.IconPNG)
	app.Settings().SetTheme(newTheme())

	u := &UI{app: app, sess: sess, now: time.Now}
	u.win = app.NewWindow(Title)
	u.win.SetIcon(assets.IconPNG)
	u.win.SetPadded(false) // the header bar runs edge to edge

	u.starting = newProgressView("Starting…")
	u.reading = newProgressView("Reading your card…")
	u.signingIn = newProgressView("Signing you in…")
	u.insert = newInsertView()
	u.problem = newProblemView(sess)
	u.passcode = newPasscodeView(sess)
	u.terms = newTermsView(sess)
	u.roles = newRolesView(sess)
	u.active = newActiveView(sess, func() time.Time { return u.now() })
	u.locked = newLockedView()
	u.unlock = newUnlockView(sess)

	u.chrome = newChrome()
	u.body = container.NewStack()
	u.win.SetContent(container.NewBorder(u.chrome.header, u.chrome.footer, nil, nil, u.body))
	u.renew = newRenewPopup(sess, u.win.Canvas())
	u.passcodeChange = newPasscodePopup(sess, u.win.Canvas())
	u.questions = newQuestionsView(sess)
	u.admin = newAdminView(sess)
	u.win.Resize(fyne.NewSize(960, 680))

	u.tray = newTray(u)
	u.tray.install()
	u.apply(session.State{}) // "Starting…" until the first State arrives
	return u
}

// Window is the main window (for the screenshot script and tests).
func (u *UI) Window() fyne.Window { return u.win }

// OnApplied registers f to run on the Fyne goroutine after each State is
// rendered: instrumentation (benchmarks time "screen drawn" with it). Set it
// before Run or Follow.
func (u *UI) OnApplied(f func(session.State)) { u.onApplied = f }

// Follow starts rendering the session's States without running the event
// loop (for a driver that runs its own, such as fyne's test driver).
func (u *UI) Follow() (stop func()) { return u.start() }

// Run shows the window (unless it is tray-resident), follows the session's
// States and runs the Fyne event loop until the app quits.
func (u *UI) Run() {
	stop := u.start()
	defer stop()
	if u.resident {
		u.app.Run() // the window shows when a card needs its holder
		return
	}
	u.win.ShowAndRun()
}

// start subscribes to the session and starts the bridge.
func (u *UI) start() (stop func()) {
	states, cancel := u.sess.Subscribe()
	done := make(chan struct{})
	go u.bridge(states, done)
	return func() {
		close(done)
		cancel()
	}
}

// viewFor maps a Screen to the view that shows it.
func (u *UI) viewFor(s session.Screen) view {
	switch s {
	case session.ScreenInsertCard:
		return u.insert
	case session.ScreenReadingCard:
		return u.reading
	case session.ScreenNoService, session.ScreenNoReader, session.ScreenCardProblem,
		session.ScreenBlocked, session.ScreenBackendError:
		return u.problem
	case session.ScreenPasscode:
		return u.passcode
	case session.ScreenSigningIn:
		return u.signingIn
	case session.ScreenTerms:
		return u.terms
	case session.ScreenRoles:
		return u.roles
	case session.ScreenActive:
		return u.active
	case session.ScreenLocked:
		return u.locked
	default:
		if s.Unlocking() {
			return u.unlock
		}
		if s.Questions() {
			return u.questions
		}
		if s.AdminMode() {
			return u.admin
		}
		if s.OverSession() { // the renewal and passcode popups sit over the session
			return u.active
		}
		return u.starting
	}
}

// apply renders st. It runs on the Fyne goroutine.
func (u *UI) apply(st session.State) {
	prev := u.state
	u.state = st

	v := u.viewFor(st.Screen)
	if st.Screen.Renewal() && st.Active == nil {
		v = u.passcode // an interrupted renewal finished before the login: over the card's prompt
	}
	v.render(st)
	if v != u.current {
		if l, ok := u.current.(leaver); ok {
			l.leave()
		}
		u.current = v
		u.body.Objects = []fyne.CanvasObject{v.content()}
		u.body.Refresh()
	}
	if st.Screen != prev.Screen {
		u.showOrHide(st.Screen)
	}
	// Under a popup (renewal, passcode change) the view keeps off the keyboard.
	if f, ok := v.(focuser); ok && (!st.Screen.OverSession() || st.Screen.Questions() || st.Screen.AdminMode()) {
		f.focus(u.win.Canvas())
	}
	u.renew.render(st, u.win.Canvas())
	u.passcodeChange.render(st, u.win.Canvas())

	u.chrome.render(st)
	if st.Demo != prev.Demo || u.win.Title() == "" {
		title := Title
		if st.Demo {
			title += " — Demo"
		}
		u.win.SetTitle(title)
	}
	u.tray.render(st)
	u.notify(prev, st)

	if u.onApplied != nil {
		u.onApplied(st)
	}
}

// showOrHide shows or hides the window for a new screen. A window closed to
// the tray comes back for anything but the active session; a tray-resident
// one also goes away again on the screens that need nobody.
func (u *UI) showOrHide(s session.Screen) {
	switch {
	case u.resident && s.Unattended():
		if !u.hidden {
			u.hidden = true
			u.win.Hide()
		}
	case u.hidden && (u.resident || s != session.ScreenActive):
		u.hidden = false
		u.win.Show()
		u.win.RequestFocus()
	}
}

// SetResident makes the window tray-resident (call before Run): hidden
// while the agent waits for a card or the session is active, shown when a
// card needs its holder (the passcode, a role, a problem) and hidden again
// once a role is chosen. It has no effect where there is no tray.
func (u *UI) SetResident(on bool) {
	u.resident = on && u.tray.desk != nil
	u.hidden = u.resident
}

// tick updates what changes with time (the session clock).
func (u *UI) tick(now time.Time) {
	if u.current == u.active {
		u.active.tick(now)
	}
}

// notify sends a system notification when a State first carries a
// certificate expiry notice (the alert at login).
func (u *UI) notify(prev, st session.State) {
	if st.Expiry == nil || st.Expiry.Login == u.notified {
		return
	}
	u.notified = st.Expiry.Login
	u.app.SendNotification(fyne.NewNotification(wording.ExpiryNotificationTitle, st.Expiry.Text()))
}

// quit is the Quit intent: the session logs out and ends, and the window
// goes.
func (u *UI) quit() {
	u.sess.Quit()
	u.app.Quit()
}

// sessionEnded runs when the session closes the State channel.
func (u *UI) sessionEnded() {
	u.app.Quit()
}
