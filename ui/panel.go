package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// panel is a rounded rectangle in theme colours that follows theme and
// variant changes (a canvas.Rectangle keeps the colour it was given).
type panel struct {
	widget.BaseWidget
	fill        fyne.ThemeColorName // "" is transparent
	fillAlpha   uint8               // 0 keeps the theme colour's own alpha
	stroke      fyne.ThemeColorName // "" is none
	strokeWidth float32
	square      bool // no rounded corners
	minSize     fyne.Size
}

func newPanel(fill fyne.ThemeColorName) *panel {
	p := &panel{fill: fill}
	p.ExtendBaseWidget(p)
	return p
}

// set changes the fill colour.
func (p *panel) set(fill fyne.ThemeColorName) {
	if p.fill != fill {
		p.fill = fill
		p.Refresh()
	}
}

func (p *panel) CreateRenderer() fyne.WidgetRenderer {
	r := &panelRenderer{p: p, rect: canvas.NewRectangle(color.Transparent)}
	r.Refresh()
	return r
}

type panelRenderer struct {
	p    *panel
	rect *canvas.Rectangle
}

func (r *panelRenderer) Layout(s fyne.Size)           { r.rect.Resize(s) }
func (r *panelRenderer) MinSize() fyne.Size           { return r.p.minSize }
func (r *panelRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.rect} }
func (r *panelRenderer) Destroy()                     {}
func (r *panelRenderer) colour(n fyne.ThemeColorName) color.Color {
	if n == "" {
		return color.Transparent
	}
	v := fyne.CurrentApp().Settings().ThemeVariant()
	return r.p.Theme().Color(n, v)
}

func (r *panelRenderer) Refresh() {
	fill := r.colour(r.p.fill)
	if r.p.fillAlpha != 0 && r.p.fill != "" {
		fill = withAlpha(fill, r.p.fillAlpha)
	}
	r.rect.FillColor = fill
	r.rect.StrokeColor = r.colour(r.p.stroke)
	r.rect.StrokeWidth = r.p.strokeWidth
	r.rect.CornerRadius = 0
	if !r.p.square {
		r.rect.CornerRadius = r.p.Theme().Size(theme.SizeNameInputRadius)
	}
	r.rect.Refresh()
}
