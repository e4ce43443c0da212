package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/assets"
	"github.com/cardagent/cardagent/session"
)

// chrome is what every screen shares: the NHS-blue header with the title
// and the Demo badge, and the footer naming the reader.
type chrome struct {
	header fyne.CanvasObject
	footer fyne.CanvasObject

	demo   *fyne.Container // the Demo badge
	row    *fyne.Container
	reader *widget.Label
}

func newChrome() *chrome {
	c := &chrome{}

	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(32))

	title := canvas.NewText(Title, white)
	title.TextStyle.Bold = true
	title.TextSize = theme.TextSubHeadingSize()

	badgeText := canvas.NewText("DEMO", black)
	badgeText.TextStyle.Bold = true
	badgeBG := canvas.NewRectangle(nhsWarmYellow)
	badgeBG.CornerRadius = 4
	c.demo = container.NewStack(badgeBG, container.New(layout.NewCustomPaddedLayout(2, 2, 10, 10), badgeText))
	c.demo.Hide()

	bar := canvas.NewRectangle(nhsBlue)
	c.row = container.NewHBox(icon, container.NewCenter(title), layout.NewSpacer(), container.NewCenter(c.demo))
	c.header = container.NewStack(bar, container.New(layout.NewCustomPaddedLayout(8, 8, 16, 16), c.row))

	c.reader = widget.NewLabel("")
	c.reader.SizeName = theme.SizeNameCaptionText
	c.reader.Truncation = fyne.TextTruncateEllipsis
	c.footer = container.NewVBox(widget.NewSeparator(), container.New(layout.NewCustomPaddedLayout(0, 0, 8, 8), c.reader))
	return c
}

func (c *chrome) render(st session.State) {
	if st.Demo != c.demo.Visible() {
		if st.Demo {
			c.demo.Show()
		} else {
			c.demo.Hide()
		}
		c.row.Refresh()
	}
	var r string
	if st.Reader != "" {
		r = "Reader: " + st.Reader
		if st.Demo {
			r += "   ·   Demo: virtual card and test data"
		}
	} else if st.Demo {
		r = "Demo: virtual card and test data"
	}
	if c.reader.Text != r {
		c.reader.SetText(r)
	}
}
