package session

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/wording"
)

// The audit view (docs/admin.md): an RA searches the audit trail by user,
// card or administrator, narrowed by dates, and reads it a page at a time,
// newest first, with how identityd's last verification of the whole chain
// went. Read only; identityd records each search.

// AuditForm is what the RA typed: UUIDs of the user and of the
// administrator, a card's GUID (any may be empty, not all), and the first
// and last days (YYYY-MM-DD, local time; empty: open).
type AuditForm struct {
	User, Card, Admin string
	From, To          string
}

// auditSearch is the search shown and where its pages end.
type auditSearch struct {
	query api.AuditQuery
	pages []string // the Before of each page shown so far ("" for the first)
	next  string
	view  *AuditPage
}

// startAudit asks what to search for.
func (a *Agent) startAudit() {
	if a.st.Screen != ScreenAdmin && a.st.Screen != ScreenAdminAudit || a.st.Admin == nil || !a.st.Admin.SearchesAudit {
		return
	}
	a.adminAction = AdminActionAudit
	a.showAdminScreen(ScreenAdminForm, nil)
}

// SubmitAuditForm searches the audit trail.
func (a *Agent) SubmitAuditForm(question uint64, f AuditForm) {
	a.do(func() {
		if !a.asking(ScreenAdminForm, question) || a.adminAction != AdminActionAudit || a.ticket == nil {
			return
		}
		q, msg := auditQuery(f, a.cfg.Now())
		if msg != "" {
			a.showAdminScreen(ScreenAdminForm, func(s *State) { s.Message = msg })
			return
		}
		a.audit = auditSearch{query: q}
		a.readAuditPage("")
	})
}

// AuditOlder shows the next, older page of the search shown.
func (a *Agent) AuditOlder() {
	a.do(func() {
		if a.st.Screen == ScreenAdminAudit && a.audit.next != "" {
			a.readAuditPage(a.audit.next)
		}
	})
}

// auditQuery is the search f asks for, or why it cannot be made.
func auditQuery(f AuditForm, now time.Time) (api.AuditQuery, string) {
	q := api.AuditQuery{User: strings.TrimSpace(f.User), Card: strings.ToLower(strings.TrimSpace(f.Card)),
		Admin: strings.TrimSpace(f.Admin), Limit: api.AuditPageDefault}
	switch {
	case q.User == "" && q.Card == "" && q.Admin == "":
		return q, wording.AuditSubjectNeeded
	case q.User != "" && !api.ValidUserID(q.User), q.Admin != "" && !api.ValidUserID(q.Admin):
		return q, wording.AdminUserIDNeeded
	}
	if q.Card != "" {
		if _, err := api.ParseCardGUID(q.Card); err != nil {
			return q, wording.AuditCardNeeded
		}
	}
	for _, d := range []struct {
		text string
		to   *time.Time
		next int // the day after, for the last day
	}{{strings.TrimSpace(f.From), &q.From, 0}, {strings.TrimSpace(f.To), &q.To, 1}} {
		if d.text == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.text, now.Location())
		if err != nil {
			return q, wording.AuditDayNeeded
		}
		*d.to = day.AddDate(0, 0, d.next)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, wording.AuditDaysOrder
	}
	return q, ""
}

// readAuditPage reads the page of the search shown that goes on from
// before ("" for the newest) and shows it.
func (a *Agent) readAuditPage(before string) {
	ctx := a.newGen()
	ticket, q := *a.ticket, a.audit.query
	q.Before = before
	a.adminAction = AdminActionAudit
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AuditSearching })
	step(a, ctx, func(ctx context.Context) (api.AdminAuditPage, error) {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.AdminAudit(bctx, ticket, q)
	}, func(page api.AdminAuditPage, err error) {
		if err != nil {
			a.auditFailed(err, func() { a.readAuditPage(before) })
			return
		}
		if before == "" {
			a.audit.pages = nil
		}
		a.audit.pages = append(a.audit.pages, before)
		a.audit.next = page.Next
		a.audit.view = auditView(a.audit.query, page, len(a.audit.pages))
		a.retry = nil
		a.showAdminScreen(ScreenAdminAudit, nil)
	})
}

// auditView is a page as the screen shows it.
func auditView(q api.AuditQuery, page api.AdminAuditPage, n int) *AuditPage {
	v := &AuditPage{Search: wording.AuditSearch(q.User, q.Card, q.Admin, q.From, q.To), Page: n, More: page.Next != "",
		Chain: ChainStatus{Intact: page.Chain.Intact, Records: page.Chain.Records, CheckedAt: page.Chain.CheckedAt,
			BrokenAt: page.Chain.BrokenAt, Problem: page.Chain.Problem}}
	for _, r := range page.Records {
		v.Records = append(v.Records, AuditLine{Seq: r.Seq, At: r.At, Action: r.Action, Outcome: r.Outcome, UserID: r.UserID,
			CardGUID: r.CardGUID, Workstation: r.WorkstationID, SessionID: r.SessionID, AdminID: r.AdminID, Detail: r.Detail})
	}
	return v
}

// auditFailed says why a search was not answered; again is Try again.
func (a *Agent) auditFailed(err error, again func()) {
	var ae *client.APIError
	switch {
	case errors.As(err, &ae) && ae.Code == api.CodeAdminOutOfScope:
		a.log.Warn("audit search refused", "err", err)
		a.retry = nil
		a.showAdminScreen(ScreenAdminFailed, func(s *State) { trouble(s, wording.AuditOutOfScope) })
	case errors.As(err, &ae) && ae.Code == api.CodeCardUnknown:
		a.retry = nil
		a.showAdminScreen(ScreenAdminFailed, func(s *State) { trouble(s, wording.AuditCardUnknown) })
	default:
		a.cardlessFailed(err, again)
	}
}
