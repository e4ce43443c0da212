package session

import (
	"context"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/wording"
)

// What pulling the card does to the desktop (docs/removal.md): beyond the
// agent's own lock, which always comes first, the desktop's screen lock,
// or a logout that closes the listed applications. The decision is here;
// Desktop (package osdesktop) carries it out.

// Desktop is what the agent asks of the desktop when the card leaves. Its
// calls run off the loop, bounded in time; nothing waits for them.
type Desktop interface {
	// LockScreen locks the desktop session and says how ("logind",
	// "screensaver").
	LockScreen(ctx context.Context) (how string, err error)
	// CloseApplications ends the desktop user's processes whose executable
	// is named exactly one of names, and returns those it ended.
	CloseApplications(ctx context.Context, names []string) (closed []string, err error)
}

// removalAction is the agent's own setting, else the policy's, else
// lock-agent.
func (a *Agent) removalAction() api.RemovalAction {
	switch {
	case a.cfg.RemovalAction != "":
		return a.cfg.RemovalAction
	case a.policy != nil && a.policy.RemovalAction.Valid():
		return a.policy.RemovalAction
	}
	return api.RemovalLockAgent
}

// closeApplications is the agent's own list, else the policy's.
func (a *Agent) closeApplications() []string {
	if a.cfg.CloseApplications != nil || a.policy == nil {
		return a.cfg.CloseApplications
	}
	return a.policy.CloseApplications
}

// logOutOnRemoval ends the session (never suspends it) and says so.
func (a *Agent) logOutOnRemoval() {
	a.log.Info("session ended: the card was removed (removal action logout)")
	a.endSession() // first: no State may show the session as live
	a.show(ScreenInsertCard, func(s *State) {
		s.Card, s.Active, s.Expiry, s.Message = nil, nil, nil, wording.LoggedOutOnRemoval
	})
}

// removeFromDesktop carries out the desktop's part of a removal.
func (a *Agent) removeFromDesktop(action api.RemovalAction) {
	d := a.cfg.Desktop
	if d == nil || action == api.RemovalLockAgent {
		return
	}
	switch action {
	case api.RemovalLockDesktop:
		a.background(10*time.Second, func(ctx context.Context) {
			how, err := d.LockScreen(ctx)
			if err != nil {
				a.log.Warn("the desktop could not be locked: only the agent is", "err", err)
				return
			}
			a.log.Info("desktop locked", "how", how)
		})
	case api.RemovalLogout:
		names := a.closeApplications()
		if len(names) == 0 {
			return
		}
		a.background(30*time.Second, func(ctx context.Context) {
			closed, err := d.CloseApplications(ctx, names)
			if err != nil {
				a.log.Warn("closing applications on logout", "closed", closed, "err", err)
				return
			}
			a.log.Info("applications closed on logout", "closed", closed)
		})
	}
}
