package identity

import (
	"cmp"
	"context"
	"errors"
	"net/http"
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
// position in the RA's organisation — only from the times they held one
// there, and of an administrator only what they did working for it —
// newest first, a page at a time, and how the last verification of the
// chain went.
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
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, err := s.authAdmin(ctx, tx, id, a, api.AdminRA)
		rec.Detail = adminDetail(admin, "searched the audit trail: "+searchDetail(q))
		if err != nil {
			return err
		}
		if q.Admin != "" {
			sq.ActorOrg = admin.role.OrganisationID
			if rec.UserID == "" {
				rec.UserID = q.Admin // whose records were looked at
			}
		}
		return s.mayAudit(ctx, tx, admin, q, &sq, &rec)
	})
	if err != nil {
		return nil, err
	}
	// The search runs after its record is written, outside the write
	// transaction (on SQLite the one writer is not held by reads).
	var found []audit.Record
	if !sq.Empty() {
		err = s.store.View(ctx, func(r store.Reader) (err error) {
			found, err = r.AuditSearch(ctx, sq)
			return err
		})
		if err != nil {
			return nil, errs.Internal(err)
		}
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

// mayAudit checks every subject q names is this RA's to look at — a user,
// a card's holder or an administrator who holds or held a position in the
// RA's organisation — and narrows sq to the time from the first such
// position's start to the last one's end (the span of all of them, gaps
// included).
func (s *Service) mayAudit(ctx context.Context, r store.Reader, admin adminActor, q api.AuditQuery, sq *store.AuditQuery, rec *audit.Record) error {
	users := []string{q.User, q.Admin}
	if q.Card != "" {
		card, err := r.Card(ctx, q.Card)
		if errors.Is(err, store.ErrNotFound) {
			return errs.New(http.StatusNotFound, api.CodeCardUnknown, "no card has this GUID", err)
		} else if err != nil {
			return err
		}
		users = append(users, cmp.Or(card.UserID, "?")) // a card of nobody is nobody's to search
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
		var from, to time.Time
		open, held := false, false
		for _, p := range ps {
			if p.OrganisationID != admin.role.OrganisationID {
				continue
			}
			if !held || p.StartsAt.Before(from) {
				from = p.StartsAt
			}
			open = open || p.EndsAt.IsZero()
			if p.EndsAt.After(to) {
				to = p.EndsAt
			}
			held = true
		}
		if !held {
			return errs.Forbidden(api.CodeAdminOutOfScope,
				"the search names someone who never held a position in your organisation: an RA there can search their records", nil)
		}
		if from.After(sq.From) {
			sq.From = from
		}
		if !open && (sq.To.IsZero() || to.Before(sq.To)) {
			sq.To = to
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
	running chan struct{} // closed when the verification under way ends; nil if none
	wg      sync.WaitGroup
	stop    context.CancelFunc // ends verifications at close
	base    context.Context
}

// chainFirstWait is how long the first search after a start waits for the
// first verification before it answers "not verified yet".
const chainFirstWait = 3 * time.Second

// chainTimeout bounds one verification.
const chainTimeout = 10 * time.Minute

// chainStatus is the last verification's result; when it is stale a new
// one starts in the background, and the first search waits for it a while.
func (s *Service) chainStatus(ctx context.Context) api.AuditChain {
	c := &s.chain
	c.mu.Lock()
	if c.base == nil {
		c.base, c.stop = context.WithCancel(context.Background())
	}
	last, running := c.last, c.running
	if running == nil && s.now().Sub(last.CheckedAt) >= chainRecheck {
		running = make(chan struct{})
		c.running = running
		c.wg.Add(1)
		go s.checkChain(running)
	}
	c.mu.Unlock()
	if last.CheckedAt.IsZero() && running != nil {
		select {
		case <-running:
			c.mu.Lock()
			last = c.last
			c.mu.Unlock()
		case <-time.After(chainFirstWait):
		case <-ctx.Done():
		}
	}
	return last
}

// checkChain verifies the whole chain (against the checkpoints, if kept),
// keeps the result and closes done.
func (s *Service) checkChain(done chan struct{}) {
	c := &s.chain
	defer c.wg.Done()
	res := api.AuditChain{Problem: "the verification stopped"}
	defer func() {
		c.mu.Lock()
		c.last, c.running = res, nil
		c.mu.Unlock()
		close(done)
	}()
	ctx, cancel := context.WithTimeout(c.base, chainTimeout)
	defer cancel()
	var sum audit.Summary
	var err error
	if s.cfg.AuditCheckpoints != "" {
		sum, err = s.VerifyAuditCheckpoints(ctx, s.cfg.AuditCheckpoints)
	} else {
		sum, err = s.verifyAudit(ctx, nil)
	}
	res = api.AuditChain{Intact: err == nil, Records: sum.Records, CheckedAt: s.now().UTC()}
	var be *audit.BrokenError
	switch {
	case errors.As(err, &be):
		res.BrokenAt, res.Problem = be.Seq, be.Reason
		s.log.ErrorContext(ctx, "audit chain broken", "seq", be.Seq, "reason", be.Reason)
	case err != nil: // not broken, not verified either: said as such, tried again later
		res.Problem = "the chain could not be verified: " + err.Error()
		s.log.WarnContext(ctx, "audit chain not verified", "err", err)
	}
}

// stopChainChecks ends a verification under way and waits for it.
func (s *Service) stopChainChecks() {
	s.chain.mu.Lock()
	stop := s.chain.stop
	s.chain.mu.Unlock()
	if stop != nil {
		stop()
	}
	s.chain.wg.Wait()
}
