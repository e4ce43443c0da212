package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// column lays its objects out in one centred column no wider than
// maxWidth. Without fill each object keeps its minimum height and sits a
// little above the middle; with fill it takes the whole height.
type column struct {
	maxWidth float32
	fill     bool
}

func (c *column) margin() float32 { return 2 * theme.InnerPadding() }

func (c *column) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	m := c.margin()
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		min := o.MinSize()
		w := fyne.Min(size.Width-2*m, fyne.Max(c.maxWidth, min.Width))
		w = fyne.Max(w, min.Width)
		x := fyne.Max(0, (size.Width-w)/2)
		if c.fill {
			o.Move(fyne.NewPos(x, m))
			o.Resize(fyne.NewSize(w, fyne.Max(size.Height-2*m, min.Height)))
			continue
		}
		// Wrapped text knows its height only once it knows its width.
		o.Resize(fyne.NewSize(w, min.Height))
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(w, h))
		y := fyne.Max(m, (size.Height-h)*0.4)
		o.Move(fyne.NewPos(x, y))
	}
}

func (c *column) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	m := c.margin()
	return fyne.NewSize(s.Width+2*m, s.Height+2*m)
}

// page is a screen body: objects stacked in a centred column that scrolls
// when the window is too small for it.
func page(maxWidth float32, objects ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(container.New(&column{maxWidth: maxWidth}, container.NewVBox(objects...)))
}

// fullPage is a screen body that fills the window's height (terms, roles).
func fullPage(maxWidth float32, o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&column{maxWidth: maxWidth, fill: true}, o)
}

// Widths of the centred column.
const (
	narrow = 520
	wide   = 720
)

func newHeading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.SizeName = theme.SizeNameHeadingText
	l.TextStyle.Bold = true
	l.Wrapping = fyne.TextWrapWord
	return l
}

func newSubHeading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.SizeName = theme.SizeNameSubHeadingText
	l.TextStyle.Bold = true
	l.Wrapping = fyne.TextWrapWord
	return l
}

func newText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// newCaption is secondary text: smaller, but in the normal text colour
// (Fyne's low-importance grey is too faint to read comfortably).
func newCaption(text string) *widget.Label {
	l := newText(text)
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// newMessage is the line for State.Message, in the error colour.
func newMessage() *widget.Label {
	l := newText("")
	l.Importance = widget.DangerImportance
	l.TextStyle.Bold = true
	l.Hide()
	return l
}

func centred(ls ...*widget.Label) {
	for _, l := range ls {
		l.Alignment = fyne.TextAlignCenter
	}
}

// setText sets a label and hides it when there is nothing to say.
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
	if s == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// boxBackground is the quiet panel behind grouped content.
func boxBackground() *panel { return newPanel(theme.ColorNameInputBackground) }
