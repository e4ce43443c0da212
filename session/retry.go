package session

import (
	"context"
	"errors"
	"time"

	"github.com/cardagent/cardagent/client"
)

// Waits between tries of backendRetry: at once, then doubling.
const (
	retryFirstWait = time.Second
	retryMaxWait   = time.Minute
)

// reportInOrder runs work in the background (background) once every work
// handed to it before has finished: reports of what the card did reach
// identityd, and its audit trail, in the order the card did it, even when
// an earlier one waits for identityd to come back.
func (a *Agent) reportInOrder(timeout time.Duration, work func(ctx context.Context)) {
	a.reportsMu.Lock()
	prev, done := a.reportsTail, make(chan struct{})
	a.reportsTail = done
	a.reportsMu.Unlock()
	a.background(timeout, func(ctx context.Context) {
		defer close(done)
		if prev != nil {
			select {
			case <-prev:
			case <-ctx.Done():
				return
			}
		}
		work(ctx)
	})
}

// backendRetry makes call until identityd answers: an answer, even a
// refusal, is final (logged); an unreachable or failing (5xx) backend is
// tried again until ctx ends or the agent stops. It is for what must reach
// identityd after the card has acted (an audit report, a PUK confirmed)
// and runs in the background: it never holds up the screen.
func (a *Agent) backendRetry(ctx context.Context, what string, call func(ctx context.Context) error) {
	wait := retryFirstWait
	for {
		cctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		err := call(cctx)
		cancel()
		var ae *client.APIError
		switch {
		case err == nil:
			return
		case errors.As(err, &ae) && ae.Status < 500:
			a.log.Warn("identityd refused "+what, "err", err)
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			a.log.Warn(what+" did not reach identityd", "err", err)
			return
		case <-a.stopped:
			a.log.Warn(what+" did not reach identityd before the agent stopped", "err", err)
			return
		}
		wait = min(2*wait, retryMaxWait)
	}
}
