package terminal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cardagent/cardagent/api"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// auditRun is `cardagent admin audit --no-gui`: the search's records, a
// JSON object a line on stdout, newest first, up to Options.Pages pages;
// the chain's last verification on stderr. A line is the record as the API
// gives it (api.AuditEntry).
type auditRun struct {
	form    session.AuditForm
	pages   int
	asked   bool
	printed int // the last page printed
}

func newAuditRun(o Options) *auditRun {
	pages := o.Pages
	if pages <= 0 {
		pages = 1
	}
	return &auditRun{form: session.AuditForm{User: o.UserID, Card: o.Card, Admin: o.AdminID, From: o.From, To: o.To}, pages: pages}
}

// step answers one admin mode State; done says the command is over, with err.
func (p *auditRun) step(a Agent, s session.State, stdout, stderr io.Writer) (done bool, err error) {
	switch s.Screen {
	case session.ScreenAdmin:
		if !p.asked {
			p.asked = true
			if !s.Admin.SearchesAudit {
				return true, errors.New(wording.AdminNotAuthorised.Problem + "\n" + wording.AdminNotAuthorised.Fix)
			}
			a.StartAdminAction(session.AdminActionAudit)
		}
	case session.ScreenAdminForm:
		if s.Message != "" { // the command line's to fix
			return true, errors.New(s.Message)
		}
		a.SubmitAuditForm(s.Question, p.form)
	case session.ScreenAdminAudit:
		page := s.Admin.Audit
		if page.Page == p.printed { // shown again (the card in the other reader read)
			return false, nil
		}
		p.printed = page.Page
		if page.Page == 1 {
			fmt.Fprintln(stderr, page.Search)
			fmt.Fprintln(stderr, chainLine(page.Chain))
		}
		enc := json.NewEncoder(stdout)
		for _, r := range page.Records {
			if err := enc.Encode(api.AuditEntry{Seq: r.Seq, At: r.At, Action: r.Action, Outcome: r.Outcome, UserID: r.UserID, CardGUID: r.CardGUID,
				WorkstationID: r.Workstation, SessionID: r.SessionID, AdminID: r.AdminID, Detail: r.Detail}); err != nil {
				return true, err
			}
		}
		if !page.More || page.Page >= p.pages {
			if page.More {
				fmt.Fprintf(stderr, "older records follow: --pages %d shows more\n", p.pages+1)
			}
			if !page.Chain.Intact && page.Chain.BrokenAt != 0 {
				return true, errors.New(chainLine(page.Chain))
			}
			return true, nil
		}
		a.AuditOlder()
	case session.ScreenAdminFailed:
		return true, fmt.Errorf("%s\n%s", s.Problem, s.Fix)
	}
	return false, nil
}

// chainLine is the chain's last verification in words.
func chainLine(c session.ChainStatus) string {
	switch {
	case c.CheckedAt.IsZero():
		return wording.AuditChainUnchecked
	case c.Intact:
		return wording.AuditChainIntact(c.Records, c.CheckedAt)
	case c.BrokenAt == 0:
		return wording.AuditChainUnverified(c.Problem)
	}
	return wording.AuditChainBroken(c.BrokenAt, c.Problem)
}
