package ui

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// adminView is admin mode: the administrator's role and the card in the
// other reader (ScreenAdmin), the form of the action chosen
// (ScreenAdminForm), identityd or the card at work (ScreenAdminWorking),
// done (ScreenAdminDone) or why not (ScreenAdminFailed). What it offers
// follows what identityd said of the card; identityd decides.
type adminView struct {
	sess   Session
	q      question
	action session.AdminAction // what the form is for

	role       *widget.Label
	readers    *widget.Label
	insert     *widget.Label
	photo      *photoBox
	name       *widget.Label
	details    *widget.Label
	scope      *widget.Label
	card       *fyne.Container
	panel      fyne.CanvasObject // the card's box
	explain    *widget.Label
	checked    *widget.Check
	reason     *widget.Entry
	userID     *widget.Entry
	userLabel  *widget.Label
	grantRole  *widget.SelectEntry
	roles      []string // the role options set
	roleLabel  *widget.Label
	lastDay    *widget.Entry
	dayLabel   *widget.Label
	reasonText *widget.Label
	positions  *positionsPanel
	auditForm  *auditForm
	audit      *auditPanel
	toAudit    *widget.Button // Audit trail
	toPosition *widget.Button // Access positions
	backIn     *widget.Button // back within admin mode
	next       *passEntry
	again      *passEntry
	nextLabel  *widget.Label
	againLabel *widget.Label
	rule       *widget.Label
	form       *fyne.Container
	message    *widget.Label
	hint       *widget.Label
	working    *fyne.Container
	workText   *widget.Label
	result     *widget.Label
	fix        *widget.Label
	unlock     *widget.Button
	repair     *widget.Button
	renew      *widget.Button
	cancelCard *widget.Button
	enrol      *widget.Button
	send       *widget.Button
	back       *widget.Button
	cancel     *widget.Button
	retry      *widget.Button
	root       fyne.CanvasObject
	focusOn    fyne.Focusable
	canvas     fyne.Canvas
}

