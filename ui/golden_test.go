package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestGoldenMarkup pins the structure of the key screens at 800×600 in
// testdata/*.xml. After a deliberate change, copy testdata/failed/*.xml
// over the masters (Fyne writes them there on a mismatch).
func TestGoldenMarkup(t *testing.T) {
	for _, name := range []string{"insert-card", "passcode", "roles", "active", "locked", "blocked", "demo-insert"} {
		t.Run(name, func(t *testing.T) {
			u, _ := newTestUI(t, smallSize)
			u.apply(sample(t, name))
			test.AssertRendersToMarkup(t, name+".xml", u.win.Canvas())
		})
	}
}

// TestNothingSqueezed checks at the small window size that no label,
// button or entry on any screen is laid out smaller than it needs, the
// usual cause of clipped text.
func TestNothingSqueezed(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			u, _ := newTestUI(t, smallSize)
			u.apply(sample(t, s.name))
			if min := u.win.Content().MinSize(); min.Width > smallSize.Width || min.Height > smallSize.Height {
				t.Errorf("content needs %v, more than %v", min, smallSize)
			}
			var walk func(o fyne.CanvasObject)
			walk = func(o fyne.CanvasObject) {
				if o == nil || !o.Visible() {
					return
				}
				switch w := o.(type) {
				case *widget.SelectEntry:
					// Fyne lays its drop-down button out within the entry's
					// own height, a few pixels under the button's minimum.
					return
				case *widget.Label, *widget.Button, *widget.Entry, *passEntry:
					size, min := o.Size(), o.MinSize()
					if size.Width+0.5 < min.Width || size.Height+0.5 < min.Height {
						t.Errorf("%T %q is %v, needs %v", o, visibleTexts(o), size, min)
					}
					return
				case *fyne.Container:
					for _, c := range w.Objects {
						walk(c)
					}
				case fyne.Widget:
					for _, c := range test.WidgetRenderer(w).Objects() {
						walk(c)
					}
				}
			}
			walk(u.win.Content())
		})
	}
}
