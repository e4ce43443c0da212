package ui

import (
	"fmt"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// TestPreview renders every sample screen into PNGs, for a first look at
// the layout without a display:
//
//	CARDAGENT_SCREENSHOT_DIR=/tmp/shots go test ./ui -run TestPreview
//
// writes <dir>/<screen>-1280x800.png and -800x600.png (and -dark- variants
// with CARDAGENT_SCREENSHOT_DARK=1). It is skipped without the variable.
// These are rendered by Fyne's software painter; the real screenshots come
// from the binary under Xvfb.
func TestPreview(t *testing.T) {
	dir := os.Getenv("CARDAGENT_SCREENSHOT_DIR")
	if dir == "" {
		t.Skip("set CARDAGENT_SCREENSHOT_DIR to write screen previews")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	variants := []fyne.ThemeVariant{theme.VariantLight}
	if os.Getenv("CARDAGENT_SCREENSHOT_DARK") != "" {
		variants = append(variants, theme.VariantDark)
	}
	for _, variant := range variants {
		for _, size := range []fyne.Size{normalSize, smallSize} {
			for _, s := range samples {
				name := fmt.Sprintf("%s-%dx%d.png", s.name, int(size.Width), int(size.Height))
				if variant == theme.VariantDark {
					name = "dark-" + name
				}
				t.Run(name, func(t *testing.T) {
					u, _ := newTestUI(t, size)
					u.app.Settings().SetTheme(variantTheme{newTheme(), variant})
					u.apply(sample(t, s.name))
					u.win.Resize(size) // let wrapped text settle
					writePNG(t, filepath.Join(dir, name), u)
				})
			}
		}
	}
}

func writePNG(t *testing.T, path string, u *UI) {
	t.Helper()
	img := u.win.Canvas().Capture()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// variantTheme forces a theme variant (the test app's own is dark).
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (v variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return v.Theme.Color(n, v.variant)
}
