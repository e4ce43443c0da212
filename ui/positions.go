package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// positionsPanel is a user's access positions in the administrator's
// organisation (ScreenAdminPositions): one row each, with End on those
// still held, and Grant a role. identityd decides each change.
type positionsPanel struct {
	sess      Session
	root      *fyne.Container
	heading   *widget.Label
	rows      *fyne.Container
	elsewhere *widget.Label
	grant     *widget.Button
	shown     []session.HeldPosition // what rows shows
	ends      []*widget.Button       // the rows' End buttons, for tests
}

func newPositionsPanel(sess Session) *positionsPanel {
	p := &positionsPanel{sess: sess, heading: newSubHeading(""), rows: container.NewVBox(), elsewhere: newCaption("")}
	p.heading.Wrapping = fyne.TextWrapWord
	p.grant = widget.NewButtonWithIcon(wording.AdminGrantButton, theme.ContentAddIcon(),
		func() { sess.StartAdminAction(session.AdminActionGrant) })
	p.grant.Importance = widget.HighImportance
	p.root = container.NewVBox(p.heading, container.NewStack(boxBackground(), container.NewPadded(p.rows)), p.elsewhere,
		container.NewHBox(layout.NewSpacer(), p.grant))
	p.root.Hide()
	return p
}

func (p *positionsPanel) render(st session.State) {
	var h *session.HolderPositions
	if st.Admin != nil {
		h = st.Admin.Positions
	}
	showIf(p.root, st.Screen == session.ScreenAdminPositions && h != nil)
	if h == nil {
		return
	}
	setText(p.heading, wording.AdminPositionsOf(h.Name, h.UUID, h.Organisation))
	setText(p.elsewhere, wording.AdminPositionsElsewhere(h.Elsewhere))
	if slices.Equal(p.shown, h.Held) && len(p.rows.Objects) > 0 {
		return
	}
	p.shown = slices.Clone(h.Held)
	p.ends = p.ends[:0]
	var rows []fyne.CanvasObject
	for _, held := range h.Held {
		line := newText(positionLine(held))
		line.TextStyle.Italic = !held.Active // kept on record, no longer held
		row := container.NewBorder(nil, nil, nil, nil, line)
		if held.Active {
			id := held.ID
			end := widget.NewButtonWithIcon(wording.AdminEndButton, theme.CancelIcon(), func() { p.sess.EndPosition(id) })
			p.ends = append(p.ends, end)
			row = container.NewBorder(nil, nil, nil, end, line)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		rows = append(rows, newText(wording.AdminPositionsNone))
	}
	p.rows.Objects = rows
	p.rows.Refresh()
}

// positionLine is one position: its role and when it is held.
func positionLine(p session.HeldPosition) string {
	const day = "2 January 2006"
	s := p.Role + " · since " + p.Since.Local().Format(day)
	switch {
	case p.Until.IsZero():
		s += " · " + wording.AdminPositionsOpenEnds
	case p.Active:
		s += " · until " + p.LastDay.Local().Format(day)
	default:
		s += " · ended " + p.LastDay.Local().Format(day)
	}
	return s
}
