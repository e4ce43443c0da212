package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// NHS identity colours (NHS England design system).
var (
	nhsBlue       = color.NRGBA{R: 0x00, G: 0x5E, B: 0xB8, A: 0xFF}
	nhsDarkBlue   = color.NRGBA{R: 0x00, G: 0x30, B: 0x87, A: 0xFF}
	nhsWarmYellow = color.NRGBA{R: 0xFF, G: 0xB8, B: 0x1C, A: 0xFF}
	white         = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	black         = color.NRGBA{R: 0x21, G: 0x2B, B: 0x32, A: 0xFF} // NHS black
)

// cardTheme is Fyne's default theme with NHS blue as the accent in the light
// variant. The dark variant keeps Fyne's own (lighter) blue, which reads
// better on a dark background; everything else is the default theme, whose
// contrast and sizes we keep.
type cardTheme struct {
	fyne.Theme
}

func newTheme() fyne.Theme { return cardTheme{theme.DefaultTheme()} }

// Color always answers in the light variant: a shared clinical workstation
// looks the same for everyone (and in the support screenshots), whatever
// the desktop's dark-mode setting.
func (t cardTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	v := theme.VariantLight
	{
		switch n {
		case theme.ColorNamePrimary, theme.ColorNameHyperlink:
			return nhsBlue
		case theme.ColorNameFocus:
			return color.NRGBA{R: 0x00, G: 0x5E, B: 0xB8, A: 0x7F}
		case theme.ColorNameSelection:
			return color.NRGBA{R: 0x00, G: 0x5E, B: 0xB8, A: 0x30}
		}
	}
	return t.Theme.Color(n, v)
}

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}
