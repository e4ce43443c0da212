package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// passcodePopup is the passcode change popup over the active session: the
// current passcode and the new one twice (ScreenChangePasscode), the card
// at work (ScreenChangingPasscode), done (ScreenPasscodeChanged) or why not
// (ScreenPasscodeChangeFailed). Tab goes from field to field and Enter in
// the last one changes; the session checks what was typed.
type passcodePopup struct {
	sess Session
	q    question

	pop     *widget.PopUp
	explain *widget.Label
	rule    *widget.Label
	tries   *widget.Label
	current *passEntry
	next    *passEntry
	again   *passEntry
	form    *fyne.Container
	message *widget.Label
	working *fyne.Container
	result  *widget.Label
	fix     *widget.Label
	change  *widget.Button
	cancel  *widget.Button
	close   *widget.Button
	retry   *widget.Button
}

func newPasscodePopup(sess Session, c fyne.Canvas) *passcodePopup {
	p := &passcodePopup{
		sess:    sess,
		explain: newText(wording.ChangePasscodeExplain),
		rule:    newText(""),
		tries:   newText(""),
		current: newPassEntry(),
		next:    newPassEntry(),
		again:   newPassEntry(),
		message: newMessage(),
		result:  newText(""),
		fix:     newText(""),
	}
	for _, e := range []*passEntry{p.current, p.next, p.again} {
		e.PlaceHolder = "" // the form's labels say what goes where
	}
	// The current passcode was set under the rule of its day: only the
	// card's 8-byte limit applies to it.
	p.current.limit(session.PasscodeRule{MaxLength: 8})
	p.current.OnSubmitted = func(string) { c.Focus(p.next) }
	p.next.OnSubmitted = func(string) { c.Focus(p.again) }
	p.again.OnSubmitted = func(string) { p.send() }
	p.change = widget.NewButtonWithIcon(wording.ChangePasscodeButton, theme.ConfirmIcon(), p.send)
	p.change.Importance = widget.HighImportance
	p.cancel = widget.NewButton("Cancel", sess.ClosePasscodeChange)
	p.close = widget.NewButton("Close", sess.ClosePasscodeChange)
	p.retry = widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), sess.Retry)
	p.form = container.New(layout.NewFormLayout(),
		widget.NewLabel(wording.CurrentPasscodeLabel), p.current,
		widget.NewLabel(wording.NewPasscodeLabel), p.next,
		widget.NewLabel(wording.RepeatPasscodeLabel), p.again,
	)
	bar := widget.NewProgressBarInfinite()
	p.working = container.NewVBox(newText(wording.ChangingPasscode), bar)
	content := container.NewVBox(
		newHeading(wording.TitleChangePasscode),
		p.explain,
		p.rule,
		p.tries,
		p.form,
		p.message,
		p.working,
		p.result,
		p.fix,
		container.NewHBox(layout.NewSpacer(), p.cancel, p.close, p.retry, p.change),
	)
	p.pop = widget.NewModalPopUp(container.New(fixedWidth{narrow}, content), c)
	return p
}

// render shows the popup for a passcode change screen and hides it
// otherwise; the fields are emptied whenever the question changes.
func (p *passcodePopup) render(st session.State, c fyne.Canvas) {
	if !st.Screen.PasscodeChange() {
		if p.pop.Visible() {
			p.clear()
			p.pop.Hide()
		}
		return
	}
	asking := st.Screen == session.ScreenChangePasscode
	newQuestion := asking && st.Question != p.q.asked
	p.q.ask(st.Question)
	showIf(p.explain, asking)
	showIf(p.form, asking)
	showIf(p.working, st.Screen == session.ScreenChangingPasscode)
	showIf(p.change, asking)
	showIf(p.cancel, asking)
	showIf(p.close, st.Screen == session.ScreenPasscodeChanged || st.Screen == session.ScreenPasscodeChangeFailed)
	showIf(p.retry, st.Screen == session.ScreenPasscodeChangeFailed && st.Retryable)
	rule, tries := "", ""
	if asking {
		rule, tries = wording.NewPasscodeRule(st.Rule.Describe()), wording.AttemptsLeft(st.TriesLeft)
		if st.Rule.RefuseSimple {
			rule += " " + wording.NewPasscodeTooSimple
		}
	}
	setText(p.rule, rule) // setText hides a label with no text
	setText(p.tries, tries)
	setText(p.message, st.Message)
	p.next.limit(st.Rule)
	p.again.limit(st.Rule)
	setOutcome(p.result, p.fix, st, session.ScreenPasscodeChanged, wording.PasscodeChanged, session.ScreenPasscodeChangeFailed)
	if !p.pop.Visible() {
		p.pop.Show()
	}
	switch {
	case newQuestion:
		p.clear()
		c.Focus(p.current)
	case st.Screen == session.ScreenPasscodeChanged || st.Screen == session.ScreenPasscodeChangeFailed:
		if c.Focused() != p.close && c.Focused() != p.retry {
			c.Focus(p.close) // Enter or space closes: keyboard only
		}
	}
}

// send is Enter in the last field or Change passcode: the three go to the
// session (which checks and wipes them), once per question.
func (p *passcodePopup) send() {
	current, next, again := []byte(p.current.Text), []byte(p.next.Text), []byte(p.again.Text)
	p.clear()
	p.q.answer(func(q uint64) { p.sess.SubmitPasscodeChange(q, current, next, again) }, current, next, again)
}

func (p *passcodePopup) clear() {
	p.current.clear()
	p.next.clear()
	p.again.clear()
}
