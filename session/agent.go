package session

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/piv"
)

// Mode says what a card removal does to the backend session.
type Mode string

const (
	ModeFromPolicy Mode = ""        // the backend policy decides
	ModeNormal     Mode = "normal"  // removal ends the session
	ModeSLP        Mode = "persist" // Session Lock Persistence: removal suspends; the same card resumes
)

// Config shapes an Agent. Zero values take the defaults.
type Config struct {
	Mode           Mode
	Demo           bool
	DemoHint       string        // shown on the passcode prompt in demo mode (the demo passcode)
	ReaderPrefer   string        // use this reader when several hold cards (substring match)
	BackendURL     string        // recorded in the keyring ticket for other apps
	CardTimeout    time.Duration // one card transaction; default 10 s
	BackendTimeout time.Duration // one backend step; default 15 s
	EndTimeout     time.Duration // ending a session on quit; default 3 s
	EndRetryWait   time.Duration // first wait before ending a session again; default 1 s, doubling to 1 min
	Logger         *slog.Logger
	TraceAPDUs     bool // log APDUs at debug level (never passcodes)
}

// Agent is the state machine. Intents are methods; States come out of
// Subscribe. Run drives it.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	backend Backend
	open    OpenCard
	events  Events
	tickets TicketStore
	prefs   RolePrefs
	cache   *cardCache
	trace   piv.Option
	ends    *endings // sessions still to be ended on the backend

	intents chan intent
	results chan result
	stopped chan struct{} // closed when Run stops taking results

	// Published state, readable from any goroutine.
	pubMu sync.Mutex
	pub   State
	subs  map[*subscriber]struct{}

	// Everything below is owned by the Run goroutine.
	st            State
	gen           uint64             // bumps whenever the card situation changes; stale results are dropped
	cancel        context.CancelFunc // cancels the job of the current gen
	policy        *api.Policy
	policyPending bool
	readers       map[string]bool // reader → holds a card
	cardIn        string          // the reader whose card we are working with
	conn          CardConn
	id            *cardIdentity
	sess          *api.Session   // the backend session, once logged in
	ticket        *client.Ticket // its ticket
	parked        *parkedSession // a suspended session waiting for its card (SLP)
	retry         func()         // what Retry does on ScreenBackendError
	lastGUID      [16]byte       // the card of the current session, for parking after removal
	logins        uint64         // fresh logins so far (ExpiryNotice.Login)
	questions     uint64         // questions asked so far (State.Question)
	jobs          sync.WaitGroup
	endLoop       context.CancelFunc // stops the endings' retry loop
	quitting      bool

	keyringMu     sync.Mutex
	keyringTail   chan struct{}
	keyringWarned atomic.Bool
}

// parkedSession is a session suspended on card removal, kept for its card.
// Its view (who, role, since, the expiry alert) stays here, not in the
// State, while other cards are in use.
type parkedSession struct {
	ticket   client.Ticket
	sess     api.Session
	guid     [16]byte
	active   *Active
	expiry   *ExpiryNotice
	settled  chan struct{} // closed when the suspend call has finished
	suspendE error
}

// result is a job's outcome, applied on the Run goroutine if still current
// (or whatever happened meanwhile, when always is set). drop, if set, runs
// instead when the result is not applied, to release what the job holds: a
// backend session opened for a card that has gone, an open card.
type result struct {
	gen    uint64
	always bool
	apply  func()
	drop   func()
}

