// Package store is identityd's persistence: the Store interface, the rows it
// holds, and (in sqlstore) one SQL implementation shared by the sqlite and
// postgres packages. Every write happens in Update, so an audit record is
// committed with the change it describes or not at all.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
)

// Errors every implementation returns, matched with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrUnavailable is a store that cannot answer now (down, unreachable,
	// read-only, out of space, timed out): worth retrying later, not a bug.
	ErrUnavailable = errors.New("store unavailable")
)

// Driver opens one kind of store at a location (config.Config.Store says
// which): the main links the drivers it wants (sqlite.Driver,
// postgres.Driver) and passes them to identity.New.
type Driver struct {
	Kind string // "sqlite" or "postgres"
	// Open opens (creating a SQLite file if needed) without migrating.
	Open func(ctx context.Context, location string) (Store, error)
}

// Store is a database holding identityd's state.
type Store interface {
	// View runs fn against a consistent-enough read view (no transaction
	// guarantees across calls); fn must not keep r.
	View(ctx context.Context, fn func(r Reader) error) error
	// Snapshot runs fn in a read-only transaction whose reads all see the
	// database as it stood at one moment (verifying the audit chain while
	// records are appended); fn must not keep r.
	Snapshot(ctx context.Context, fn func(r Reader) error) error
	// Update runs fn in one write transaction, committed if fn returns nil.
	// The transaction may be shared with other callers' functions (group
	// commit): fn then sees their changes as if they had committed just
	// before it, its error undoes only its own, and Update returns once
	// the shared commit has, with its error if it failed.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Migrate brings the schema to the newest embedded version.
	Migrate(ctx context.Context) error
	// MigrationsCurrent reports whether every embedded migration is applied.
	MigrationsCurrent(ctx context.Context) (bool, error)
	Ping(ctx context.Context) error
	// Kind is "sqlite" or "postgres".
	Kind() string
	Close() error
}

// Reader reads rows. Missing rows are ErrNotFound.
type Reader interface {
	audit.Source
	Organisation(ctx context.Context, id string) (Organisation, error)
	User(ctx context.Context, id string) (User, error)
	Users(ctx context.Context) ([]User, error)
	Positions(ctx context.Context, userID string) ([]Position, error)
	Card(ctx context.Context, guid string) (Card, error)
	Cards(ctx context.Context, userID string) ([]Card, error)
	Certificate(ctx context.Context, serial string) (Certificate, error)
	// CardLogin reads a card, the certificate with serial (whichever card
	// it belongs to) and the card's user in one query: what a login checks.
	// ErrNotFound only if there is no such card.
	CardLogin(ctx context.Context, guid, serial string) (CardLogin, error)
	// CurrentCertificate is the newest certificate of a card in a slot.
	CurrentCertificate(ctx context.Context, cardGUID, slot string) (Certificate, error)
	LatestTerms(ctx context.Context) (Terms, error)
	// TermsAcceptedAt is when userID accepted version, ErrNotFound if never.
	TermsAcceptedAt(ctx context.Context, userID string, version int) (time.Time, error)
	// LatestTermsFor is LatestTerms and, in the same query, when userID
	// accepted that version (the zero time if never).
	LatestTermsFor(ctx context.Context, userID string) (Terms, time.Time, error)
	// Session reads a session; inside Update it also locks the row until
	// the transaction ends (SELECT … FOR UPDATE on PostgreSQL), so a change
	// decided on what was read cannot be lost to a concurrent one.
	Session(ctx context.Context, id string) (Session, error)
	// SessionAuth reads a session with what each call on it re-checks (its
	// card's state, its user, its role's position) in one query, locking
	// the session row as Session does.
	SessionAuth(ctx context.Context, id string) (SessionAuth, error)
	CA(ctx context.Context) (CA, error)
	// Renewal reads a renewal; inside Update it locks the row as Session does.
	Renewal(ctx context.Context, id string) (Renewal, error)
	// RenewalCard is Renewal and, in the same query, the renewal's card.
	RenewalCard(ctx context.Context, id string) (Renewal, Card, error)
	// OpenRenewal reads the card's one renewal that is neither completed
	// nor expired (ErrNotFound if none), locking it as Renewal does. An
	// opened renewal past its ExpiresAt is still returned: the caller decides.
	OpenRenewal(ctx context.Context, cardGUID string) (Renewal, error)
	// Unlock reads an unlock; inside Update it locks the row as Session does.
	Unlock(ctx context.Context, id string) (Unlock, error)
	// OpenUnlock reads the card's open unlock (ErrNotFound if none),
	// locking it as Unlock does.
	OpenUnlock(ctx context.Context, cardGUID string) (Unlock, error)
	// UnlockRequests counts the unlocks created since then for the card and
	// for the user (the rate limits).
	UnlockRequests(ctx context.Context, cardGUID, userID string, since time.Time) (card, user int, err error)
	// SecurityQuestions reads a user's registered questions (ErrNotFound if
	// none), locking the row as Session does.
	SecurityQuestions(ctx context.Context, userID string) (SecurityQuestions, error)
	// QuestionsRegistration reads a session's registration waiting for its
	// code (ErrNotFound if none), locking the row as Session does.
	QuestionsRegistration(ctx context.Context, sessionID string) (QuestionsRegistration, error)
	// StaleSessions lists up to limit live sessions that expired by now, or
	// that never chose a role and were last touched before idleSince.
	StaleSessions(ctx context.Context, now, idleSince time.Time, limit int) ([]Session, error)
	// AuditSearch reads up to q.Limit records matching q, newest first
	// (by time, then sequence number).
	AuditSearch(ctx context.Context, q AuditQuery) ([]audit.Record, error)
}

