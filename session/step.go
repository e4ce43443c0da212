package session

import (
	"context"
	"time"
)

// A step is card or backend work that runs off the loop and finishes on it:
//
//   - work(ctx) runs on a goroutine of its own. It sees only what it was
//     given and the Agent's immutable parts (backend, cfg, cache, trace,
//     ends), never the loop's fields.
//   - done(v, err) runs on the loop, and only if the card situation has not
//     changed since the step began (no removal, no newer step): it is the
//     one place a step changes the State.
//   - release(v), for a result that holds something (an open card, a session
//     the backend opened), runs instead of done when the result is dropped —
//     the situation changed, or the agent is stopping — so nothing leaks.
//
// A removal starts a new situation (newGen), which cancels ctx and drops
// every result still on its way: the lock never waits for a step.
func step[T any](a *Agent, ctx context.Context, work func(context.Context) (T, error), done func(T, error)) {
	stepOwning(a, ctx, work, done, nil)
}

// stepOwning is step with a release for a successful result that is not
// applied.
func stepOwning[T any](a *Agent, ctx context.Context, work func(context.Context) (T, error), done func(T, error), release func(T)) {
	gen := a.gen
	a.goWork(func() {
		v, err := work(ctx)
		r := result{gen: gen, apply: func() { done(v, err) }}
		if release != nil && err == nil {
			r.drop = func() { release(v) }
		}
		a.deliver(r)
	})
}

// stepAnyTime is a step whose result applies whatever the card situation
// (the backend policy, which is no card's).
func stepAnyTime[T any](a *Agent, ctx context.Context, work func(context.Context) (T, error), done func(T, error)) {
	a.goWork(func() {
		v, err := work(ctx)
		a.deliver(result{always: true, apply: func() { done(v, err) }})
	})
}

// goWork runs f on a goroutine of its own, counted: shutdown waits for it,
// and idle reports whether any is still running.
func (a *Agent) goWork(f func()) {
	a.inflight.Add(1)
	a.jobs.Go(func() {
		defer a.inflight.Add(-1) // after f has delivered its result, if any
		f()
	})
}

// idle reports, on the loop, whether nothing is queued for it or running
// for it: no intent, no step result, no step, background job or backend
// end in flight. Tests use it as a barrier instead of sleeping.
func (a *Agent) idle() bool {
	return len(a.intents) == 0 && len(a.results) == 0 && a.inflight.Load() == 0
}

// result is a step's outcome on its way to the loop.
type result struct {
	gen    uint64
	always bool
	apply  func()
	drop   func()
}

// deliver hands r to the loop, or drops it if the loop has stopped.
func (a *Agent) deliver(r result) {
	select {
	case a.results <- r:
	case <-a.stopped:
		if r.drop != nil {
			r.drop()
		}
	}
}

// background runs work that must finish whatever the card does next
// (suspending a session, a keyring write), with its own timeout. It changes
// no State.
func (a *Agent) background(timeout time.Duration, work func(ctx context.Context)) {
	a.goWork(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		work(ctx)
	})
}