// New makes an Agent. tickets and prefs may be nil (then nothing is stored
// in a keyring and role choices are remembered in memory).
func New(cfg Config, backend Backend, events Events, open OpenCard, tickets TicketStore, prefs RolePrefs) *Agent {
	if cfg.CardTimeout <= 0 {
		cfg.CardTimeout = 10 * time.Second
	}
	if cfg.BackendTimeout <= 0 {
		cfg.BackendTimeout = 15 * time.Second
	}
	if cfg.EndTimeout <= 0 {
		cfg.EndTimeout = 3 * time.Second
	}
	if cfg.EndRetryWait <= 0 {
		cfg.EndRetryWait = endRetryFirst
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if prefs == nil {
		prefs = &memPrefs{}
	}
	trace := func(*piv.Card) {}
	if cfg.TraceAPDUs {
		trace = piv.WithTrace(log)
	}
	a := &Agent{
		cfg: cfg, log: log, backend: backend, events: events, open: open, tickets: tickets, prefs: prefs,
		cache: newCardCache(), trace: trace,
		intents: make(chan intent, 16), results: make(chan result, 16), stopped: make(chan struct{}),
		subs: map[*subscriber]struct{}{}, readers: map[string]bool{},
	}
	a.ends = newEndings(a)
	a.st = State{Screen: ScreenStarting, Demo: cfg.Demo, Rule: defaultRule}
	a.pub = a.st
	return a
}

// defaultRule applies until the backend's policy is known: the seeds' 4–8
// characters.
var defaultRule = PasscodeRule{MinLength: 4, MaxLength: 8}

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

// job runs work off the Run goroutine; its result applies only if the card
// situation has not changed meanwhile.
func (a *Agent) job(ctx context.Context, work func(ctx context.Context) func()) {
	a.jobOwning(ctx, func(ctx context.Context) (func(), func()) { return work(ctx), nil })
}

// jobOwning is job for work whose result holds something: drop releases it
// when the result is not applied (the card left, or the agent stops).
func (a *Agent) jobOwning(ctx context.Context, work func(ctx context.Context) (apply, drop func())) {
	gen := a.gen
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		apply, drop := work(ctx)
		if apply == nil {
			return
		}
		select {
		case a.results <- result{gen: gen, apply: apply, drop: drop}:
		case <-a.stopped:
			if drop != nil {
				drop()
			}
		}
	}()
}

// background runs work that must finish whatever the card does next
// (ending or suspending a session), with its own timeout.
func (a *Agent) background(timeout time.Duration, work func(ctx context.Context)) {
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		work(ctx)
	}()
}

// fetchPolicy asks the backend for its policy. It runs at start and, until
// it succeeds, again at each card insertion: a backend that was down when
// the agent started must not leave it on the defaults for good.
func (a *Agent) fetchPolicy() {
	if a.policy != nil || a.policyPending {
		return
	}
	a.policyPending = true
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.BackendTimeout)
		defer cancel()
		p, err := a.backend.Policy(ctx)
		apply := func() {
			a.policyPending = false
			if err != nil {
				a.log.Warn("backend policy not available yet; using defaults until the next card", "err", err)
				return
			}
			a.setPolicy(p)
		}
		select {
		case a.results <- result{always: true, apply: apply}:
		case <-a.stopped:
		}
	}()
}

func (a *Agent) setPolicy(p api.Policy) {
	a.policy = &p
	if p.PasscodeMinLength > 0 && p.PasscodeMaxLength >= p.PasscodeMinLength {
		a.st.Rule = PasscodeRule{MinLength: p.PasscodeMinLength, MaxLength: p.PasscodeMaxLength, DigitsOnly: p.PasscodeDigitsOnly}
		a.publish()
	}
	a.checkCardLate()
}

// checkCardLate checks a card shown as unverified once the backend's CA is
// known (the backend answered for the first time): the same question, now
// with the holder's name — or no question at all for a card not its own.
func (a *Agent) checkCardLate() {
	ca := a.backend.CA()
	if ca == nil || a.id == nil || a.st.Card == nil || a.st.Card.Verified || (a.st.Screen != ScreenPasscode && a.st.Screen != ScreenBlocked) {
		return
	}
	if err := a.id.issuedBy(ca); err != nil {
		a.log.Warn("card not issued by the backend's CA: no passcode asked", "reader", a.cardIn, "err", err)
		a.show(ScreenCardProblem, func(s *State) {
			s.Card, s.Problem, s.Fix, s.Hint = a.id.holder(false), msgForeignCard, fixForeignCard, ""
		})
		return
	}
	a.st.Card = a.id.holder(true)
	a.publish()
}

func (a *Agent) mode() Mode {
	if a.cfg.Mode != ModeFromPolicy {
		return a.cfg.Mode
	}
	if a.policy != nil && a.policy.SessionLockPersistence {
		return ModeSLP
	}
	return ModeNormal
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
