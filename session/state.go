package session

import (
	"fmt"
	"time"

	"github.com/cardagent/cardagent/wording"
)

// Screen is which question the agent is putting to the user, or what it is
// waiting for. The UI shows one screen per value.
type Screen int

const (
	ScreenStarting     Screen = iota // before the first reader event
	ScreenNoService                  // pcscd is not running: Problem/Fix say what to do
	ScreenNoReader                   // no reader connected
	ScreenInsertCard                 // waiting for a card
	ScreenReadingCard                // a card is in: reading who it belongs to
	ScreenCardProblem                // the card cannot be used (upside down, not PIV, no certificate): Problem/Fix
	ScreenPasscode                   // asking for the passcode: Card, TriesLeft, Rule
	ScreenBlocked                    // the card is locked: Problem/Fix explain how to unlock
	ScreenSigningIn                  // card verified the passcode; proving the card to the backend
	ScreenTerms                      // terms and conditions to accept: Terms
	ScreenRoles                      // choose a role: Roles, RoleIndex
	ScreenActive                     // logged in: Active, Expiry
	ScreenLocked                     // the card was removed: the session is locked
	ScreenBackendError               // the backend failed: Problem, Retryable
	// The renewal popup, over the active session (docs/renewal.md).
	ScreenRenewPasscode // what will happen, and the passcode for a fresh VERIFY: TriesLeft, Rule, Message
	ScreenRenewing      // the card work under way: Renewing
	ScreenRenewed       // done: RenewedUntil
	ScreenRenewFailed   // not offered now, or did not finish: Problem, Fix, Retryable
	// The passcode change popup, over the active session.
	ScreenChangePasscode       // current passcode, new one twice: TriesLeft, Rule, Message
	ScreenChangingPasscode     // CHANGE REFERENCE DATA under way on the card
	ScreenPasscodeChanged      // done
	ScreenPasscodeChangeFailed // not changed: Problem, Fix, Retryable (ScreenChangePasscode again)
	// Self-service unlock of a blocked card (docs/unlock.md), from
	// ScreenBlocked or ScreenPasscode; no session.
	ScreenUnlockQuestions // two security questions (email+questions): Unlock, Message
	ScreenUnlockCode      // the emailed code: Unlock, Message
	ScreenUnlockPasscode  // the new passcode twice: Rule, Message
	ScreenUnlocking       // identityd or the card at work: Working
	ScreenUnlocked        // done: log in with the new passcode
	ScreenUnlockFailed    // not unlocked: Problem, Fix, Retryable (a new code)
	// The security questions popup, over the active session (docs/unlock.md).
	ScreenQuestions       // choose four questions, answer them, and the passcode: Questions, TriesLeft, Rule, Message
	ScreenQuestionsCode   // the emailed code that confirms them: Unlock, Message
	ScreenSavingQuestions // the card or identityd at work: Working
	ScreenQuestionsSaved  // registered
	ScreenQuestionsFailed // not registered: Problem, Fix, Retryable (ScreenQuestions again)
	// Admin mode (docs/admin.md): an administrator's session and the card to
	// service in another reader.
	ScreenAdmin        // the admin's role and the card in the other reader (or where to put it): Admin
	ScreenAdminForm    // what Admin.Action needs: identity checked, a reason, the holder's passcode (new twice, or theirs once): Admin, Rule, TriesLeft, Message
	ScreenAdminWorking // identityd or the card at work: Admin, Working
	ScreenAdminDone    // done: Admin, Hint says what was done
	ScreenAdminFailed  // not done: Admin, Problem, Fix, Retryable
	// ScreenAdminPositions: a user's access positions in the
	// administrator's organisation: Admin.Positions, Hint (what was just done).
	ScreenAdminPositions
	// ScreenAdminAudit: a page of the audit trail an RA searched:
	// Admin.Audit.
	ScreenAdminAudit
)

var screenNames = [...]string{"starting", "no-service", "no-reader", "insert-card", "reading-card", "card-problem",
	"passcode", "blocked", "signing-in", "terms", "roles", "active", "locked", "backend-error",
	"renew-passcode", "renewing", "renewed", "renew-failed",
	"change-passcode", "changing-passcode", "passcode-changed", "passcode-change-failed",
	"unlock-questions", "unlock-code", "unlock-passcode", "unlocking", "unlocked", "unlock-failed",
	"questions", "questions-code", "saving-questions", "questions-saved", "questions-failed",
	"admin", "admin-form", "admin-working", "admin-done", "admin-failed", "admin-positions", "admin-audit"}