func newAdminView(sess Session) *adminView {
	v := &adminView{
		sess:       sess,
		role:       newText(""),
		readers:    newCaption(""),
		insert:     newText(wording.AdminInsertTarget),
		photo:      newPhotoBox(),
		name:       newSubHeading(""),
		details:    newText(""),
		scope:      newText(""),
		explain:    newText(wording.AdminUnlockExplain),
		reason:     widget.NewEntry(),
		userID:     widget.NewEntry(),
		userLabel:  widget.NewLabel("UUID"),
		grantRole:  widget.NewSelectEntry(nil),
		roleLabel:  widget.NewLabel(wording.AdminRoleLabel),
		lastDay:    widget.NewEntry(),
		dayLabel:   widget.NewLabel(wording.AdminLastDayLabel),
		reasonText: widget.NewLabel("Reason"),
		positions:  newPositionsPanel(sess),
		audit:      newAuditPanel(sess),
		next:       newPassEntry(),
		again:      newPassEntry(),
		nextLabel:  widget.NewLabel(wording.AdminNewPasscode),
		againLabel: widget.NewLabel(wording.AdminRepeatPasscode),
		rule:       newCaption(""),
		message:    newMessage(),
		hint:       newText(""),
		workText:   newText(""),
		result:     newText(""),
		fix:        newText(""),
	}
	v.role.TextStyle.Bold = true
	v.scope.Importance = widget.WarningImportance
	v.checked = widget.NewCheck(wording.AdminIdentityLabel, nil)
	v.reason.PlaceHolder = wording.AdminReasonLabel
	v.userID.PlaceHolder = wording.AdminUserIDLabel
	v.userID.OnSubmitted = func(string) {
		if v.reason.Visible() {
			v.focusNow(v.reason)
		} else {
			v.sendForm()
		}
	}
	v.grantRole.PlaceHolder = wording.AdminRoleLabel
	v.grantRole.OnSubmitted = func(string) { v.focusNow(v.reason) }
	v.lastDay.PlaceHolder = wording.AdminLastDayHint
	v.lastDay.OnSubmitted = func(string) { v.focusNow(v.reason) }
	v.reason.OnSubmitted = func(string) {
		if v.next.Visible() {
			v.focusNow(v.next)
		} else {
			v.sendForm()
		}
	}
	for _, e := range []*passEntry{v.next, v.again} {
		e.PlaceHolder = ""
	}
	v.next.OnSubmitted = func(string) {
		if v.again.Visible() {
			v.focusNow(v.again)
		} else {
			v.sendForm()
		}
	}
	v.again.OnSubmitted = func(string) { v.sendForm() }
	v.unlock = widget.NewButtonWithIcon(wording.AdminUnlockButton, theme.AccountIcon(),
		func() { sess.StartAdminAction(session.AdminActionUnlock) })
	v.unlock.Importance = widget.HighImportance
	v.repair = widget.NewButtonWithIcon(wording.AdminRepairButton, theme.SettingsIcon(),
		func() { sess.StartAdminAction(session.AdminActionRepair) })
	v.renew = widget.NewButtonWithIcon(wording.AdminRenewButton, theme.ViewRefreshIcon(),
		func() { sess.StartAdminAction(session.AdminActionRenew) })
	v.cancelCard = widget.NewButtonWithIcon(wording.AdminCancelButton, theme.DeleteIcon(),
		func() { sess.StartAdminAction(session.AdminActionCancel) })
	v.cancelCard.Importance = widget.DangerImportance
	v.enrol = widget.NewButtonWithIcon(wording.AdminEnrolButton, theme.ContentAddIcon(),
		func() { sess.StartAdminAction(session.AdminActionEnrol) })
	v.enrol.Importance = widget.HighImportance
	v.send = widget.NewButtonWithIcon(wording.AdminUnlockSend, theme.ConfirmIcon(), v.sendForm)
	v.send.Importance = widget.HighImportance
	v.back = widget.NewButtonWithIcon("Back to my session", theme.NavigateBackIcon(), sess.CloseAdmin)
	v.cancel = widget.NewButton("Cancel", func() {
		if v.action.Cardless() { // a positions form goes back to the positions
			sess.BackInAdmin()
		} else {
			sess.CloseAdmin()
		}
	})
	v.toPosition = widget.NewButtonWithIcon(wording.AdminPositionsButton, theme.AccountIcon(),
		func() { sess.StartAdminAction(session.AdminActionPositions) })
	v.backIn = widget.NewButtonWithIcon(wording.AdminPositionsBack, theme.NavigateBackIcon(), sess.BackInAdmin)
	v.toAudit = widget.NewButtonWithIcon(wording.AuditButton, theme.SearchIcon(), func() { sess.StartAdminAction(session.AdminActionAudit) })
	v.auditForm = newAuditForm(v.sendForm)
	v.retry = widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), sess.Retry)
	v.card = container.NewBorder(nil, nil, container.NewCenter(v.photo.box), nil,
		container.NewVBox(layout.NewSpacer(), v.name, v.details, layout.NewSpacer()))
	v.form = container.NewVBox(v.explain, v.checked,
		container.New(layout.NewFormLayout(),
			v.userLabel, v.userID,
			v.roleLabel, v.grantRole,
			v.dayLabel, v.lastDay,
			v.reasonText, v.reason,
			v.nextLabel, v.next,
			v.againLabel, v.again),
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
		v.positions.root,
		v.audit.root,
		v.form,
		v.auditForm.root,
		v.message,
		v.hint,
		v.working,
		v.result,
		v.fix,
		container.NewHBox(v.back, v.backIn, layout.NewSpacer(), v.cancel, v.retry, v.renew, v.repair, v.unlock, v.enrol, v.send),
		container.NewHBox(v.toPosition, v.toAudit, layout.NewSpacer(), v.cancelCard),
	)
	return v
}

func (v *adminView) content() fyne.CanvasObject { return v.root }

