package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/assets"
	"github.com/cardagent/cardagent/session"
)

// insertView asks for a card: "Insert your smartcard" and the reader it
// waits on.
type insertView struct {
	reader  *widget.Label
	message *widget.Label
	root    fyne.CanvasObject
}

func newInsertView() *insertView {
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(112))

	title := newHeading("Insert your smartcard")
	v := &insertView{reader: newText(""), message: newMessage()}
	hint := newCaption("Put your card in the reader, chip first and facing up.")
	centred(title, v.reader, v.message, hint)
	v.root = page(narrow, container.NewCenter(icon), title, v.reader, hint, v.message)
	return v
}

func (v *insertView) content() fyne.CanvasObject { return v.root }

func (v *insertView) render(st session.State) {
	r := ""
	if st.Reader != "" {
		r = "Reader: " + st.Reader
	}
	setText(v.reader, r)
	setText(v.message, st.Message)
}
