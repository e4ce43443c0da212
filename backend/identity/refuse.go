package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// record starts an audit record for an action.
func (s *Service) record(action string, m Meta, workstationID string) audit.Record {
	workstationID = clip(workstationID, api.MaxWorkstationIDLen)
	detail := ""
	if m.RequestID != "" {
		detail = "request " + m.RequestID
	}
	return audit.Record{Action: action, WorkstationID: workstationID, ClientAddr: m.RemoteAddr, Detail: detail}
}

// maxRefusalDetail bounds the detail of a refusal's record: the request id
// and the refusal's message, whose caller-supplied parts are already cut to
// a few dozen bytes (an unknown field's name, for one).
const maxRefusalDetail = 160

// refuse writes the audit record of a refused or failed request in its own
// transaction (the request's own one rolled back) and returns err as an
// *errs.Error. The audit write survives the client going away. Past the
// client address's rate limit the refusal is only counted, for the next
// audit.refusals_suppressed record.
func (s *Service) refuse(ctx context.Context, rec audit.Record, err error) error {
	e := errs.As(err)
	rec.Outcome = string(e.Code)
	if rec.Detail != "" {
		rec.Detail += ": "
	}
	rec.Detail = clip(rec.Detail+e.Msg, maxRefusalDetail)
	if !s.refusals.allow(rec.ClientAddr, rec.Outcome) {
		return e
	}
	rec.At = s.now()
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditBudget(ctx))
	defer cancel()
	aerr := s.store.Update(actx, func(tx store.Tx) error {
		_, err := audit.Append(actx, tx, s.auditKey, rec)
		return err
	})
	if aerr != nil {
		s.log.ErrorContext(ctx, "writing refusal audit record", "action", rec.Action, "outcome", rec.Outcome, "err", aerr)
		// An unaudited refusal must not look handled.
		return errs.Internal(fmt.Errorf("auditing %s refusal: %w", e.Code, aerr))
	}
	s.appended(1)
	return e
}

// Refused audits a request the transport refused before it reached the
// service (malformed, oversized, unknown fields, wrong content type).
func (s *Service) Refused(ctx context.Context, action string, m Meta, err error) error {
	return s.refuse(ctx, s.record(action, m, ""), err)
}

// commit runs fn and appends rec in the same transaction; on failure it
// audits the refusal instead. fn may fill in rec as it learns who is acting.
func (s *Service) commit(ctx context.Context, rec *audit.Record, fn func(tx store.Tx) error) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		r := *rec
		r.At, r.Outcome = s.now(), audit.OutcomeOK
		_, err := audit.Append(ctx, tx, s.auditKey, r)
		return err
	})
	if err != nil {
		return s.refuse(ctx, *rec, err)
	}
	s.appended(1)
	return nil
}

// commitKept is commit for a change whose refusal may stand: when fn
// returns keep(refusal), what fn wrote is committed with the refusal's
// audit record (a wrong code counts) and the refusal is returned; any
// other error rolls back and is audited as commit does.
func (s *Service) commitKept(ctx context.Context, rec *audit.Record, fn func(tx store.Tx) error) error {
	var refusal error
	err := s.store.Update(ctx, func(tx store.Tx) error {
		err := fn(tx)
		var k kept
		if errors.As(err, &k) {
			refusal, err = k.err, nil
		}
		if err != nil {
			return err
		}
		return s.appendRefusal(ctx, tx, *rec, refusal)
	})
	if err != nil {
		return s.refuse(ctx, *rec, err)
	}
	s.appended(1)
	return refusal
}
