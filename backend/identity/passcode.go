package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// ActionPasscodeChange is the audit action of a reported passcode change.
const ActionPasscodeChange = "passcode.change"

// ReportPasscodeChange audits what the card answered to a passcode change
// made in session id. The card alone checks and changes the passcode, so
// this records the agent's report of it (no value, old or new, ever comes
// here). The session's token and workstation authorise it, even once the
// session has ended: the report may arrive after the logout that followed
// the change.
func (s *Service) ReportPasscodeChange(ctx context.Context, id string, a Auth, req *api.PasscodeChangeReport, m Meta) error {
	rec := s.record(ActionPasscodeChange, m, a.WorkstationID)
	rec.SessionID, rec.Detail = trimID(id), passcodeDetail(req)
	return s.commit(ctx, &rec, func(tx store.Tx) error {
		sess, err := s.authSession(ctx, tx, id, a, checkReport)
		rec.UserID, rec.CardGUID = sess.UserID, sess.CardGUID
		if err == nil && s.sessionEnd(sess).Add(reportAfterEnd).Before(s.now()) {
			err = errs.Unauthorized(api.CodeSessionEnded, "the session ended too long ago to report on it", nil)
		}
		return err
	})
}

// sessionEnd is when sess ended (ended, expired or left idle without a
// role), or the far future while it is live.
func (s *Service) sessionEnd(sess store.Session) time.Time {
	end := sess.ExpiresAt
	if sess.State == store.SessionEnded && sess.UpdatedAt.Before(end) {
		end = sess.UpdatedAt
	}
	if sess.RoleID == "" && s.policy.RoleIdleLimit > 0 {
		if idle := sess.UpdatedAt.Add(s.policy.RoleIdleLimit); idle.Before(end) {
			end = idle
		}
	}
	return end
}

// reportAfterEnd is how long after its session ended a report is taken:
// long enough for an agent that was retrying while identityd was down.
const reportAfterEnd = time.Hour

func passcodeDetail(req *api.PasscodeChangeReport) string {
	if req.Outcome == api.PasscodeWrongCurrent {
		return fmt.Sprintf("%s, %d tries left", req.Outcome, req.TriesLeft)
	}
	return string(req.Outcome)
}