// AuditQuery is a search of the audit trail: every filter set must match;
// From is inclusive, To exclusive. Before, when set, is the last record of
// the page before (its time and sequence number): the page goes on after it.
type AuditQuery struct {
	UserID, CardGUID, ActorID string
	// ActorOrg keeps, of an administrator's records, those of their work
	// for this organisation (the "at ORG (session" of their detail).
	ActorOrg string
	From, To time.Time
	Before   AuditCursor
	Limit    int
}

// Empty reports whether q can match nothing: its time range is empty.
func (q AuditQuery) Empty() bool { return !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) }

// AuditCursor is where a page of AuditSearch ends.
type AuditCursor struct {
	At  time.Time
	Seq int64
}

// Tx reads and writes inside one transaction.
type Tx interface {
	Reader
	audit.Chain
	CreateOrganisation(ctx context.Context, o Organisation) error
	CreateUser(ctx context.Context, u User) error
	CreatePosition(ctx context.Context, p Position) error
	// EndPosition sets when position id ends, only ever bringing an end
	// forward (ErrNotFound if there is no such position, or it ends by
	// then already). Positions are end-dated, never deleted.
	EndPosition(ctx context.Context, id string, endsAt time.Time) error
	CreateCard(ctx context.Context, c Card) error
	UpdateCard(ctx context.Context, c Card) error
	InsertCertificate(ctx context.Context, c Certificate) error
	PublishTerms(ctx context.Context, t Terms) error
	AcceptTerms(ctx context.Context, userID string, version int, at time.Time) error
	// UseChallenge records a redeemed challenge: ErrConflict if it was
	// redeemed before.
	UseChallenge(ctx context.Context, id []byte, expiresAt time.Time) error
	// PruneChallenges forgets redeemed challenges that expired before t.
	PruneChallenges(ctx context.Context, before time.Time) (int64, error)
	CreateSession(ctx context.Context, s Session) error
	// UpdateSession writes s back if the row is still in state from (the
	// state the caller read): ErrConflict if it changed meanwhile,
	// ErrNotFound if there is no such session.
	UpdateSession(ctx context.Context, s Session, from SessionState) error
	// EndCardSessions ends every live (active or suspended) session of a
	// card and returns them, ended.
	EndCardSessions(ctx context.Context, cardGUID string, at time.Time) ([]Session, error)
	// EndStaleSession ends session id if it is live and stale (see
	// StaleSessions): ErrNotFound if it is not, or no longer.
	EndStaleSession(ctx context.Context, id string, now, idleSince time.Time) error
	// CreateRenewal stores a new renewal: ErrConflict if the card already
	// has an open one (the database enforces one per card).
	CreateRenewal(ctx context.Context, r Renewal) error
	// UpdateRenewal writes r back if the row is still in state from:
	// ErrConflict if it changed meanwhile, ErrNotFound if there is none.
	UpdateRenewal(ctx context.Context, r Renewal, from RenewalState) error
	// CreateUnlock stores a new unlock: ErrConflict if the card has an
	// open one (void it first).
	CreateUnlock(ctx context.Context, u Unlock) error
	// UpdateUnlock writes u back if the row is still in state from:
	// ErrConflict if it changed meanwhile, ErrNotFound if there is none.
	UpdateUnlock(ctx context.Context, u Unlock, from UnlockState) error
	// PutSecurityQuestions registers q, replacing the user's earlier questions.
	PutSecurityQuestions(ctx context.Context, q SecurityQuestions) error
	// SetQuestionFailures sets the user's count of wrong answers:
	// ErrNotFound if the user registered no questions.
	SetQuestionFailures(ctx context.Context, userID string, failures int, at time.Time) error
	// SetQuestionsAsked keeps the questions unlocks ask the user (nil: draw
	// anew next time): ErrNotFound if the user registered no questions.
	SetQuestionsAsked(ctx context.Context, userID string, asked []string, at time.Time) error
	// PutQuestionsRegistration stores r, replacing the session's earlier
	// one, and counts one more code sent in the session (r.CodesSent is
	// not read): it returns the count.
	PutQuestionsRegistration(ctx context.Context, r QuestionsRegistration) (codesSent int, err error)
	// CountWrongQuestionsCode counts a wrong code against the session's
	// registration and returns how many there have been.
	CountWrongQuestionsCode(ctx context.Context, sessionID string, at time.Time) (int, error)
	// CloseQuestionsRegistration ends the session's registration, keeping
	// only its count of codes (none: no error).
	CloseQuestionsRegistration(ctx context.Context, sessionID string, at time.Time) error
	// PruneQuestionsRegistrations forgets registrations untouched since before.
	PruneQuestionsRegistrations(ctx context.Context, before time.Time) (int64, error)
	// TouchHealth writes the health row: readiness proves a write.
	TouchHealth(ctx context.Context, at time.Time) error
	// InsertCA stores the CA unless one exists: false if one did.
	InsertCA(ctx context.Context, ca CA) (bool, error)
}
