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

// renewPopup is the certificate renewal popup over the active session: what
// will happen and the passcode (ScreenRenewPasscode), the steps with the
// one under way (ScreenRenewing), the new expiry (ScreenRenewed), or why it
// is not offered or did not finish (ScreenRenewFailed).
type renewPopup struct {
	sess Session
	q    question

	pop     *widget.PopUp
	explain *widget.Label
	keepIn  *widget.Label
	tries   *widget.Label
	entry   *passEntry
	message *widget.Label
	steps   []*widget.Label
	icons   []*widget.Icon
	stepBox *fyne.Container
	ask     *fyne.Container
	result  *widget.Label
	fix     *widget.Label
	renew   *widget.Button
	later   *widget.Button
	close   *widget.Button
	retry   *widget.Button
}

func newRenewPopup(sess Session, c fyne.Canvas) *renewPopup {
	p := &renewPopup{
		sess:    sess,
		explain: newText(wording.RenewExplain),
		keepIn:  newText(wording.RenewKeepCardIn),
		tries:   newText(""),
		entry:   newPassEntry(),
		message: newMessage(),
		result:  newText(""),
		fix:     newText(""),
	}
	p.keepIn.TextStyle.Bold = true
	p.entry.OnSubmitted = func(string) { p.send() }
	p.renew = widget.NewButtonWithIcon(wording.RenewButton, theme.ViewRefreshIcon(), p.send)
	p.renew.Importance = widget.HighImportance
	p.later = widget.NewButton(wording.RenewRemindLater, sess.CloseRenewal)
	p.close = widget.NewButton("Close", sess.CloseRenewal)
	p.retry = widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), sess.Retry)
	p.stepBox = container.NewVBox()
	for _, s := range wording.RenewSteps {
		icon := widget.NewIcon(theme.RadioButtonIcon())
		label := widget.NewLabel(s) // one line: a wrapping label in a row shrinks to a letter
		p.icons, p.steps = append(p.icons, icon), append(p.steps, label)
		p.stepBox.Add(container.NewHBox(icon, label))
	}
	p.ask = container.NewVBox(p.tries, p.entry, p.message)
	content := container.NewVBox(
		newHeading(wording.TitleRenew),
		p.explain,
		p.keepIn,
		p.ask,
		p.stepBox,
		p.result,
		p.fix,
		container.NewHBox(layout.NewSpacer(), p.later, p.close, p.retry, p.renew),
	)
	p.pop = widget.NewModalPopUp(container.New(fixedWidth{narrow}, content), c)
	return p
}

// render shows the popup for a renewal screen and hides it otherwise.
func (p *renewPopup) render(st session.State, c fyne.Canvas) {
	if !st.Screen.Renewal() {
		if p.pop.Visible() {
			p.entry.clear()
			p.pop.Hide()
		}
		return
	}
	p.q.ask(st.Question)
	asking := st.Screen == session.ScreenRenewPasscode
	working := st.Screen == session.ScreenRenewing
	showIf(p.explain, asking)
	showIf(p.keepIn, asking || working)
	showIf(p.ask, asking)
	showIf(p.stepBox, working)
	showIf(p.renew, asking)
	showIf(p.later, asking)
	showIf(p.close, st.Screen == session.ScreenRenewed || st.Screen == session.ScreenRenewFailed)
	showIf(p.retry, st.Screen == session.ScreenRenewFailed && st.Retryable)
	setText(p.tries, wording.AttemptsLeft(st.TriesLeft))
	setText(p.message, st.Message)
	p.entry.limit(st.Rule)
	for i := range p.steps {
		icon := theme.RadioButtonIcon()
		switch n := session.RenewalStep(i + 1); {
		case n < st.Renewing:
			icon = theme.NewSuccessThemedResource(theme.ConfirmIcon())
		case n == st.Renewing:
			icon = theme.NewPrimaryThemedResource(theme.MediaPlayIcon())
		}
		p.icons[i].SetResource(icon)
		p.steps[i].TextStyle.Bold = session.RenewalStep(i+1) == st.Renewing
		p.steps[i].Refresh()
	}
	setOutcome(p.result, p.fix, st, session.ScreenRenewed, wording.Renewed(st.RenewedUntil.Format("2 January 2006")), session.ScreenRenewFailed)
	if !p.pop.Visible() {
		p.pop.Show()
	}
	if asking && c.Focused() != p.entry {
		c.Focus(p.entry)
	}
}

// send is Enter or Renew now: the passcode goes to the session (which
// wipes it), once per question.
func (p *renewPopup) send() {
	if p.entry.Text == "" {
		return
	}
	b := []byte(p.entry.Text)
	p.entry.clear()
	p.q.answer(func(q uint64) { p.sess.SubmitRenewalPasscode(q, b) }, b)
}

// setOutcome shows a flow's last word: doneText on its done screen, the
// State's problem and fix on its failed one, nothing otherwise.
func setOutcome(result, fix *widget.Label, st session.State, done session.Screen, doneText string, failed session.Screen) {
	r, f := "", ""
	switch st.Screen {
	case done:
		r = doneText
	case failed:
		r, f = st.Problem, st.Fix
	}
	setText(result, r)
	setText(fix, f)
}

func showIf(o fyne.CanvasObject, show bool) {
	if show && !o.Visible() {
		o.Show()
	} else if !show && o.Visible() {
		o.Hide()
	}
}

// fixedWidth lays its objects out at width w, as tall as they then need:
// wrapped text knows its height only once it knows its width.
type fixedWidth struct{ w float32 }

func (f fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (f fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		o.Resize(fyne.NewSize(f.w, o.MinSize().Height))
		h = fyne.Max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.w, h)
}
