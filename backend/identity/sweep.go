package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	Expired    int   // sessions ended at the end of their lifetime
	Idle       int   // sessions ended because no role was chosen in time
	Challenges int64 // redeemed challenges forgotten after their expiry
	// Registrations are security question registrations forgotten once
	// no session could still confirm them.
	Registrations int64
}

// sweepBatch bounds the sessions one sweep ends; the next sweep goes on.
const sweepBatch = 500

// challengeSkew keeps redeemed challenges a little past their expiry, for
// instances whose clocks differ slightly.
const challengeSkew = time.Minute

// Sweep ends the live sessions that expired or never chose a role within the
// policy's idle limit — each in its own transaction with its audit record —
// and forgets redeemed challenges that have expired (an expired challenge
// is refused before its single use is looked up).
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.now()
	idleSince := now.Add(-s.policy.RoleIdleLimit)
	var stale []store.Session
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		stale, err = r.StaleSessions(ctx, now, idleSince, sweepBatch)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("listing stale sessions: %w", err)
	}
	for _, sess := range stale {
		expired := !now.Before(sess.ExpiresAt)
		rec := audit.Record{Action: "session.expire", Detail: "by the sweeper: the session lifetime is over",
			UserID: sess.UserID, CardGUID: sess.CardGUID, WorkstationID: sess.WorkstationID, SessionID: sess.ID}
		if !expired {
			rec.Action, rec.Detail = "session.idle_end", fmt.Sprintf("by the sweeper: no role chosen within %v", s.policy.RoleIdleLimit)
		}
		err := s.commit(ctx, &rec, func(tx store.Tx) error {
			err := tx.EndStaleSession(ctx, sess.ID, now, idleSince)
			if errors.Is(err, store.ErrNotFound) {
				// Used, ended or swept by another instance since the list.
				return errs.Conflict(api.CodeSessionConflict, "the session is no longer stale", err)
			}
			return err
		})
		switch {
		case err == nil && expired:
			res.Expired++
		case err == nil:
			res.Idle++
		case errs.As(err).Code != api.CodeSessionConflict:
			return res, err
		}
	}
	err = s.store.Update(ctx, func(tx store.Tx) (err error) {
		if res.Challenges, err = tx.PruneChallenges(ctx, now.Add(-challengeSkew)); err != nil {
			return err
		}
		// Registrations left waiting (and their answers' hashes) go once
		// no session could still use them.
		res.Registrations, err = tx.PruneQuestionsRegistrations(ctx, now.Add(-s.policy.SessionLifetime))
		return err
	})
	return res, err
}

// RunSweeper sweeps every interval until ctx ends. A failed sweep is logged
// and tried again at the next tick.
func (s *Service) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := s.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "sweep failed", "err", err)
		}
		if res != (SweepResult{}) {
			s.log.InfoContext(ctx, "swept", "expired_sessions", res.Expired, "idle_sessions", res.Idle, "challenges", res.Challenges)
		}
	}
}
