package session

import (
	"context"
	"time"
)

// The loop: one goroutine (Run) owns the State and everything the Agent
// decides with; intents, reader events and step results reach it through
// channels, and it publishes a new immutable State after each change.

// Run processes events, intents and job results until ctx ends, then ends
// any session (bounded by EndTimeout) and clears the keyring.
func (a *Agent) Run(ctx context.Context) error {
	a.ends.load() // what an earlier run left to end, its stale ticket first
	endCtx, stopEnding := context.WithCancel(context.Background())
	a.endLoop = stopEnding
	a.jobs.Add(1)
	go func() { defer a.jobs.Done(); a.ends.run(endCtx) }()
	a.fetchPolicy()
	events := a.events
	for {
		select {
		case <-ctx.Done():
			a.shutdown()
			return nil
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			a.onReaderEvent(e)
		case in := <-a.intents:
			in.run()
		case r := <-a.results:
			switch {
			case r.gen == a.gen || r.always:
				r.apply()
			case r.drop != nil:
				r.drop()
			}
		}
		if a.quitting {
			a.shutdown()
			return nil
		}
	}
}

// Current returns the latest published State.
func (a *Agent) Current() State {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	return a.pub
}

// intent is a request posted to the Run goroutine; cancel (optional) runs
// instead if the agent stops before it is taken (it wipes a passcode).
type intent struct {
	run, cancel func()
}

// do posts an intent to the Run goroutine. It never blocks for long (the
// UI goroutine must stay responsive); after Run has stopped it cancels.
func (a *Agent) do(run func()) { a.post(intent{run: run}) }

func (a *Agent) post(in intent) {
	select {
	case a.intents <- in:
	case <-a.stopped:
		if in.cancel != nil {
			in.cancel()
		}
	}
}

// publish makes a.st the new published State.
func (a *Agent) publish() {
	a.st.Seq++
	a.st.Local = a.localState()
	a.pubMu.Lock()
	a.pub = a.st
	for s := range a.subs {
		s.offer(a.st)
	}
	a.pubMu.Unlock()
	card := "none"
	if c := a.st.Card; c != nil && c.Verified {
		card = "verified"
	} else if c != nil {
		card = "unverified"
	}
	a.log.Debug("state", "screen", a.st.Screen.String(), "seq", a.st.Seq, "question", a.st.Question, "card", card)
}

// show moves to screen and publishes it. The whole situation carries over;
// the Prompt starts empty and set fills in what the screen says (and may
// change the situation too). A question screen gets a new Question.
func (a *Agent) show(screen Screen, set func(*State)) {
	next := a.st
	next.Screen, next.Prompt, next.Question = screen, Prompt{}, 0
	if a.sess == nil {
		next.Admin = nil // admin mode lives only in an administrator's session
	}
	if set != nil {
		set(&next)
	}
	if screen.asks() {
		a.questions++
		next.Question = a.questions
	}
	a.st = next
	a.publish()
}

// newGen starts a new card situation: the running job is cancelled and its
// result will be dropped. It returns the context for the next job.
func (a *Agent) newGen() context.Context {
	if a.cancel != nil {
		a.cancel()
	}
	a.gen++
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	return ctx
}

// waitJobs waits for the jobs, but not for ever: a keyring prompt or a card
// held by another program must not keep the agent from stopping.
func (a *Agent) waitJobs() {
	done := make(chan struct{})
	go func() { a.jobs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(a.cfg.EndTimeout + a.cfg.BackendTimeout):
		a.log.Warn("stopping with work still running")
	}
}

// shutdown ends the session and waits for the jobs, each bounded in time.
// Sessions the backend did not confirm ended stay saved for the next start.
func (a *Agent) shutdown() {
	close(a.stopped)
	if a.cancel != nil {
		a.cancel()
	}
	a.endLoop()
	a.endSession()
	a.endParked()
	a.waitJobs()
	for drained := false; !drained; { // what will never be taken now
		select {
		case r := <-a.results:
			if r.drop != nil {
				r.drop()
			}
		case in := <-a.intents:
			if in.cancel != nil {
				in.cancel()
			}
		default:
			drained = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.EndTimeout)
	a.ends.flush(ctx)
	cancel()
	a.waitJobs() // the keyring writes
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
	a.closeSubscribers()
}
