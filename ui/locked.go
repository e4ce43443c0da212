package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// lockIcon is the Material "lock" glyph (Apache 2.0, as Fyne's own icons).
var lockIcon = theme.NewThemedResource(&fyne.StaticResource{
	StaticName:    "lock.svg",
	StaticContent: []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M18 8h-1V6c0-2.76-2.24-5-5-5S7 3.24 7 6v2H6c-1.1 0-2 .9-2 2v10c0 1.1.9 2 2 2h12c1.1 0 2-.9 2-2V10c0-1.1-.9-2-2-2zm-6 9c-1.1 0-2-.9-2-2s.9-2 2-2 2 .9 2 2-.9 2-2 2zm3.1-9H8.9V6c0-1.71 1.39-3.1 3.1-3.1 1.71 0 3.1 1.39 3.1 3.1v2z"/></svg>`),
})

// lockedView is shown the moment the card is pulled. It is built once and
// rendering it only sets two labels, so the lock is drawn at once.
type lockedView struct {
	who     *widget.Label
	kept    *widget.Label
	message *widget.Label
	root    fyne.CanvasObject
}

func newLockedView() *lockedView {
	v := &lockedView{who: newText(""), kept: newCaption(""), message: newMessage()}
	icon := widget.NewIcon(theme.NewPrimaryThemedResource(lockIcon))
	title := newHeading("Session locked — card removed")
	next := newSubHeading("Insert your card to continue")
	centred(title, v.who, next, v.kept, v.message)
	v.root = page(narrow,
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(96), icon)),
		title, v.who, next, v.kept, v.message)
	return v
}

func (v *lockedView) content() fyne.CanvasObject { return v.root }

func (v *lockedView) render(st session.State) {
	who, kept := "", ""
	if a := st.Active; a != nil {
		who = a.User
		if a.Role != "" {
			who += "\n" + a.Role
			if a.Organisation != "" {
				who += ", " + a.Organisation
			}
		}
		if a.Suspended {
			kept = wording.SessionKept
		}
	}
	setText(v.who, who)
	setText(v.kept, kept)
	setText(v.message, st.Message)
}
