package ui

import (
	"bytes"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Size of a card holder's photo.
const (
	photoWidth  = 96
	photoHeight = 120
)

// photoBox shows a card holder's facial image, or a placeholder; it is
// remade only when the image changes.
type photoBox struct {
	box *fyne.Container
	src []byte // the bytes the photo was made from
}

func newPhotoBox() *photoBox {
	p := &photoBox{box: container.NewStack()}
	p.set(nil)
	return p
}

func (p *photoBox) set(photo []byte) {
	if len(p.box.Objects) > 0 && bytes.Equal(photo, p.src) {
		return
	}
	var o fyne.CanvasObject
	if len(photo) > 0 {
		img := canvas.NewImageFromReader(bytes.NewReader(photo), "photo")
		img.FillMode = canvas.ImageFillContain
		img.ScaleMode = canvas.ImageScaleSmooth
		img.SetMinSize(fyne.NewSize(photoWidth, photoHeight))
		o = img
	} else {
		bg := boxBackground()
		bg.minSize = fyne.NewSize(photoWidth, photoHeight)
		o = container.NewStack(bg, container.NewPadded(widget.NewIcon(theme.AccountIcon())))
	}
	p.src = photo
	p.box.Objects = []fyne.CanvasObject{o}
	p.box.Refresh()
}