func (v *adminView) render(st session.State) {
	asking := st.Screen == session.ScreenAdminForm
	newQuestion := asking && st.Question != v.q.asked
	v.q.ask(st.Question)
	a := st.Admin
	if a == nil {
		a = &session.AdminView{}
	}
	setText(v.role, "Working as "+a.Role)
	aboutUser := a.Action.Cardless() // a user's positions, not the card
	v.positions.render(st)
	v.audit.render(st)
	auditing := a.Action == session.AdminActionAudit
	t := a.Target
	targetReader := ""
	if t != nil {
		targetReader = t.Reader
	}
	setText(v.readers, wording.AdminReaders(a.Reader, targetReader))
	showIf(v.insert, t == nil && st.Screen == session.ScreenAdmin)
	showIf(v.panel, t != nil && !aboutUser || t != nil && a.Action == session.AdminActionPositions && asking)
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
	if aboutUser {
		scope = ""
	}
	setText(v.scope, scope)
	v.photo.set(photo)
	showIf(v.form, asking)
	showIf(v.auditForm.root, asking && auditing)
	newPasscode, asksPasscode := a.Action.NewPasscode(), a.Action.AsksPasscode()
	explain, send, nextLabel, check := wording.AdminUnlockExplain, wording.AdminUnlockSend, wording.AdminNewPasscode, wording.AdminIdentityLabel
	importance := widget.HighImportance
	switch a.Action {
	case session.AdminActionRepair:
		explain, send = wording.AdminRepairExplain, wording.AdminRepairSend
	case session.AdminActionRenew:
		explain, send, nextLabel = wording.AdminRenewExplain, wording.AdminRenewSend, wording.AdminHolderPasscode
	case session.AdminActionCancel:
		explain, send, check, importance = wording.AdminCancelExplain, wording.AdminCancelSend, wording.AdminCancelConfirm, widget.DangerImportance
	case session.AdminActionEnrol:
		explain, send = wording.AdminEnrolExplain, wording.AdminEnrolSend
	case session.AdminActionPositions:
		explain, send = wording.AdminPositionsExplain, wording.AdminPositionsSend
	case session.AdminActionGrant:
		explain, send = wording.AdminGrantExplain, wording.AdminGrantSend
	case session.AdminActionAudit:
		explain, send = wording.AuditExplain, wording.AuditSend
	case session.AdminActionEndPosition:
		explain, send, check, importance = wording.AdminEndExplain, wording.AdminEndSend, wording.AdminEndConfirm, widget.DangerImportance
		if a.Position != nil && a.Positions != nil {
			explain = wording.AdminEndingPosition(a.Position.Role, a.Positions.Name) + " " + explain
		}
	}
	v.action = a.Action
	asksUser := a.Action == session.AdminActionEnrol && (t == nil || !t.Enrolling) || a.Action == session.AdminActionPositions
	showIf(v.userLabel, asksUser)
	showIf(v.userID, asksUser)
	asksRole, asksDay := a.Action == session.AdminActionGrant, a.Action == session.AdminActionEndPosition
	showIf(v.roleLabel, asksRole)
	showIf(v.grantRole, asksRole)
	if asksRole && a.Positions != nil && !slices.Equal(v.roles, a.Positions.Roles) {
		v.roles = slices.Clone(a.Positions.Roles)
		v.grantRole.SetOptions(v.roles)
	}
	showIf(v.dayLabel, asksDay)
	showIf(v.lastDay, asksDay)
	asksReason := a.Action != session.AdminActionPositions && !auditing
	showIf(v.checked, asksReason)
	showIf(v.reasonText, asksReason)
	showIf(v.reason, asksReason)
	setText(v.explain, explain)
	setText(v.nextLabel, nextLabel)
	if v.send.Text != send || v.send.Importance != importance {
		v.send.Importance = importance
		v.send.SetText(send)
	}
	if v.checked.Text != check {
		v.checked.Text = check
		v.checked.Refresh()
	}
	showIf(v.nextLabel, asksPasscode)
	showIf(v.next, asksPasscode)
	showIf(v.againLabel, newPasscode)
	showIf(v.again, newPasscode)
	rule := ""
	switch {
	case asking && newPasscode:
		rule = wording.NewPasscodeRule(st.Rule.Describe())
	case asking && asksPasscode:
		rule = wording.AttemptsLeft(st.TriesLeft)
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
	offered := func(action session.AdminAction) bool {
		return st.Screen == session.ScreenAdmin && slices.Contains(a.Actions, action)
	}
	showIf(v.unlock, offered(session.AdminActionUnlock))
	showIf(v.repair, offered(session.AdminActionRepair))
	showIf(v.renew, offered(session.AdminActionRenew))
	showIf(v.cancelCard, offered(session.AdminActionCancel))
	showIf(v.enrol, offered(session.AdminActionEnrol))
	showIf(v.toPosition, st.Screen == session.ScreenAdmin && a.ManagesPositions)
	showIf(v.toAudit, st.Screen == session.ScreenAdmin && a.SearchesAudit)
	enrolText := wording.AdminEnrolButton
	if t != nil && t.Enrolling {
		enrolText = wording.AdminEnrolOnButton
	}
	if v.enrol.Text != enrolText {
		v.enrol.SetText(enrolText)
	}
	showIf(v.send, asking)
	showIf(v.cancel, asking)
	showIf(v.back, st.Screen != session.ScreenAdminWorking && !asking)
	showIf(v.backIn, st.Screen == session.ScreenAdminPositions || st.Screen == session.ScreenAdminAudit ||
		aboutUser && (st.Screen == session.ScreenAdminDone || st.Screen == session.ScreenAdminFailed))
	showIf(v.retry, st.Screen == session.ScreenAdminFailed && st.Retryable)
	if newQuestion {
		v.checked.SetChecked(false)
		v.reason.SetText("")
		v.userID.SetText("")
		v.grantRole.SetText("")
		v.lastDay.SetText("")
		v.next.clear()
		v.again.clear()
		v.focusOn = v.checked
		if auditing {
			v.auditForm.clear()
			if t != nil && !t.Blank {
				v.auditForm.user.SetText(t.UUID) // the card's holder, most likely
			}
			v.focusOn = v.auditForm.user
		}
		if a.Action == session.AdminActionPositions {
			if t != nil && !t.Blank {
				v.userID.SetText(t.UUID) // the card's holder, most likely
			}
			v.focusOn = v.userID
		}
	}
}

// targetDetails is one line of what is known of the target card.
func targetDetails(t *session.TargetCard) string {
	switch {
	case t.Enrolling:
		return "For UUID " + t.UUID + " · card " + t.GUID
	case t.Blank:
		return "Factory-fresh: no identity, keys or certificates yet"
	}
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
	v.userID.SetText("")
	v.grantRole.SetText("")
	v.lastDay.SetText("")
}

// sendForm sends the form: the identity check, the reason and the
// holder's passcode, new twice or theirs once (the session wipes them).
func (v *adminView) sendForm() {
	checked, reason, userID := v.checked.Checked, v.reason.Text, v.userID.Text
	next, again := []byte(v.next.Text), []byte(v.again.Text)
	v.next.clear()
	v.again.clear()
	if v.action == session.AdminActionAudit {
		f := v.auditForm.form()
		v.q.answer(func(q uint64) { v.sess.SubmitAuditForm(q, f) })
		return
	}
	if v.action.Cardless() {
		f := session.PositionForm{UserID: userID, Role: v.grantRole.Text, LastDay: v.lastDay.Text, IdentityChecked: checked, Reason: reason}
		v.q.answer(func(q uint64) { v.sess.SubmitPositionForm(q, f) })
		return
	}
	if v.action == session.AdminActionEnrol {
		v.q.answer(func(q uint64) { v.sess.SubmitEnrolForm(q, userID, checked, reason, next, again) }, next, again)
		return
	}
	v.q.answer(func(q uint64) { v.sess.SubmitAdminForm(q, checked, reason, next, again) }, next, again)
}
