package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// adminView is admin mode: the administrator's role and the card in the
// other reader (ScreenAdmin), the face-to-face unlock's form
// (ScreenAdminUnlock), identityd or the card at work (ScreenAdminWorking),
// done (ScreenAdminDone) or why not (ScreenAdminFailed). What it offers
// follows what identityd said of the card; identityd decides.
type adminView struct {
	sess Session
	q    question

	role     *widget.Label
	readers  *widget.Label
	insert   *widget.Label
	photo    *photoBox
	name     *widget.Label
	details  *widget.Label
	scope    *widget.Label
	card     *fyne.Container
	panel    fyne.CanvasObject // the card's box
	explain  *widget.Label
	checked  *widget.Check
	reason   *widget.Entry
	next     *passEntry
	again    *passEntry
	rule     *widget.Label
	form     *fyne.Container
	message  *widget.Label
	hint     *widget.Label
	working  *fyne.Container
	workText *widget.Label
	result   *widget.Label
	fix      *widget.Label
	unlock   *widget.Button
	send     *widget.Button
	back     *widget.Button
	cancel   *widget.Button
	retry    *widget.Button
	root     fyne.CanvasObject
	focusOn  fyne.Focusable
	canvas   fyne.Canvas
}

func newAdminView(sess Session) *adminView {
	v := &adminView{
		sess:     sess,
		role:     newText(""),
		readers:  newCaption(""),
		insert:   newText(wording.AdminInsertTarget),
		photo:    newPhotoBox(),
		name:     newSubHeading(""),
		details:  newText(""),
		scope:    newText(""),
		explain:  newText(wording.AdminUnlockExplain),
		reason:   widget.NewEntry(),
		next:     newPassEntry(),
		again:    newPassEntry(),
		rule:     newCaption(""),
		message:  newMessage(),
		hint:     newText(""),
		workText: newText(""),
		result:   newText(""),
		fix:      newText(""),
	}
	v.role.TextStyle.Bold = true
	v.scope.Importance = widget.WarningImportance
	v.checked = widget.NewCheck(wording.AdminIdentityLabel, nil)
	v.reason.PlaceHolder = wording.AdminReasonLabel
	v.reason.OnSubmitted = func(string) { v.focusNow(v.next) }
	for _, e := range []*passEntry{v.next, v.again} {
		e.PlaceHolder = ""
	}
	v.next.OnSubmitted = func(string) { v.focusNow(v.again) }
	v.again.OnSubmitted = func(string) { v.sendUnlock() }
	v.unlock = widget.NewButtonWithIcon(wording.AdminUnlockButton, theme.AccountIcon(), sess.StartAdminUnlock)
	v.unlock.Importance = widget.HighImportance
	v.send = widget.NewButtonWithIcon(wording.AdminUnlockSend, theme.ConfirmIcon(), v.sendUnlock)
	v.send.Importance = widget.HighImportance
	v.back = widget.NewButtonWithIcon("Back to my session", theme.NavigateBackIcon(), sess.CloseAdmin)
	v.cancel = widget.NewButton("Cancel", sess.CloseAdmin)
	v.retry = widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), sess.Retry)
	v.card = container.NewBorder(nil, nil, container.NewCenter(v.photo.box), nil,
		container.NewVBox(layout.NewSpacer(), v.name, v.details, layout.NewSpacer()))
	v.form = container.NewVBox(v.explain, v.checked,
		container.New(layout.NewFormLayout(),
			widget.NewLabel("Reason"), v.reason,
			widget.NewLabel(wording.AdminNewPasscode), v.next,
			widget.NewLabel(wording.AdminRepeatPasscode), v.again),
		v.rule)
	v.working = container.NewVBox(v.workText, widget.NewProgressBarInfinite())
	v.panel = container.NewStack(boxBackground(), container.NewPadded(v.card))
	v.root = page(wide,
		newHeading(wording.TitleAdmin),
		v.role,
		v.readers,
		v.insert,
		v.panel,
		v.scope,
		v.form,
		v.message,
		v.hint,
		v.working,
		v.result,
		v.fix,
		container.NewHBox(v.back, layout.NewSpacer(), v.cancel, v.retry, v.unlock, v.send),
	)
	return v
}

