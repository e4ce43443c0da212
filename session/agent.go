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
	DemoMailHint   string        // shown on the unlock code screen in demo mode (where the email is)
	ReaderPrefer   string        // use this reader when several hold cards (substring match)
	BackendURL     string        // recorded in the keyring ticket for other apps
	CardTimeout    time.Duration // one card transaction; default 10 s
	BackendTimeout time.Duration // one backend step; default 15 s
	EndTimeout     time.Duration // ending a session on quit; default 3 s
	EndRetryWait   time.Duration // first wait before ending a session again; default 1 s, doubling to 1 min
	Logger         *slog.Logger
	TraceAPDUs     bool             // log APDUs at debug level (never passcodes)
	Now            func() time.Time // the clock behind the times a State reports (Active.Since); default time.Now
	Reminders      Reminders        // the renewal reminder's days; default: in memory
	// RemovalAction and CloseApplications override the backend policy's
	// (removal.go); "" and nil take it. Desktop carries them out; nil
	// leaves the desktop alone.
	RemovalAction     api.RemovalAction
	CloseApplications []string
	Desktop           Desktop
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
	policyAgain   bool            // a card came while the fetch was under way: fetch again if it fails
	readers       map[string]bool // reader → holds a card
	cardIn        string          // the reader whose card we are working with
	conn          CardConn
	id            *cardIdentity
	sess          *api.Session     // the backend session, once logged in
	ticket        *client.Ticket   // its ticket
	parked        *parkedSession   // a suspended session waiting for its card (SLP)
	unfinished    *api.Renewal     // an interrupted renewal of the card in, to finish before it logs in
	unlock        *unlockRun       // the self-service unlock under way, if any
	registering   *questionsRun    // the security questions registration under way, if any
	target        *targetCard      // admin mode: the card in the other reader, if any
	adminAction   AdminAction      // admin mode: what the form and the work are about
	positions     *HolderPositions // admin mode: the user whose positions are shown, if any
	position      *HeldPosition    // admin mode: the position the end form is about
	audit         auditSearch      // admin mode: the audit search shown, if any
	// reportsTail is closed when the newest report handed to reportInOrder
	// is done; the step goroutines that hand them in share it.
	reportsMu   sync.Mutex
	reportsTail chan struct{}
	retry       func()   // what Retry does on ScreenBackendError
	lastGUID    [16]byte // the card of the current session, for parking after removal
	logins      uint64   // fresh logins so far (ExpiryNotice.Login)
	questions   uint64   // questions asked so far (State.Question)
	jobs        sync.WaitGroup
	inflight    atomic.Int64       // goroutines of goWork still running (idle)
	endLoop     context.CancelFunc // stops the endings' retry loop
	quitting    bool

	keyringMu     sync.Mutex
	keyringTail   chan struct{}
	keyringWarned atomic.Bool
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
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if prefs == nil {
		prefs = &memPrefs{}
	}
	if cfg.Reminders == nil {
		cfg.Reminders = &memReminders{}
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
	a.st = State{Screen: ScreenStarting, Demo: cfg.Demo, Rule: defaultRule, SelfUnlock: true} // identityd's default: by email
	a.pub = a.st
	return a
}

// defaultRule applies until the backend's policy is known: the seeds' 4–8
// characters, and a new passcode must differ from the current one.
var defaultRule = PasscodeRule{MinLength: 4, MaxLength: 8, RefuseCurrent: true}

func (a *Agent) mode() Mode {
	if a.cfg.Mode != ModeFromPolicy {
		return a.cfg.Mode
	}
	if a.policy != nil && a.policy.SessionLockPersistence {
		return ModeSLP
	}
	return ModeNormal
}
