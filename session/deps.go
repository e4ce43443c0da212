package session

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/session/renewal"
	"github.com/cardagent/cardagent/session/unlock"
)

// Backend is what the agent needs of identityd; *client.Client implements
// it, and tests may pass a client aimed at an in-process identityd.
type Backend interface {
	WorkstationID() string
	// CA is the backend's (pinned) CA certificate once known, else nil: the
	// issuer of every card it accepts.
	CA() *x509.Certificate
	Policy(ctx context.Context) (api.Policy, error)
	Challenge(ctx context.Context) (api.Challenge, error)
	Login(ctx context.Context, proof api.CardProof) (api.Session, error)
	AcceptTerms(ctx context.Context, t client.Ticket, version int) (api.Session, error)
	SelectRole(ctx context.Context, t client.Ticket, roleID string) (api.Session, error)
	Suspend(ctx context.Context, t client.Ticket) (api.Session, error)
	Resume(ctx context.Context, t client.Ticket, proof api.CardProof) (api.Session, error)
	End(ctx context.Context, t client.Ticket) error
	// ReportPasscodeChange tells identityd what the card answered to a
	// passcode change (its audit trail): the outcome, never a passcode.
	ReportPasscodeChange(ctx context.Context, t client.Ticket, r api.PasscodeChangeReport) error
	// OpenRenewal opens a certificate renewal of the session's card; the
	// card work of it (renewal.Backend) goes on with the renewal's ticket.
	OpenRenewal(ctx context.Context, session client.Ticket) (api.Renewal, error)
	// The security questions of the session's holder (docs/unlock.md).
	SecurityQuestions(ctx context.Context, t client.Ticket) (api.SecurityQuestions, error)
	RegisterQuestions(ctx context.Context, t client.Ticket, proof api.CardProof, answers []api.SecurityAnswer) (api.QuestionsRegistration, error)
	ConfirmQuestions(ctx context.Context, t client.Ticket, code string) (api.SecurityQuestions, error)
	// The admin API, on the administrator's session (docs/admin.md).
	AdminCard(ctx context.Context, t client.Ticket, cardGUID []byte) (api.AdminCard, error)
	AdminUnlock(ctx context.Context, t client.Ticket, cardGUID []byte, reason string) (api.Unlock, error)
	AdminRenewal(ctx context.Context, t client.Ticket, cardGUID []byte, reason string, repair bool) (api.AdminRenewal, error)
	AdminCancel(ctx context.Context, t client.Ticket, cardGUID []byte, reason string) (api.AdminCard, error)
	AdminEnrol(ctx context.Context, t client.Ticket, userID string, cardGUID []byte, reason string) (api.AdminEnrolment, error)
	AdminPositions(ctx context.Context, t client.Ticket, userID string) (api.AdminPositions, error)
	AdminGrant(ctx context.Context, t client.Ticket, userID, role, reason string) (api.AdminPosition, error)
	AdminEndPosition(ctx context.Context, t client.Ticket, userID, positionID string, endsAt time.Time, reason string) (api.AdminPosition, error)
	AdminAudit(ctx context.Context, t client.Ticket, q api.AuditQuery) (api.AdminAuditPage, error)
	// IssueAssertion signs an assertion of the session for a local
	// application (docs/tickets.md).
	IssueAssertion(ctx context.Context, t client.Ticket, audience string) (api.Assertion, error)
	renewal.Backend
	unlock.Backend
}

var _ Backend = (*client.Client)(nil)

// CardConn is an open card: one exclusive transaction per operation.
// *reader.Card implements it.
type CardConn interface {
	Do(ctx context.Context, fn func(apdu.Transmitter) error) error
	ATR() []byte
	Close() error
}

var _ CardConn = (*reader.Card)(nil)

// OpenCard connects to the card in the named reader (reader.Open).
type OpenCard func(readerName string) (CardConn, error)

// Events is a stream of reader events (reader.Monitor.Subscribe).
type Events <-chan reader.Event

// TicketStore keeps the session ticket where other local apps find it (the
// OS keyring). It never sees the passcode.
type TicketStore interface {
	Save(t StoredTicket) error
	Delete() error
	Load() (StoredTicket, error) // at start: a ticket an earlier run left
	// The sessions still to be ended on the backend (they hold tokens, so
	// they live in the keyring too).
	SavePending([]PendingEnd) error
	LoadPending() ([]PendingEnd, error) // none stored: empty, no error
}

// StoredTicket is what the keyring holds while a session is active.
type StoredTicket struct {
	SessionID     string `json:"session_id"`
	Token         string `json:"token"`
	Backend       string `json:"backend"`
	WorkstationID string `json:"workstation_id"`
	UserID        string `json:"user_id"`
	RoleID        string `json:"role_id"`
}

// Reminders remembers the day the renewal reminder last showed to each
// user on this workstation (a day as "2006-01-02").
type Reminders interface {
	RemindedOn(userID string) string
	SetRemindedOn(userID, day string) error
}

// RolePrefs remembers the last role each user chose on this workstation.
type RolePrefs interface {
	LastRole(userID string) string
	SetLastRole(userID, roleID string) error
}
