package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// TestAdminAuditView: an RA's search is checked before identityd (a
// subject, UUIDs, a GUID, days in order), its days become local midnights
// (the last day's end), and the pages go on while there are older
// records; Back leaves them. An LSA searches nothing.
func TestAdminAuditView(t *testing.T) {
	r := newRig(t, session.Config{}, raRoles)
	var trail []api.AuditEntry
	for i := range 120 {
		trail = append(trail, api.AuditEntry{Seq: int64(1000 - i), At: time.Now().Add(-time.Duration(i) * time.Minute), Action: "login",
			Outcome: "ok", UserID: "555000000009", Detail: fmt.Sprint("record ", i)})
	}
	r.Backend.Set(func(b *sessiontest.Backend) { b.AuditRecords = trail })
	s := r.loginAs(newTestCard(t, "Rae Agent", "555000000002", twoYears), "123456", 0)
	if !s.Admin.SearchesAudit {
		t.Fatal("an RA is not offered the audit trail")
	}
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Agent.StartAdminAction(session.AdminActionAudit)
	s = r.WaitScreen(session.ScreenAdminForm)
	for _, c := range []struct {
		form session.AuditForm
		want string
	}{
		{session.AuditForm{}, wording.AuditSubjectNeeded},
		{session.AuditForm{From: "2026-12-01"}, wording.AuditSubjectNeeded},
		{session.AuditForm{User: "5550"}, wording.AdminUserIDNeeded},
		{session.AuditForm{Admin: "x"}, wording.AdminUserIDNeeded},
		{session.AuditForm{Card: "00ff"}, wording.AuditCardNeeded},
		{session.AuditForm{User: "555000000009", From: "1/12/2026"}, wording.AuditDayNeeded},
		{session.AuditForm{User: "555000000009", From: "2026-12-05", To: "2026-12-01"}, wording.AuditDaysOrder},
	} {
		r.Agent.SubmitAuditForm(s.Question, c.form)
		if s = r.answer(s.Question); s.Message != c.want || r.Backend.Called("admin-audit") != 0 {
			t.Fatalf("%+v: %q, want %q", c.form, s.Message, c.want)
		}
	}
	r.Agent.SubmitAuditForm(s.Question, session.AuditForm{User: " 555000000009 ", From: "2026-12-01", To: "2026-12-01"})
	s = r.WaitScreen(session.ScreenAdminAudit)
	a := s.Admin.Audit
	if a == nil || len(a.Records) != 50 || !a.More || a.Page != 1 || !a.Chain.Intact || a.Records[0].Detail != "record 0" {
		t.Fatalf("the first page: %+v", a)
	}
	q := r.Backend.AuditQueries[0]
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local)
	if q.User != "555000000009" || !q.From.Equal(day) || !q.To.Equal(day.AddDate(0, 0, 1)) || q.Before != "" {
		t.Fatalf("the search sent: %+v", q)
	}
	for page, want := range []int{50, 20} {
		r.Agent.AuditOlder()
		s = r.WaitFor("the next page", func(s session.State) bool {
			return s.Screen == session.ScreenAdminAudit && s.Admin.Audit.Page == page+2
		})
		if a := s.Admin.Audit; len(a.Records) != want || a.More != (page == 0) {
			t.Fatalf("page %d: %d records, more %v", page+2, len(a.Records), a.More)
		}
	}
	r.Agent.AuditOlder() // no older page: nothing happens
	r.sync()
	if r.Backend.Called("admin-audit") != 3 {
		t.Fatalf("%d searches, want 3", r.Backend.Called("admin-audit"))
	}
	r.Agent.StartAdminAction(session.AdminActionAudit) // a new search, given up
	s = r.WaitScreen(session.ScreenAdminForm)
	r.Agent.BackInAdmin()
	r.WaitScreen(session.ScreenAdminAudit)
	r.Agent.BackInAdmin()
	r.WaitScreen(session.ScreenAdmin)
}

func TestAdminAuditNotForAnLSA(t *testing.T) {
	r := newRig(t, session.Config{}, lsaRoles)
	s := r.loginAs(newTestCard(t, "Lee Admin", "555000000002", twoYears), "123456", 0)
	if s.Admin.SearchesAudit {
		t.Fatal("an LSA is offered the audit trail")
	}
	r.Agent.OpenAdmin()
	r.WaitScreen(session.ScreenAdmin)
	r.Agent.StartAdminAction(session.AdminActionAudit)
	r.sync()
	if s = r.Agent.Current(); s.Screen != session.ScreenAdmin {
		t.Fatalf("an LSA opened the audit view: %v", s.Screen)
	}
}
