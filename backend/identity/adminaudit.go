package identity

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// ActionAdminAudit is the audit action of a search of the audit trail: who
// looked at whose records is itself on record.
const ActionAdminAudit = "admin.audit"

// chainRecheck is how old the audit view's verification of the whole chain
// may be before a search starts a new one (in the background: the search
// answers with the last result meanwhile).
const chainRecheck = 10 * time.Minute

// AdminAudit answers an RA's search of the audit trail (docs/admin.md):
// records of a user, a card or an administrator who holds or held a
// position in the RA's organisation, newest first, a page at a time, and
// how the last verification of the chain went.
func (s *Service) AdminAudit(ctx context.Context, id string, a Auth, q api.AuditQuery, m Meta) (*api.AdminAuditPage, error) {
	rec := s.record(ActionAdminAudit, m, a.WorkstationID)
	rec.SessionID, rec.UserID, rec.CardGUID = trimID(id), q.User, q.Card
	sq := store.AuditQuery{UserID: q.User, CardGUID: q.Card, ActorID: q.Admin, From: q.From, To: q.To, Limit: q.Limit + 1}
	if q.Before != "" {
		at, seq, err := api.ParseAuditCursor(q.Before)
		if err != nil {
			return nil, s.refuse(ctx, rec, errs.BadRequest(api.CodeInvalidRequest, err.Error(), err))
		}
		sq.Before = store.AuditCursor{At: at, Seq: seq}
	}
	var found []audit.Record
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, err := s.authAdmin(ctx, tx, id, a, api.AdminRA)
		rec.Detail = adminDetail(admin, "searched the audit trail: "+searchDetail(q))
		if err != nil {
			return err
		}
		if err := s.mayAudit(ctx, tx, admin, q, &rec); err != nil {
			return err
		}
		found, err = tx.AuditSearch(ctx, sq)
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &api.AdminAuditPage{Records: []api.AuditEntry{}, Chain: s.chainStatus(ctx)}
	if len(found) > q.Limit {
		found = found[:q.Limit]
		last := found[len(found)-1]
		page.Next = api.AuditCursor(last.At, last.Seq)
	}
	for _, r := range found {
		page.Records = append(page.Records, api.AuditEntry{Seq: r.Seq, At: r.At.UTC(), Action: r.Action, Outcome: r.Outcome, UserID: r.UserID,
			CardGUID: r.CardGUID, WorkstationID: r.WorkstationID, SessionID: r.SessionID, AdminID: r.ActorID, Detail: r.Detail})
	}
	return page, nil
}

// mayAudit checks every subject q names is this RA's to look at: a user,
// or a card's holder, or an administrator, who holds or held a position in
// the RA's organisation.
func (s *Service) mayAudit(ctx context.Context, r store.Reader, admin adminActor, q api.AuditQuery, rec *audit.Record) error {
	users := []string{q.User, q.Admin}
	if q.Card != "" {
		card, err := r.Card(ctx, q.Card)
		if errors.Is(err, store.ErrNotFound) {
			return errs.New(http.StatusNotFound, api.CodeCardUnknown, "no card has this GUID", err)
		} else if err != nil {
			return err
		}
		users = append(users, card.UserID)
		if rec.UserID == "" {
			rec.UserID = card.UserID
		}
	}
	for _, u := range users {
		if u == "" {
			continue
		}
		ps, err := r.Positions(ctx, u)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if !slices.ContainsFunc(ps, func(p store.Position) bool { return p.OrganisationID == admin.role.OrganisationID }) {
			return errs.Forbidden(api.CodeAdminOutOfScope,
				"the search names someone who never held a position in your organisation: an RA there can search their records", nil)
		}
	}
	return nil
}

// searchDetail is what an audit search asked, for its own record.
func searchDetail(q api.AuditQuery) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"user", q.User}, {"card", q.Card}, {"admin", q.Admin}} {
		if f.v != "" {
			parts = append(parts, f.k+" "+f.v)
		}
	}
	if !q.From.IsZero() {
		parts = append(parts, "from "+q.From.UTC().Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		parts = append(parts, "to "+q.To.UTC().Format(time.RFC3339))
	}
	if q.Before != "" {
		parts = append(parts, "page after "+clip(q.Before, 40))
	}
	return strings.Join(parts, ", ")
}

// chainCheck is the last verification of the whole chain, redone in the
// background when older than chainRecheck.
type chainCheck struct {
	mu      sync.Mutex
	last    api.AuditChain
	running bool
}

// chainStatus is the last verification's result: the first call waits for
// one, later ones start a new one in the background when it is stale.
func (s *Service) chainStatus(ctx context.Context) api.AuditChain {
	s.chain.mu.Lock()
	last, stale := s.chain.last, s.now().Sub(s.chain.last.CheckedAt) >= chainRecheck
	start := stale && !s.chain.running
	if start {
		s.chain.running = true
	}
	s.chain.mu.Unlock()
	switch {
	case last.CheckedAt.IsZero() && start:
		return s.checkChain(ctx)
	case start:
		go s.checkChain(context.WithoutCancel(ctx))
	}
	return last
}

// checkChain verifies the whole chain (against the checkpoints, if kept)
// and keeps the result.
func (s *Service) checkChain(ctx context.Context) api.AuditChain {
	var sum audit.Summary
	var err error
	if s.cfg.AuditCheckpoints != "" {
		sum, err = s.VerifyAuditCheckpoints(ctx, s.cfg.AuditCheckpoints)
	} else {
		sum, err = s.verifyAudit(ctx, nil)
	}
	res := api.AuditChain{Intact: err == nil, Records: sum.Records, CheckedAt: s.now().UTC()}
	var be *audit.BrokenError
	switch {
	case errors.As(err, &be):
		res.BrokenAt, res.Problem = be.Seq, be.Reason
		s.log.ErrorContext(ctx, "audit chain broken", "seq", be.Seq, "reason", be.Reason)
	case err != nil:
		res.Problem = "the chain could not be verified: " + err.Error()
		res.CheckedAt = time.Time{} // try again at the next search
	}
	s.chain.mu.Lock()
	s.chain.last, s.chain.running = res, false
	s.chain.mu.Unlock()
	return res
}
