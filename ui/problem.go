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

// problemView shows what went wrong and what to do about it: no smartcard
// service, no reader, a card that cannot be used, a blocked card, a backend
// failure. Problem and Fix come from the State; Retry shows when the State
// says it may help.
type problemView struct {
	title   *widget.Label
	who     *widget.Label
	problem *widget.Label
	fixBox  *fyne.Container
	fix     *widget.Label
	message *widget.Label
	retry   *widget.Button
	unlock  *widget.Button // the blocked screen: self-service unlock
	root    fyne.CanvasObject
}

func newProblemView(sess Session) *problemView {
	v := &problemView{
		title:   newHeading(""),
		who:     newText(""),
		problem: newText(""),
		fix:     newText(""),
		message: newMessage(),
	}
	v.who.TextStyle.Bold = true
	v.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), sess.Retry)
	v.retry.Importance = widget.HighImportance
	v.retry.Hide()
	v.unlock = widget.NewButtonWithIcon(wording.UnlockButton, theme.MailSendIcon(), sess.StartUnlock)
	v.unlock.Importance = widget.HighImportance
	v.unlock.Hide()

	icon := widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon()))
	iconBox := container.NewGridWrap(fyne.NewSquareSize(48), icon)

	what := newCaption("What to do")
	what.TextStyle.Bold = true
	what.Importance = widget.MediumImportance
	v.fixBox = container.NewStack(boxBackground(), container.NewPadded(container.NewVBox(what, v.fix)))

	v.root = page(narrow,
		container.NewBorder(nil, nil, container.NewCenter(iconBox), nil, v.title),
		v.who,
		v.problem,
		v.fixBox,
		v.message,
		container.NewHBox(layout.NewSpacer(), v.retry, v.unlock),
	)
	return v
}

// problemTitle is the heading for each problem screen.
func problemTitle(s session.Screen) string {
	switch s {
	case session.ScreenNoService:
		return wording.TitleNoService
	case session.ScreenNoReader:
		return wording.TitleNoReader
	case session.ScreenCardProblem:
		return wording.TitleCardProblem
	case session.ScreenBlocked:
		return wording.TitleBlocked
	case session.ScreenBackendError:
		return wording.TitleBackendError
	default:
		return wording.TitleOther
	}
}

func (v *problemView) content() fyne.CanvasObject { return v.root }

func (v *problemView) render(st session.State) {
	setText(v.title, problemTitle(st.Screen))
	who := ""
	if c := st.Card; c != nil && c.Name != "" {
		who = "Card holder: " + c.Name
	}
	setText(v.who, who)
	setText(v.problem, st.Problem)
	setText(v.fix, st.Fix)
	if st.Fix == "" {
		v.fixBox.Hide()
	} else {
		v.fixBox.Show()
	}
	setText(v.message, st.Message)
	showIf(v.retry, st.Retryable)
	showIf(v.unlock, st.Screen == session.ScreenBlocked && st.SelfUnlock)
}
