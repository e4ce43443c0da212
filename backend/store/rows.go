package store

import "time"

// Organisation is an NHS organisation (e.g. an ODS code and name).
type Organisation struct {
	ID   string
	Name string
}

// User is a person with a 12-digit UUID.
type User struct {
	ID        string
	Name      string
	Email     string
	Mobile    string
	Disabled  bool
	CreatedAt time.Time
}

// Position is an access position: user × organisation × role name, valid
// from StartsAt until EndsAt (zero: open-ended).
type Position struct {
	ID               string
	UserID           string
	OrganisationID   string
	OrganisationName string // filled by reads
	RoleName         string
	StartsAt         time.Time
	EndsAt           time.Time
}

// ActiveAt reports whether the position is held at t.
func (p *Position) ActiveAt(t time.Time) bool {
	return !t.Before(p.StartsAt) && (p.EndsAt.IsZero() || t.Before(p.EndsAt))
}

// CardState is the life-cycle state of a card.
type CardState string

// Card states. Cancelled is final.
const (
	CardActive    CardState = "active"
	CardLocked    CardState = "locked"
	CardCancelled CardState = "cancelled"
)

// Card is a smartcard, identified by its CHUID GUID (lower-case hex).
type Card struct {
	GUID        string
	UserID      string
	State       CardState
	KeyVersion  int    // diversified management key version
	PUKSealed   []byte // current PUK, sealed
	PUKNext     []byte // PUK being rotated in, sealed, until the card confirms it
	CreatedAt   time.Time
	CancelledAt time.Time
}

// Card slots with certificates.
const (
	SlotAuthentication = "9a"
	SlotSignature      = "9c"
)

// Certificate is a certificate issued to a card.
type Certificate struct {
	Serial          string // lower-case hex
	CardGUID        string
	Slot            string
	NotBefore       time.Time
	NotAfter        time.Time
	RenewalsSinceRA int
	DER             []byte
	IssuedAt        time.Time
}

// CardLogin is a card with one certificate and its user, read together.
type CardLogin struct {
	Card Card
	Cert *Certificate // nil: no certificate with that serial
	User *User        // nil: the card's user row is missing
	// CurrentAuthSerial is the serial of the card's newest 9A certificate
	// (empty if it has none): only that one logs in.
	CurrentAuthSerial string
}

// Terms is one published version of the terms of smartcard use.
type Terms struct {
	Version     int
	Text        string
	PublishedAt time.Time
}

// SessionState mirrors api.SessionState.
type SessionState string

// Session states.
const (
	SessionActive    SessionState = "active"
	SessionSuspended SessionState = "suspended"
	SessionEnded     SessionState = "ended"
)

// Session is a login at a workstation. Only the token's hash is stored.
type Session struct {
	ID            string
	TokenHash     []byte
	UserID        string
	CardGUID      string
	CertSerial    string
	WorkstationID string
	RoleID        string
	State         SessionState
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ExpiresAt     time.Time
}

// SessionAuth is a session with what every call on it re-checks.
type SessionAuth struct {
	Session      Session
	CardState    CardState
	UserDisabled bool
	Role         *Position // the selected role's position; nil if none chosen or the row is gone
}

// CA is the certificate authority's certificate and sealed private key.
type CA struct {
	CertDER   []byte
	KeySealed []byte
	CreatedAt time.Time
}

// RenewalState mirrors api.RenewalState.
type RenewalState string

// Renewal states (docs/renewal.md). Completed and expired are final.
const (
	RenewalOpened       RenewalState = "opened"
	RenewalGenerating9C RenewalState = "generating_9c"
	RenewalRecorded9C   RenewalState = "recorded_9c"
	RenewalGenerating9A RenewalState = "generating_9a"
	RenewalRecorded9A   RenewalState = "recorded_9a"
	RenewalIssued       RenewalState = "issued"
	RenewalWriting      RenewalState = "writing"
	RenewalCompleted    RenewalState = "completed"
	RenewalExpired      RenewalState = "expired"
)

// RenewalKind mirrors api.RenewalKind: who renews.
type RenewalKind string

