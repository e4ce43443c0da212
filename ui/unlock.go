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

// unlockView is the self-service unlock of a blocked card: the emailed
// code (ScreenUnlockCode), the new passcode twice (ScreenUnlockPasscode),
// identityd or the card at work (ScreenUnlocking), done (ScreenUnlocked)
// or why not (ScreenUnlockFailed). The session checks everything typed.
type unlockView struct {
	sess Session
	q    question

	explain  *widget.Label
	qExplain *widget.Label
	asked    [2]*widget.Label
	replies  [2]*passEntry
	qBox     *fyne.Container
	check    *widget.Button
	sent     *widget.Label
	attempts *widget.Label
	code     *passEntry
	codeBox  *fyne.Container
	rule     *widget.Label
	next     *passEntry
	again    *passEntry
	passBox  *fyne.Container
	message  *widget.Label
	hint     *widget.Label
	working  *fyne.Container
	workText *widget.Label
	result   *widget.Label
	fix      *widget.Label
	send     *widget.Button
	unlock   *widget.Button
	cancel   *widget.Button
	retry    *widget.Button
	done     *widget.Button
	root     fyne.CanvasObject
	focusOn  fyne.Focusable // where the keyboard goes on this screen
	// focusCanvas is the window's canvas, known from the first focus: Enter
	// in the new passcode moves to the repeat field.
	focusCanvas fyne.Canvas
}

func newUnlockView(sess Session) *unlockView {
	v := &unlockView{
		sess:     sess,
		explain:  newText(wording.UnlockExplain),
		qExplain: newText(wording.UnlockQuestionsExplain),
		sent:     newText(""),
		attempts: newText(""),
		code:     newPassEntry(),
		rule:     newCaption(""),
		next:     newPassEntry(),
		again:    newPassEntry(),
		message:  newMessage(),
		hint:     newText(""),
		workText: newText(""),
		result:   newText(""),
		fix:      newText(""),
	}
	v.sent.TextStyle.Bold = true
	v.code.Password = false // a one-time code, typed from the email: seeing it helps
	v.code.PlaceHolder = ""
	v.code.limit(session.PasscodeRule{MaxLength: 8, DigitsOnly: true})
	v.code.OnSubmitted = func(string) { v.sendCode() }
	for _, e := range []*passEntry{v.next, v.again} {
		e.PlaceHolder = ""
	}
	v.next.OnSubmitted = func(string) {
		if v.focusCanvas != nil {
			v.focusCanvas.Focus(v.again)
		}
	}
	v.again.OnSubmitted = func(string) { v.sendPasscode() }
	qRows := []fyne.CanvasObject{}
	for i := range v.asked {
		v.asked[i] = newText("")
		v.asked[i].TextStyle.Bold = true
		v.replies[i] = newAnswerEntry()
		qRows = append(qRows, v.asked[i], v.replies[i])
	}
	v.replies[0].OnSubmitted = func(string) {
		if v.focusCanvas != nil {
			v.focusCanvas.Focus(v.replies[1])
		}
	}
	v.replies[1].OnSubmitted = func(string) { v.sendAnswers() }
	v.qBox = container.NewVBox(qRows...)
	v.check = widget.NewButtonWithIcon(wording.UnlockCheckAnswers, theme.ConfirmIcon(), v.sendAnswers)
	v.check.Importance = widget.HighImportance
	v.send = widget.NewButtonWithIcon("Check the code", theme.ConfirmIcon(), v.sendCode)
	v.send.Importance = widget.HighImportance
	v.unlock = widget.NewButtonWithIcon(wording.UnlockButton, theme.ConfirmIcon(), v.sendPasscode)
	v.unlock.Importance = widget.HighImportance
	v.cancel = widget.NewButton("Cancel", sess.CloseUnlock)
	v.retry = widget.NewButtonWithIcon(wording.UnlockAskAgain, theme.MailSendIcon(), sess.Retry)
	v.done = widget.NewButtonWithIcon(wording.UnlockContinue, theme.NavigateNextIcon(), sess.CloseUnlock)
	v.done.Importance = widget.HighImportance
	v.codeBox = container.New(layout.NewFormLayout(), widget.NewLabel(wording.UnlockCodeLabel), v.code)
	v.passBox = container.New(layout.NewFormLayout(),
		widget.NewLabel(wording.NewPasscodeLabel), v.next,
		widget.NewLabel(wording.RepeatPasscodeLabel), v.again)
	v.working = container.NewVBox(v.workText, widget.NewProgressBarInfinite())
	v.root = page(narrow,
		newHeading(wording.TitleUnlock),
		v.explain,
		v.qExplain,
		v.qBox,
		v.hint,
		v.sent,
		v.attempts,
		v.codeBox,
		v.rule,
		v.passBox,
		v.message,
		v.working,
		v.result,
		v.fix,
		container.NewHBox(layout.NewSpacer(), v.cancel, v.retry, v.check, v.send, v.unlock, v.done),
	)
	return v
}