// asks reports whether the screen puts a question the user answers with an
// intent that names it (State.Question).
func (s Screen) asks() bool {
	return s == ScreenPasscode || s == ScreenTerms || s == ScreenRoles || s == ScreenRenewPasscode || s == ScreenChangePasscode ||
		s == ScreenUnlockQuestions || s == ScreenUnlockCode || s == ScreenUnlockPasscode || s == ScreenQuestions || s == ScreenQuestionsCode ||
		s == ScreenAdminForm
}

// Unlocking reports whether the screen is part of a self-service unlock.
func (s Screen) Unlocking() bool { return s >= ScreenUnlockQuestions && s <= ScreenUnlockFailed }

// Questions reports whether the screen is the security questions popup,
// shown over the active session.
func (s Screen) Questions() bool { return s >= ScreenQuestions && s <= ScreenQuestionsFailed }

// AdminMode reports whether the screen is part of admin mode, over the
// administrator's active session.
func (s Screen) AdminMode() bool { return s >= ScreenAdmin && s <= ScreenAdminAudit }

// PasscodeChange reports whether the screen is the passcode change popup,
// shown over the active session.
func (s Screen) PasscodeChange() bool {
	return s >= ScreenChangePasscode && s <= ScreenPasscodeChangeFailed
}

// Unattended reports whether the agent waits on the screen and needs nobody:
// starting, waiting for a card, the active session, the lock (waiting for
// the card). A tray-resident window hides on these and shows on the rest.
func (s Screen) Unattended() bool {
	return s == ScreenStarting || s == ScreenInsertCard || s == ScreenActive || s == ScreenLocked
}

// OverSession reports whether the screen is a popup over the active
// session (renewal, passcode change, security questions): the session is
// live behind it.
func (s Screen) OverSession() bool {
	return s.Renewal() || s.PasscodeChange() || s.Questions() || s.AdminMode()
}

// Renewal reports whether the screen is the renewal popup, shown over the
// active session.
func (s Screen) Renewal() bool {
	return s == ScreenRenewPasscode || s == ScreenRenewing || s == ScreenRenewed || s == ScreenRenewFailed
}

func (s Screen) String() string {
	if int(s) < len(screenNames) {
		return screenNames[s]
	}
	return fmt.Sprintf("Screen(%d)", int(s))
}

// State is one immutable snapshot of the agent. The UI renders it and
// nothing else; a new State replaces the old one whole. Slices and pointers
// in a published State are never modified afterwards.
type State struct {
	Screen Screen
	Seq    uint64 // increases with every published State
	// Question numbers the question on a passcode, terms or roles screen. It
	// changes only when a new answer is wanted; a State republished for the
	// same question (the policy arrived, the photo was read) keeps it. A UI
	// answers each Question once and names it in the answer; an answer to a
	// question no longer asked is dropped (a passcode is wiped, never sent).
	Question uint64

	Demo   bool   // running against the embedded demo backend and virtual card
	Reader string // the reader in use (or the one waiting for a card)

	Card      *CardHolder  // who the inserted card belongs to, as read from the card
	TriesLeft int          // passcode tries left, read before typing (ScreenPasscode, ScreenBlocked)
	Rule      PasscodeRule // what a passcode must look like
	// SelfUnlock: the backend's policy offers self-service unlock (the
	// blocked and passcode screens offer it).
	SelfUnlock bool
	// QuestionsAsked: the policy asks security questions before an unlock
	// code (email+questions), so the active screen offers to register them.
	QuestionsAsked bool
	// Admin is admin mode's picture: the administrator's role and the card
	// in the other reader (ScreenActive of an admin role, the admin screens).
	Admin *AdminView

	Active *Active       // ScreenActive and ScreenLocked (the session behind the lock)
	Local  LocalState    // what local applications are told (localapps.go)
	Expiry *ExpiryNotice // certificate expiry alert, when one is due at this login

	// Prompt is what the current screen says and asks. Everything above
	// describes the situation and carries over from screen to screen; the
	// Prompt starts empty on every new screen.
	Prompt
}

