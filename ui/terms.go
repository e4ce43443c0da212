package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
)

// termsView shows the terms and conditions to accept before signing in.
// Cancel means no session.
type termsView struct {
	q       question
	version *widget.Label
	text    *widget.Label
	scroll  *container.Scroll
	message *widget.Label
	accept  *widget.Button
	cancel  *widget.Button
	shown   *session.Terms
	root    fyne.CanvasObject
}

func newTermsView(sess Session) *termsView {
	v := &termsView{
		version: newCaption(""),
		text:    newText(""),
		message: newMessage(),
	}
	v.accept = widget.NewButtonWithIcon("Accept", theme.ConfirmIcon(), func() {
		if q, ok := v.q.take(); ok {
			sess.AcceptTerms(q)
		}
	})
	v.accept.Importance = widget.HighImportance
	v.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if q, ok := v.q.take(); ok {
			sess.DeclineTerms(q)
		}
	})
	v.scroll = container.NewVScroll(v.text)

	intro := newText("Please read and accept the terms and conditions of smartcard use to continue. Cancel does not sign you in.")
	top := container.NewVBox(newHeading("Terms and conditions"), v.version, intro)
	bottom := container.NewVBox(v.message, container.NewHBox(layout.NewSpacer(), v.cancel, v.accept))
	v.root = fullPage(wide, container.NewBorder(top, bottom, nil, nil, container.NewStack(boxBackground(), v.scroll)))
	return v
}

func (v *termsView) content() fyne.CanvasObject { return v.root }

// focus puts the keyboard on Accept, as a dialog's default button: Space or
// Enter accepts, Tab reaches Cancel. The passcode's Enter does not carry
// over: it was consumed by the passcode screen.
func (v *termsView) focus(c fyne.Canvas) {
	if c.Focused() != v.accept {
		c.Focus(v.accept)
	}
}

func (v *termsView) render(st session.State) {
	v.q.ask(st.Question)
	if st.Terms != v.shown {
		v.shown = st.Terms
		var text, version string
		if t := st.Terms; t != nil {
			text = t.Text
			if t.Version > 0 {
				version = fmt.Sprintf("Version %d", t.Version)
			}
		}
		setText(v.version, version)
		v.text.SetText(text)
		v.scroll.ScrollToTop()
	}
	setText(v.message, st.Message)
}