func (v *unlockView) content() fyne.CanvasObject { return v.root }

func (v *unlockView) render(st session.State) {
	if st.Question != v.q.asked {
		v.leave()
	}
	v.q.ask(st.Question)
	askAnswers := st.Screen == session.ScreenUnlockQuestions
	askCode := st.Screen == session.ScreenUnlockCode
	askPass := st.Screen == session.ScreenUnlockPasscode
	sent, attempts, rule := "", "", ""
	if askCode {
		sent = wording.UnlockCodeSent(st.Unlock.SentTo, st.Unlock.ValidUntil.Local().Format("15:04"))
		attempts = wording.AttemptsLeft(st.Unlock.AttemptsLeft)
	}
	if askPass {
		rule = wording.NewPasscodeRule(st.Rule.Describe())
	}
	showIf(v.explain, askCode)
	showIf(v.qExplain, askAnswers)
	showIf(v.qBox, askAnswers)
	for i, l := range v.asked {
		text := ""
		if askAnswers && i < len(st.Unlock.Questions) {
			text = st.Unlock.Questions[i].Text
		}
		setText(l, text)
	}
	if askAnswers {
		attempts = wording.AttemptsLeft(st.Unlock.AnswerAttemptsLeft)
	}
	setText(v.sent, sent)
	setText(v.attempts, attempts)
	showIf(v.codeBox, askCode)
	setText(v.rule, rule)
	showIf(v.passBox, askPass)
	v.next.limit(st.Rule)
	v.again.limit(st.Rule)
	setText(v.message, st.Message)
	setText(v.hint, st.Hint)
	showIf(v.working, st.Screen == session.ScreenUnlocking)
	setText(v.workText, st.Working)
	setOutcome(v.result, v.fix, st, session.ScreenUnlocked, wording.Unlocked, session.ScreenUnlockFailed)
	showIf(v.check, askAnswers)
	showIf(v.send, askCode)
	showIf(v.unlock, askPass)
	showIf(v.cancel, askAnswers || askCode || askPass || st.Screen == session.ScreenUnlockFailed)
	cancel := "Cancel"
	if st.Screen == session.ScreenUnlockFailed {
		cancel = "Close"
	}
	if v.cancel.Text != cancel {
		v.cancel.SetText(cancel)
	}
	showIf(v.retry, st.Screen == session.ScreenUnlockFailed && st.Retryable)
	showIf(v.done, st.Screen == session.ScreenUnlocked)
	switch {
	case askAnswers:
		v.focusOn = v.replies[0]
	case askCode:
		v.focusOn = v.code
	case askPass:
		v.focusOn = v.next
	case st.Screen == session.ScreenUnlocked:
		v.focusOn = v.done
	case st.Screen == session.ScreenUnlockFailed && st.Retryable:
		v.focusOn = v.retry
	case st.Screen == session.ScreenUnlockFailed:
		v.focusOn = v.cancel
	default:
		v.focusOn = nil
	}
}

func (v *unlockView) focus(c fyne.Canvas) {
	v.focusCanvas = c
	if v.focusOn != nil && c.Focused() != v.focusOn {
		c.Focus(v.focusOn)
	}
}

// leave empties the fields when another screen takes over.
func (v *unlockView) leave() {
	v.code.clear()
	v.next.clear()
	v.again.clear()
	for _, e := range v.replies {
		e.clear()
	}
}

func (v *unlockView) sendAnswers() {
	answers := []string{v.replies[0].Text, v.replies[1].Text}
	for _, e := range v.replies {
		e.clear()
	}
	v.q.answer(func(q uint64) { v.sess.SubmitUnlockAnswers(q, answers) })
}

func (v *unlockView) sendCode() { v.q.sendCode(v.code, v.sess.SubmitUnlockCode) }

func (v *unlockView) sendPasscode() {
	next, again := []byte(v.next.Text), []byte(v.again.Text)
	v.next.clear()
	v.again.clear()
	v.q.answer(func(q uint64) { v.sess.SubmitUnlockPasscode(q, next, again) }, next, again)
}