// Renewal kinds.
const (
	RenewalBySelf    RenewalKind = "self"
	RenewalByRA      RenewalKind = "ra"
	RenewalBySponsor RenewalKind = "sponsor"
)

// UnlockState is where a self-service unlock stands (docs/unlock.md).
type UnlockState string

// Unlock states. Completed, void, expired and unsent are final.
const (
	UnlockQuestions    UnlockState = "questions"     // the holder's answers are due first (email+questions)
	UnlockCodeSent     UnlockState = "code_sent"     // the code is emailed; waiting for it
	UnlockCodeAccepted UnlockState = "code_accepted" // the right code came back in time
	UnlockCardProving  UnlockState = "card_proving"  // the card's witness opened; its answer awaited
	UnlockReleased     UnlockState = "released"      // the card proved itself: the PUK was handed out
	UnlockCompleted    UnlockState = "completed"     // the card is unlocked and holds the new PUK
	UnlockVoid         UnlockState = "void"          // too many wrong codes, or a newer request
	UnlockExpired      UnlockState = "expired"       // the code's time ran out
	UnlockUnsent       UnlockState = "unsent"        // the code could not be sent; not counted by the rate limits
)

// Open reports whether an unlock in state s can still go on.
func (s UnlockState) Open() bool {
	return s == UnlockQuestions || s == UnlockCodeSent || s == UnlockCodeAccepted || s == UnlockCardProving || s == UnlockReleased
}

// Unlock is one self-service unlock of a card. Only hashes of its token and
// of the emailed code are kept.
type Unlock struct {
	ID            string
	CardGUID      string
	UserID        string
	TokenHash     []byte
	WorkstationID string
	State         UnlockState
	CodeHash      []byte // keyed hash of the code
	// CodeExpiresAt is when the code stops working; in state questions,
	// when the time to answer ends (the code is drawn after the answers).
	CodeExpiresAt time.Time
	WrongCodes    int
	QuestionIDs   []string // the questions asked, in state questions and after
	// AdminUserID and AdminSessionID are the administrator who opened a
	// face-to-face unlock, and their session ("" for a self-service one).
	AdminUserID    string
	AdminSessionID string
	Challenge      []byte // identityd's challenge to the card (mutual 9B authentication)
	CreatedAt      time.Time
	UpdatedAt      time.Time
	CompletedAt    time.Time
}

// SecurityAnswer is one registered question with a salted slow hash of
// its normalised answer (a PHC string: the parameters travel with it).
type SecurityAnswer struct {
	QuestionID string `json:"q"`
	Hash       string `json:"h"`
}

// SecurityQuestions are a user's registered security questions.
type SecurityQuestions struct {
	UserID       string
	Answers      []SecurityAnswer
	Failures     int      // wrong answers at unlocks since the last right ones
	Asked        []string // the two an unlock asks, kept until they are answered right
	RegisteredAt time.Time
	UpdatedAt    time.Time
}

// QuestionsRegistration is a registration of security questions waiting
// for its emailed code; one per session.
type QuestionsRegistration struct {
	SessionID     string
	UserID        string
	Answers       []SecurityAnswer
	CodeHash      []byte // keyed hash of the code
	CodeExpiresAt time.Time
	WrongCodes    int
	CodesSent     int // codes emailed in this session, kept across newer registrations
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Renewal is a certificate renewal of one card. Only the token's hash is
// stored. Keys are DER SubjectPublicKeyInfo as the card generated them;
// certificates are the pending ones (not in the certificates table, so
// not usable for login) until completion.
type Renewal struct {
	ID            string
	CardGUID      string
	TokenHash     []byte
	WorkstationID string // where the newest token was handed out
	State         RenewalState
	Key9A, Key9C  []byte
	Cert9A        []byte // pending 9A certificate, DER
	Cert9C        []byte
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ExpiresAt is when an untouched (opened) renewal expires; zero once
	// the card was authenticated for it (it never expires then).
	ExpiresAt   time.Time
	CompletedAt time.Time
	// Kind is who renews; an administrator's renewal names them and the
	// session they opened it in (empty for the holder's own).
	Kind           RenewalKind
	AdminUserID    string
	AdminSessionID string
}