// Prompt is the screen-specific part of a State.
type Prompt struct {
	Message string // a one-line warning on the current screen ("Wrong passcode.")
	Hint    string // a neutral one-line notice (wording.SessionLocked)

	Problem   string // what is wrong (ScreenNoService, ScreenCardProblem, ScreenBlocked, ScreenBackendError)
	Fix       string // what the user can do about it
	Retryable bool   // ScreenBackendError: a Retry intent may help

	Terms     *Terms // ScreenTerms
	Roles     []Role // ScreenRoles
	RoleIndex int    // ScreenRoles: the preselected role (last used on this workstation, else 0)

	Renewing     RenewalStep // ScreenRenewing: the step under way
	RenewedUntil time.Time   // ScreenRenewed: the new certificates' expiry

	Unlock    UnlockPrompt     // ScreenUnlockQuestions, ScreenUnlockCode, ScreenQuestionsCode
	Working   string           // ScreenUnlocking, ScreenSavingQuestions: what is under way, in words
	Questions *QuestionsPrompt // ScreenQuestions
}

// UnlockPrompt is what a code screen says of the emailed code, and what
// the unlock's question screen asks.
type UnlockPrompt struct {
	SentTo       string    // the address, partly hidden
	ValidUntil   time.Time // the code's expiry
	AttemptsLeft int       // wrong codes before it is void
	// Questions are the two to answer (ScreenUnlockQuestions);
	// AnswerAttemptsLeft is how many wrong answers leave only a
	// face-to-face unlock.
	Questions          []SecurityQuestion
	AnswerAttemptsLeft int
}

// AdminView is what admin mode shows.
type AdminView struct {
	Role   string // the administrator's role, as "Local Smartcard Administrator at Demo General Hospital"
	Rights string // "lsa", "ra" or "sponsor"
	Reader string // the administrator's own reader
	Target *TargetCard
	// Actions are what this administrator may do with the target card
	// now, as far as the agent can tell (identityd decides each).
	Actions []AdminAction
	// Action is what the form, the work and its outcome are about.
	Action AdminAction
	// ManagesPositions says this administrator's role grants and ends
	// access positions (RA, sponsor): AdminActionPositions is offered
	// with or without a card.
	ManagesPositions bool
	// Positions is the user whose positions are shown (ScreenAdminPositions)
	// or changed; Position the one the end form is about.
	Positions *HolderPositions
	Position  *HeldPosition
	// SearchesAudit says this administrator's role searches the audit
	// trail (RA): AdminActionAudit is offered. Audit is the page shown.
	SearchesAudit bool
	Audit         *AuditPage
}

// AuditPage is a page of an audit search, newest first.
type AuditPage struct {
	Search  string // what was searched, in words
	Records []AuditLine
	Page    int  // 1 for the newest
	More    bool // there are older records: AuditOlder
	Chain   ChainStatus
}

// AuditLine is one audit record.
type AuditLine struct {
	Seq                                                                        int64
	At                                                                         time.Time
	Action, Outcome, UserID, CardGUID, Workstation, SessionID, AdminID, Detail string
}

// ChainStatus is how identityd's last verification of the whole chain went.
type ChainStatus struct {
	Intact    bool
	Records   int64
	CheckedAt time.Time
	BrokenAt  int64
	Problem   string
}

// HolderPositions is a user's access positions as an administrator sees
// them: those in the administrator's organisation, current and ended.
type HolderPositions struct {
	Name, UUID   string
	Organisation string // the administrator's, where they grant and end
	Held         []HeldPosition
	Elsewhere    int      // current positions in other organisations, not shown
	Roles        []string // role names to offer for a grant
}

// HeldPosition is one access position.
type HeldPosition struct {
	ID, Role string
	Since    time.Time
	Until    time.Time // zero: open-ended
	LastDay  time.Time // the last day it is held (the instant before Until): what to show
	Active   bool      // held now: it may be ended
}

// AdminAction is something an administrator does with a holder's card.
type AdminAction string

// Admin actions (docs/admin.md).
const (
	AdminActionUnlock AdminAction = "unlock" // face to face: the holder's new passcode (LSA, RA)
	AdminActionRepair AdminAction = "repair" // new passcode, keys and certificates (RA)
	AdminActionRenew  AdminAction = "renew"  // new keys and certificates, the holder's passcode (RA, sponsor)
	AdminActionCancel AdminAction = "cancel" // for good, confirmed, no passcode (RA)
	AdminActionEnrol  AdminAction = "enrol"  // a new card: its holder's UUID, identity, keys, certificates, new passcode (RA)
	// Access positions (RA, sponsor), with or without a card: whose (their
	// UUID, or the card's holder), a role to grant, a position to end.
	AdminActionPositions   AdminAction = "positions"
	AdminActionGrant       AdminAction = "grant"
	AdminActionEndPosition AdminAction = "end-position"
	// The audit view (RA): a search by user, card or administrator and
	// dates, then its pages.
	AdminActionAudit AdminAction = "audit"
)