func (v *adminView) content() fyne.CanvasObject { return v.root }

func (v *adminView) render(st session.State) {
	asking := st.Screen == session.ScreenAdminUnlock
	newQuestion := asking && st.Question != v.q.asked
	v.q.ask(st.Question)
	a := st.Admin
	if a == nil {
		a = &session.AdminView{}
	}
	setText(v.role, "Working as "+a.Role)
	t := a.Target
	targetReader := ""
	if t != nil {
		targetReader = t.Reader
	}
	setText(v.readers, wording.AdminReaders(a.Reader, targetReader))
	showIf(v.insert, t == nil && st.Screen == session.ScreenAdmin)
	showIf(v.panel, t != nil)
	name, details, scope := "", "", ""
	var photo []byte
	if t != nil {
		name, photo = t.Name, t.Photo
		switch {
		case t.Problem != "":
			name, details = "Card in "+t.Reader, t.Problem
		case t.Name == "":
			name, details = "Card in "+t.Reader, wording.AdminReadingTarget
		default:
			details = targetDetails(t)
			if !t.InScope {
				scope = wording.AdminNotInScope
			}
		}
	}
	setText(v.name, name)
	setText(v.details, details)
	setText(v.scope, scope)
	v.photo.set(photo)
	showIf(v.form, asking)
	rule := ""
	if asking {
		rule = wording.NewPasscodeRule(st.Rule.Describe())
	}
	setText(v.rule, rule)
	v.next.limit(st.Rule)
	v.again.limit(st.Rule)
	setText(v.message, st.Message)
	hint := st.Hint
	if st.Screen == session.ScreenAdminDone {
		hint = ""
	}
	setText(v.hint, hint)
	showIf(v.working, st.Screen == session.ScreenAdminWorking)
	setText(v.workText, st.Working)
	done := ""
	if st.Screen == session.ScreenAdminDone {
		done = st.Hint
	}
	setOutcome(v.result, v.fix, st, session.ScreenAdminDone, done, session.ScreenAdminFailed)
	showIf(v.unlock, st.Screen == session.ScreenAdmin && t != nil && t.InScope && t.Problem == "" && (a.Rights == "lsa" || a.Rights == "ra"))
	showIf(v.send, asking)
	showIf(v.cancel, asking)
	showIf(v.back, st.Screen != session.ScreenAdminWorking && !asking)
	showIf(v.retry, st.Screen == session.ScreenAdminFailed && st.Retryable)
	if newQuestion {
		v.checked.SetChecked(false)
		v.reason.SetText("")
		v.next.clear()
		v.again.clear()
		v.focusOn = v.checked
	}
}

// targetDetails is one line of what is known of the target card.
func targetDetails(t *session.TargetCard) string {
	s := "UUID " + t.UUID + " · card " + t.GUID
	switch {
	case t.State != "active":
		s += " · " + t.State
	case t.Blocked:
		s += " · passcode locked"
	case t.TriesLeft >= 0:
		s += fmt.Sprintf(" · %s", wording.AttemptsLeft(t.TriesLeft))
	}
	if !t.NotAfter.IsZero() {
		s += " · certificates until " + t.NotAfter.Local().Format("2 January 2006")
	}
	return s
}

func (v *adminView) focus(c fyne.Canvas) {
	v.canvas = c
	if v.focusOn != nil {
		v.focusNow(v.focusOn)
		v.focusOn = nil
	}
}

func (v *adminView) focusNow(o fyne.Focusable) {
	if v.canvas != nil && v.canvas.Focused() != o {
		v.canvas.Focus(o)
	}
}

func (v *adminView) leave() {
	v.next.clear()
	v.again.clear()
	v.reason.SetText("")
}

// sendUnlock sends the form: the identity check, the reason and the
// holder's new passcode twice (the session wipes them).
func (v *adminView) sendUnlock() {
	checked, reason := v.checked.Checked, v.reason.Text
	next, again := []byte(v.next.Text), []byte(v.again.Text)
	v.next.clear()
	v.again.clear()
	v.q.answer(func(q uint64) { v.sess.SubmitAdminUnlock(q, checked, reason, next, again) }, next, again)
}
