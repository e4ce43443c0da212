package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// activeView is the signed-in session: who, which role and organisation,
// for how long; the certificate expiry alert when there is one; Lock and
// Log out.
type activeView struct {
	now func() time.Time

	banner   *fyne.Container
	expiry   *widget.Label
	user     *widget.Label
	uuid     *widget.Label
	role     *widget.Label
	org      *widget.Label
	elapsed  *widget.Label
	message  *widget.Label
	lock     *widget.Button
	logout   *widget.Button
	renew    *widget.Button // in the expiry alert, when self-renewal is offered
	change   *widget.Button // change passcode
	secure   *widget.Button // security questions, when the policy asks them
	admin    *widget.Button // admin mode, in an administrator's role
	adminRow *fyne.Container
	since    time.Time
	root     fyne.CanvasObject
}

func newActiveView(sess Session, now func() time.Time) *activeView {
	v := &activeView{
		now:     now,
		expiry:  newText(""),
		user:    newHeading(""),
		uuid:    newText(""),
		role:    newText(""),
		org:     newText(""),
		elapsed: newText(""),
		message: newMessage(),
	}
	v.expiry.TextStyle.Bold = true
	for _, l := range []*widget.Label{v.uuid, v.role, v.org, v.elapsed} {
		l.TextStyle.Bold = true
	}
	v.lock = widget.NewButtonWithIcon("Lock", lockIcon, sess.Lock)
	v.logout = widget.NewButtonWithIcon("Log out", theme.LogoutIcon(), sess.Logout)
	v.logout.Importance = widget.HighImportance
	v.change = widget.NewButtonWithIcon(wording.ChangePasscodeButton, theme.AccountIcon(), sess.ChangePasscode)
	v.secure = widget.NewButtonWithIcon(wording.QuestionsButton, theme.QuestionIcon(), sess.OpenQuestions)
	v.secure.Hide()
	v.admin = widget.NewButtonWithIcon(wording.AdminButton, theme.SettingsIcon(), sess.OpenAdmin)
	v.admin.Importance = widget.HighImportance
	v.adminRow = container.NewHBox(layout.NewSpacer(), v.admin)
	v.adminRow.Hide()

	warn := newPanel(theme.ColorNameWarning)
	warn.minSize = fyne.NewSize(6, 0)
	warn.square = true
	tint := newPanel(theme.ColorNameWarning)
	tint.fillAlpha = 0x30
	icon := widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon()))
	v.renew = widget.NewButtonWithIcon(wording.RenewButton, theme.ViewRefreshIcon(), sess.Renew)
	v.renew.Hide()
	v.banner = container.NewStack(tint, container.NewBorder(nil, nil,
		container.NewHBox(warn, container.NewCenter(icon)), container.NewCenter(v.renew), v.expiry))
	v.banner.Hide()

	signedIn := widget.NewLabel("Signed in")
	signedIn.TextStyle.Bold = true
	tick := widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))

	details := container.New(layout.NewFormLayout(),
		fieldName("UUID"), v.uuid,
		fieldName("Role"), v.role,
		fieldName("Organisation"), v.org,
		fieldName("Session time"), v.elapsed,
	)
	v.root = page(narrow,
		v.banner,
		container.NewHBox(tick, signedIn),
		v.user,
		container.NewStack(boxBackground(), details),
		v.message,
		container.NewHBox(v.change, v.secure, layout.NewSpacer(), v.lock, v.logout),
		v.adminRow,
	)
	return v
}

func fieldName(s string) *widget.Label { return widget.NewLabel(s) }

func (v *activeView) content() fyne.CanvasObject { return v.root }

func (v *activeView) render(st session.State) {
	a := st.Active
	if a == nil {
		a = &session.Active{}
	}
	setText(v.user, a.User)
	setText(v.uuid, a.UUID)
	setText(v.role, a.Role)
	setText(v.org, a.Organisation)
	v.since = a.Since
	v.tick(v.now())

	if e := st.Expiry; e != nil {
		setText(v.expiry, e.Text())
		showIf(v.renew, e.CanSelfRenew)
		v.banner.Show()
	} else {
		v.banner.Hide()
	}
	setText(v.message, st.Message)
	showIf(v.secure, st.QuestionsAsked)
	showIf(v.adminRow, st.Admin != nil)
}

// tick redraws the session clock.
func (v *activeView) tick(now time.Time) {
	s := ""
	if !v.since.IsZero() {
		s = sessionTime(now.Sub(v.since))
	}
	if v.elapsed.Text != s {
		v.elapsed.SetText(s)
	}
}

// sessionTime is h:mm:ss.
func sessionTime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
