package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
)

// progressView is a screen where the agent is busy and the user waits:
// Starting, Reading card and Signing in. It names the card holder once the
// card has been read.
type progressView struct {
	title   *widget.Label
	who     *widget.Label
	bar     *widget.ProgressBarInfinite
	message *widget.Label
	root    fyne.CanvasObject
}

func newProgressView(title string) *progressView {
	v := &progressView{
		title:   newHeading(title),
		who:     newText(""),
		bar:     widget.NewProgressBarInfinite(),
		message: newMessage(),
	}
	centred(v.title, v.who, v.message)
	v.who.Hide()
	v.bar.Stop()
	v.root = page(narrow, v.title, v.who, v.bar, v.message)
	return v
}

func (v *progressView) content() fyne.CanvasObject { return v.root }

func (v *progressView) render(st session.State) {
	who := ""
	if st.Card != nil && st.Card.Name != "" {
		who = st.Card.Name
	}
	setText(v.who, who)
	setText(v.message, st.Message)
}

func (v *progressView) focus(fyne.Canvas) {
	if !v.bar.Running() {
		v.bar.Start()
	}
}

func (v *progressView) leave() { v.bar.Stop() }