// Cardless reports whether the action needs no card in the other reader:
// access positions concern a user, the audit view the trail.
func (a AdminAction) Cardless() bool {
	return a == AdminActionPositions || a == AdminActionGrant || a == AdminActionEndPosition || a == AdminActionAudit
}

// NewPasscode reports whether the holder types a new passcode (twice) for
// the action; otherwise they type theirs, once.
func (a AdminAction) NewPasscode() bool {
	return a == AdminActionUnlock || a == AdminActionRepair || a == AdminActionEnrol
}

// AsksPasscode reports whether the holder types a passcode for the action
// at all; a cancellation asks for the administrator's confirmation instead
// of the identity check.
func (a AdminAction) AsksPasscode() bool { return a != AdminActionCancel && !a.Cardless() }

// TargetCard is the card in the other reader, as read from it and as
// identityd describes it to this administrator.
type TargetCard struct {
	Reader    string
	GUID      string
	Name      string // the holder, as identityd knows them
	UUID      string
	State     string // "active", "locked", "cancelled" (identityd's)
	Blocked   bool   // the card's own passcode is blocked
	TriesLeft int
	NotAfter  time.Time // the login certificate's expiry
	InScope   bool      // this administrator may service it
	Photo     []byte
	Problem   string // why the card could not be read or looked up ("" if it was)
	// Blank says the card has no login certificate and identityd has not
	// issued it: a factory-fresh card, or one whose issue did not finish
	// (Enrolling: then its holder is known).
	Blank     bool
	Enrolling bool
}

// SecurityQuestion is one question of identityd's catalogue.
type SecurityQuestion struct {
	ID   string
	Text string
}

// QuestionsPrompt is what the registration screen offers.
type QuestionsPrompt struct {
	Catalogue    []SecurityQuestion // to choose four from
	Registered   []string           // the ids registered now (none: never registered)
	RegisteredAt time.Time
	Chosen       []string // the ids chosen at the last attempt (offered again after a wrong passcode)
}

// RenewalStep is where a renewal's card work stands, in order.
type RenewalStep int

const (
	RenewPreparing  RenewalStep = iota + 1 // passcode checked on the card
	RenewGenerating                        // key pairs generated on the card
	RenewRequesting                        // certificates asked for
	RenewWriting                           // certificates written to the card
	RenewChecking                          // the new login key proven
)

// Text names the step as the progress shows it.
func (r RenewalStep) Text() string {
	if r >= 1 && int(r) <= len(wording.RenewSteps) {
		return wording.RenewSteps[r-1]
	}
	return ""
}

// CardHolder is what the card says about its owner. Name, UUID and Photo
// are given only when Verified: the card's certificate was issued by the
// backend's CA, so a rogue card cannot ask for a passcode in someone else's
// name. Before the CA is known (the backend not reached yet) the card is
// shown as unverified.
type CardHolder struct {
	Verified bool
	Name     string
	UUID     string // 12-digit user identity number
	Photo    []byte // JPEG or PNG facial image, nil when the card has none
	GUID     string // card identity, hex
}

// PasscodeRule is the backend policy for passcodes.
type PasscodeRule struct {
	MinLength  int
	MaxLength  int
	DigitsOnly bool
	// For a new passcode only: refuse one repeated character or a run
	// (RefuseSimple), and the current passcode (RefuseCurrent).
	RefuseSimple, RefuseCurrent bool
}

// Describe says the rule in words, for the passcode prompt.
func (r PasscodeRule) Describe() string {
	return wording.PasscodeRule(r.MinLength, r.MaxLength, r.DigitsOnly)
}

// Terms is one version of the terms and conditions.
type Terms struct {
	Version int
	Text    string
}

// Role is an access position the user can work in.
type Role struct {
	ID           string
	Name         string
	Organisation string
}

// Active is the logged-in session.
type Active struct {
	User         string
	UUID         string
	Role         string
	Organisation string
	Since        time.Time
	Suspended    bool // Session Lock Persistence: the backend session waits for the same card
}

// ExpiryNotice is the certificate expiry alert shown at login inside the
// renewal window. Login identifies the login it belongs to: the UI sends a
// system notification once per Login (a resumed session keeps its Login).
type ExpiryNotice struct {
	Login        uint64
	DaysLeft     int
	NotAfter     time.Time
	CanSelfRenew bool
	Reason       string // why self-renewal is not possible, in words, when it is not
}

// Text is the alert as the user reads it.
func (e ExpiryNotice) Text() string { return wording.ExpiryAlert(e.DaysLeft, e.CanSelfRenew, e.Reason) }
