package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// auditForm is the audit view's search: whose records, and the days.
type auditForm struct {
	root              *fyne.Container
	user, card, admin *widget.Entry
	from, to          *widget.Entry
	submitted         func()
}

func newAuditForm(submit func()) *auditForm {
	f := &auditForm{user: widget.NewEntry(), card: widget.NewEntry(), admin: widget.NewEntry(), from: widget.NewEntry(), to: widget.NewEntry(),
		submitted: submit}
	f.user.PlaceHolder, f.admin.PlaceHolder = "12 digits", "12 digits"
	f.card.PlaceHolder = "32 hexadecimal digits"
	f.from.PlaceHolder, f.to.PlaceHolder = wording.AuditDayHint, wording.AuditDayHint
	for _, e := range []*widget.Entry{f.user, f.card, f.admin, f.from, f.to} {
		e.OnSubmitted = func(string) { submit() }
	}
	f.root = container.New(layout.NewFormLayout(),
		widget.NewLabel(wording.AuditUserLabel), f.user,
		widget.NewLabel(wording.AuditCardLabel), f.card,
		widget.NewLabel(wording.AuditAdminLabel), f.admin,
		widget.NewLabel(wording.AuditFromLabel), f.from,
		widget.NewLabel(wording.AuditToLabel), f.to)
	f.root.Hide()
	return f
}

func (f *auditForm) form() session.AuditForm {
	return session.AuditForm{User: f.user.Text, Card: f.card.Text, Admin: f.admin.Text, From: f.from.Text, To: f.to.Text}
}

func (f *auditForm) clear() {
	for _, e := range []*widget.Entry{f.user, f.card, f.admin, f.from, f.to} {
		e.SetText("")
	}
}

// auditPanel is a page of an audit search (ScreenAdminAudit): what was
// searched, how the chain's last verification went, the records, Older.
type auditPanel struct {
	root   *fyne.Container
	search *widget.Label
	chain  *widget.Label
	page   *widget.Label
	rows   *fyne.Container
	older  *widget.Button
	again  *widget.Button
	shown  *session.AuditPage
}

func newAuditPanel(sess Session) *auditPanel {
	p := &auditPanel{search: newSubHeading(""), chain: newText(""), page: newCaption(""), rows: container.NewVBox()}
	p.search.Wrapping = fyne.TextWrapWord
	p.older = widget.NewButtonWithIcon(wording.AuditOlderButton, theme.MoveDownIcon(), sess.AuditOlder)
	p.again = widget.NewButtonWithIcon(wording.AuditNewSearch, theme.SearchIcon(), func() { sess.StartAdminAction(session.AdminActionAudit) })
	p.root = container.NewVBox(p.search, p.chain, p.page, container.NewStack(boxBackground(), container.NewPadded(p.rows)),
		container.NewHBox(p.again, layout.NewSpacer(), p.older))
	p.root.Hide()
	return p
}

func (p *auditPanel) render(st session.State) {
	var a *session.AuditPage
	if st.Admin != nil {
		a = st.Admin.Audit
	}
	showIf(p.root, st.Screen == session.ScreenAdminAudit && a != nil)
	if a == nil || a == p.shown {
		return
	}
	p.shown = a
	setText(p.search, a.Search)
	setText(p.page, wording.AuditPageOf(a.Page, len(a.Records)))
	switch c := a.Chain; {
	case c.CheckedAt.IsZero():
		p.chain.Importance = widget.WarningImportance
		setText(p.chain, wording.AuditChainUnchecked)
	case c.Intact:
		p.chain.Importance = widget.SuccessImportance
		setText(p.chain, wording.AuditChainIntact(c.Records, c.CheckedAt))
	case c.BrokenAt == 0:
		p.chain.Importance = widget.WarningImportance
		setText(p.chain, wording.AuditChainUnverified(c.Problem))
	default:
		p.chain.Importance = widget.DangerImportance
		setText(p.chain, wording.AuditChainBroken(c.BrokenAt, c.Problem))
	}
	p.chain.Refresh()
	showIf(p.older, a.More)
	var rows []fyne.CanvasObject
	for _, r := range a.Records {
		head := newText(auditHead(r))
		head.TextStyle.Bold = true
		rows = append(rows, container.NewVBox(head, newCaption(r.Detail)))
	}
	if len(rows) == 0 {
		rows = append(rows, newText(wording.AuditNone))
	}
	p.rows.Objects = rows
	p.rows.Refresh()
}

// auditHead is a record's first line: when, what, how it ended, about whom.
func auditHead(r session.AuditLine) string {
	s := r.At.Local().Format("2 Jan 2006 15:04:05") + " · " + r.Action + " · " + r.Outcome
	if r.UserID != "" {
		s += " · user " + r.UserID
	}
	if r.CardGUID != "" {
		s += " · card " + r.CardGUID
	}
	if r.Workstation != "" {
		s += " · at " + r.Workstation
	}
	if r.AdminID != "" {
		s += " · by administrator " + r.AdminID
	}
	return s
}
