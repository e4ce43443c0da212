package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
)

// rolesView asks which role to work in: a list of organisation and role,
// the State's RoleIndex preselected. Keyboard: Up/Down move, Enter
// confirms; or click a row and Continue.
type rolesView struct {
	sess    Session
	q       question
	list    *roleList
	message *widget.Label
	cont    *widget.Button
	root    fyne.CanvasObject
}

func newRolesView(sess Session) *rolesView {
	v := &rolesView{sess: sess, message: newMessage()}
	v.list = newRoleList(v.choose)
	v.cont = widget.NewButtonWithIcon("Continue", theme.NavigateNextIcon(), func() { v.choose(v.list.selected) })
	v.cont.Importance = widget.HighImportance
	v.cont.IconPlacement = widget.ButtonIconTrailingText

	hint := newCaption("Use ↑ and ↓ to choose, then press Enter.")
	v.root = page(narrow,
		newHeading("Choose your role"),
		v.list,
		hint,
		v.message,
		container.NewHBox(layout.NewSpacer(), v.cont),
	)
	return v
}

func (v *rolesView) content() fyne.CanvasObject { return v.root }

// choose answers the question with role i, once.
func (v *rolesView) choose(i int) {
	if q, ok := v.q.take(); ok {
		v.sess.SelectRole(q, i)
	}
}

func (v *rolesView) render(st session.State) {
	v.q.ask(st.Question)
	v.list.set(st.Roles, st.RoleIndex)
	setText(v.message, st.Message)
}

func (v *rolesView) focus(c fyne.Canvas) {
	if c.Focused() != v.list {
		c.Focus(v.list)
	}
}

// maxListHeight is where the role list starts to scroll.
const maxListHeight = 300

// roleList is a keyboard-first single-choice list: the highlighted row is
// the choice; Up/Down move it, Enter confirms it.
type roleList struct {
	widget.BaseWidget

	roles    []session.Role
	selected int
	given    int // the RoleIndex last rendered
	focused  bool
	confirm  func(int)

	rows   *fyne.Container
	scroll *container.Scroll
	border *panel
}

func newRoleList(confirm func(int)) *roleList {
	l := &roleList{confirm: confirm, rows: container.NewVBox()}
	l.scroll = container.NewVScroll(l.rows)
	l.border = newPanel("")
	l.border.strokeWidth = 2
	l.ExtendBaseWidget(l)
	return l
}

// set shows roles with index preselected. The same published slice is not
// rebuilt.
func (l *roleList) set(roles []session.Role, index int) {
	same := len(roles) == len(l.roles) && (len(roles) == 0 || &roles[0] == &l.roles[0])
	if !same {
		l.roles = roles
		objs := make([]fyne.CanvasObject, len(roles))
		for i, r := range roles {
			objs[i] = newRoleRow(r, func() { l.tapped(i) })
		}
		l.rows.Objects = objs
		l.rows.Refresh()
		var h float32
		for _, o := range objs {
			h += o.MinSize().Height
		}
		if len(objs) > 1 {
			h += float32(len(objs)-1) * theme.Padding()
		}
		l.scroll.SetMinSize(fyne.NewSize(0, fyne.Min(h, maxListHeight)))
	}
	// A new State with the same roles and index keeps the user's move.
	if !same || index != l.given {
		l.given = index
		l.choose(index)
	}
}

func (l *roleList) choose(i int) {
	if len(l.roles) == 0 {
		l.selected = 0
		return
	}
	i = max(0, min(i, len(l.roles)-1))
	l.selected = i
	for j, o := range l.rows.Objects {
		o.(*roleRow).setChosen(j == i, l.focused)
	}
	l.reveal(i)
}

// reveal scrolls row i into view.
func (l *roleList) reveal(i int) {
	row := l.rows.Objects[i]
	top := row.Position().Y
	bottom := top + row.Size().Height
	off := l.scroll.Offset
	h := l.scroll.Size().Height
	switch {
	case top < off.Y:
		off.Y = top
	case h > 0 && bottom > off.Y+h:
		off.Y = bottom - h
	}
	l.scroll.ScrollToOffset(off)
}

func (l *roleList) tapped(i int) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(l); c != nil {
		c.Focus(l)
	}
	l.choose(i)
}

func (l *roleList) FocusGained() {
	l.focused = true
	l.border.stroke = theme.ColorNameFocus
	l.border.Refresh()
	l.choose(l.selected)
}

func (l *roleList) FocusLost() {
	l.focused = false
	l.border.stroke = ""
	l.border.Refresh()
	l.choose(l.selected)
}

func (l *roleList) TypedRune(rune) {}

func (l *roleList) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		l.choose(l.selected + 1)
	case fyne.KeyUp:
		l.choose(l.selected - 1)
	case fyne.KeyHome:
		l.choose(0)
	case fyne.KeyEnd:
		l.choose(len(l.roles) - 1)
	case fyne.KeyReturn, fyne.KeyEnter:
		if len(l.roles) > 0 {
			l.confirm(l.selected)
		}
	}
}

func (l *roleList) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(boxBackground(), l.scroll, l.border))
}

// roleRow is one role: role name (bold) over organisation, with a radio
// mark.
type roleRow struct {
	widget.BaseWidget
	bg    *panel
	mark  *widget.Icon
	text  *widget.RichText
	onTap func()
}

func newRoleRow(r session.Role, onTap func()) *roleRow {
	name := &widget.TextSegment{Text: r.Name, Style: widget.RichTextStyle{
		ColorName: theme.ColorNameForeground, SizeName: theme.SizeNameText, TextStyle: fyne.TextStyle{Bold: true}}}
	org := &widget.TextSegment{Text: r.Organisation, Style: widget.RichTextStyleParagraph}
	row := &roleRow{
		bg:    newPanel(""),
		mark:  widget.NewIcon(theme.RadioButtonIcon()),
		text:  widget.NewRichText(name, org),
		onTap: onTap,
	}
	row.text.Wrapping = fyne.TextWrapWord
	row.ExtendBaseWidget(row)
	return row
}

func (r *roleRow) setChosen(chosen, focused bool) {
	switch {
	case !chosen:
		r.mark.SetResource(theme.RadioButtonIcon())
		r.bg.set("")
	case focused:
		r.mark.SetResource(theme.NewPrimaryThemedResource(theme.RadioButtonCheckedIcon()))
		r.bg.set(theme.ColorNameSelection)
	default:
		r.mark.SetResource(theme.NewPrimaryThemedResource(theme.RadioButtonCheckedIcon()))
		r.bg.set(theme.ColorNameHover)
	}
}

func (r *roleRow) Tapped(*fyne.PointEvent) { r.onTap() }

func (r *roleRow) CreateRenderer() fyne.WidgetRenderer {
	mark := container.New(layout.NewCustomPaddedLayout(0, 0, theme.Padding()*2, 0), container.NewCenter(r.mark))
	return widget.NewSimpleRenderer(container.NewStack(r.bg,
		container.NewBorder(nil, nil, mark, nil, r.text)))
}
