package sessiontest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/session"
)

// ErrDown is what the client says when identityd cannot be reached.
var ErrDown = fmt.Errorf("%w: connection refused", client.ErrUnreachable)

var (
	caOnce sync.Once
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
)

// CA is the fake backend's CA, made once per process: the issuer of every
// card NewCard enrols (unless it is SelfSigned).
func CA() (*x509.Certificate, crypto.Signer) {
	caOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "session test CA"},
			NotBefore: time.Now().AddDate(-10, 0, 0), NotAfter: time.Now().AddDate(10, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			panic(err)
		}
		caCert, _ = x509.ParseCertificate(der)
		caKey = key
	})
	return caCert, caKey
}

// Backend plays identityd's protocol and checks the card's signatures for
// real (the digest of api.LoginDigest, the certificate's key). Its exported
// fields are the knobs: set them before the agent starts, or through Set
// while it runs.
type Backend struct {
	mu sync.Mutex

	Rules         api.Policy // what Policy answers (default: passcodes of 6 to 8 characters)
	Roles         []api.Role // the user's roles at every login
	TermsRequired bool       // a login must accept Terms first
	Terms         api.Terms  // the terms shown when TermsRequired
	// Cert is the login certificate's status at each login; a zero NotAfter
	// takes the card's certificate's.
	Cert api.CertificateStatus
	NoCA bool // the CA never becomes known (as before the first TLS handshake)

	FailPolicy    error // Policy answers this
	FailChallenge error // Challenge answers this
	FailTerms     error // AcceptTerms answers this
	FailEnd       error // End answers this (the backend is down)
	PolicyGate    *Gate // Policy waits for it
	LoginGate     *Gate // Login waits for it
	EndDelay      time.Duration
	FailRenewal   error            // OpenRenewal answers this
	FailIssue     error            // IssueRenewal answers this (identityd refusing the certificates)
	Clock         func() time.Time // the time renewed certificates start from; nil: time.Now
	RenewalGate   *Gate            // IssueRenewal waits for it
	FailPasscode  error            // ReportPasscodeChange answers this
	FailUnlock    error            // RequestUnlock answers this
	// FailUnlockComplete is what CompleteUnlock answers (identityd down
	// after the card was unlocked).
	FailUnlockComplete error
	// Registered are the security questions the fake holds for every
	// holder (ids of QuestionAnswers), nil if none; Pending is a
	// registration waiting for its code (UnlockCode).
	Registered    []string
	FailQuestions error // RegisterQuestions answers this
	// AdminCards is what AdminCard answers per card GUID (hex); FailAdmin
	// is what AdminUnlock answers; AdminReasons are the reasons it got.
	AdminCards map[string]api.AdminCard
	FailAdmin  error
	// UnknownCards makes AdminCard answer card_unknown for a card not in
	// AdminCards (a factory-fresh card's own GUID).
	UnknownCards bool
	AdminReasons []string
	// Positions are the access positions per user that AdminPositions
	// lists and AdminGrant and AdminEndPosition change; a user with none
	// holds one, "Clinical Practitioner". Users are "Jo Holder" but for
	// UnknownUser.
	Positions   map[string][]api.AdminPosition
	UnknownUser string
	HolderName  string // the name AdminPositions gives; "" for "Jo Holder"
	// AuditRecords are what AdminAudit pages through (newest first, whatever
	// the search); AuditQueries the searches it got.
	AuditRecords []api.AuditEntry
	AuditQueries []api.AuditQuery
	// AssertionGate holds IssueAssertion; FailAssertion is its answer.
	AssertionGate *Gate
	FailAssertion error
	pending       []api.SecurityAnswer
	answerFails   int

	policyServed bool
	nonces       map[string]bool
	sessions     map[string]*api.Session
	renewals     map[string]*fakeRenewal // by card GUID
	unlocks      map[string]*fakeUnlock  // by id
	puks         map[string]cardPUKs     // by card GUID
	loginCert    []byte                  // of the last login
	calls        []string
	n            int
}

var _ session.Backend = (*Backend)(nil)

// NewBackend returns a backend with two roles, no terms due and a
// certificate far from expiry.
func NewBackend() *Backend {
	return &Backend{
		Rules: api.Policy{PasscodeMinLength: 6, PasscodeMaxLength: 8},
		Roles: []api.Role{
			{ID: "r1", Name: "Clinical Practitioner", OrganisationID: "RX1", OrganisationName: "Riverside Hospital"},
			{ID: "r2", Name: "Nurse", OrganisationID: "GP2", OrganisationName: "Hillside Surgery"},
		},
		Terms:    api.Terms{Version: 3, Text: "Never share your smartcard or passcode."},
		Cert:     api.CertificateStatus{DaysLeft: 400},
		nonces:   map[string]bool{},
		sessions: map[string]*api.Session{},
		renewals: map[string]*fakeRenewal{},
		unlocks:  map[string]*fakeUnlock{},
		puks:     map[string]cardPUKs{},
	}
}

// Set changes the knobs while the agent may be calling the backend.
func (b *Backend) Set(f func(b *Backend)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b)
}

func (b *Backend) record(call string) {
	b.mu.Lock()
	b.calls = append(b.calls, call)
	b.mu.Unlock()
}

// Called counts the calls named call: "policy", "challenge", "login",
// "terms", "role:<id>", "suspend", "resume", "end", "passcode:<outcome>".
func (b *Backend) Called(call string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.calls {
		if c == call {
			n++
		}
	}
	return n
}

// LoginCert is the certificate (DER) the last login presented.
func (b *Backend) LoginCert() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loginCert
}

// Calls lists every call so far, in order.
func (b *Backend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

// State is the backend's view of session id ("" if it never opened).
func (b *Backend) State(id string) api.SessionState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.sessions[id]; ok {
		return s.State
	}
	return ""
}

func (b *Backend) WorkstationID() string { return "ws-test" }

// CA is known once the policy has been fetched, as with the real client
// (whose first TLS handshake shows it), unless NoCA says it never is.
func (b *Backend) CA() *x509.Certificate {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.NoCA || !b.policyServed {
		return nil
	}
	ca, _ := CA()
	return ca
}

func (b *Backend) Policy(ctx context.Context) (api.Policy, error) {
	b.mu.Lock()
	gate := b.PolicyGate
	b.mu.Unlock()
	b.record("policy") // after the gate is read: a test that saw the call may swap the gate for the next one
	if err := gate.Wait(ctx); err != nil {
		return api.Policy{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailPolicy != nil {
		return api.Policy{}, b.FailPolicy
	}
	b.policyServed = true
	return b.Rules, nil
}

func (b *Backend) Challenge(ctx context.Context) (api.Challenge, error) {
	b.record("challenge")
	b.mu.Lock()
	fail := b.FailChallenge
	b.mu.Unlock()
	if fail != nil {
		return api.Challenge{}, fail
	}
	nonce := make([]byte, 32)
	rand.Read(nonce)
	s := base64.RawURLEncoding.EncodeToString(nonce)
	b.mu.Lock()
	b.nonces[s] = true
	b.mu.Unlock()
	return api.Challenge{Nonce: s, ExpiresAt: time.Now().Add(time.Minute)}, nil
}

func (b *Backend) check(p api.CardProof) error { return b.checkOf(p, api.LoginDigest) }

// checkOf checks a proof signed over digestOf's digest.
func (b *Backend) checkOf(p api.CardProof, digestOf func(nonce []byte, ws string, guid []byte) []byte) error {
	b.mu.Lock()
	ok := b.nonces[p.Nonce]
	delete(b.nonces, p.Nonce)
	b.mu.Unlock()
	if !ok {
		return &client.APIError{Status: 401, Code: api.CodeChallengeReplayed}
	}
	nonce, _ := p.NonceBytes()
	guid, _ := p.GUID()
	der, _ := p.CertificateDER()
	sig, _ := p.SignatureBytes()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return &client.APIError{Status: 401, Code: api.CodeCertificateInvalid}
	}
	digest := digestOf(nonce, p.WorkstationID, guid)
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), digest, sig) {
		return &client.APIError{Status: 401, Code: api.CodeSignatureInvalid}
	}
	return nil
}

func (b *Backend) Login(ctx context.Context, p api.CardProof) (api.Session, error) {
	b.record("login")
	b.mu.Lock()
	gate := b.LoginGate
	b.mu.Unlock()
	if err := gate.Wait(ctx); err != nil {
		return api.Session{}, err
	}
	if err := b.check(p); err != nil {
		return api.Session{}, b.unfinished(p, err)
	}
	der, _ := p.CertificateDER()
	cert, _ := x509.ParseCertificate(der)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.loginCert = der
	b.n++
	status := b.Cert
	if status.NotAfter.IsZero() {
		status.NotAfter = cert.NotAfter
	}
	s := &api.Session{
		ID: fmt.Sprintf("s%d", b.n), Token: fmt.Sprintf("token-%d", b.n), State: api.SessionActive, CardGUID: p.CardGUID,
		User:  api.User{ID: cert.Subject.SerialNumber, Name: cert.Subject.CommonName},
		Roles: b.Roles, TermsRequired: b.TermsRequired, Certificate: status,
	}
	if b.TermsRequired {
		t := b.Terms
		s.Terms = &t
	}
	b.sessions[s.ID] = s
	if err := ctx.Err(); err != nil {
		// Like a real server: the session is committed, but a client that
		// gave up never hears of it.
		return api.Session{}, err
	}
	return *s, nil
}

func (b *Backend) get(t client.Ticket) (*api.Session, error) {
	s, ok := b.sessions[t.ID]
	if !ok || s.Token != t.Token {
		return nil, &client.APIError{Status: 401, Code: api.CodeUnauthenticated}
	}
	if s.State == api.SessionEnded {
		return nil, &client.APIError{Status: 401, Code: api.CodeSessionEnded}
	}
	return s, nil
}

func (b *Backend) AcceptTerms(ctx context.Context, t client.Ticket, version int) (api.Session, error) {
	b.record("terms")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailTerms != nil {
		return api.Session{}, b.FailTerms
	}
	s, err := b.get(t)
	if err != nil {
		return api.Session{}, err
	}
	s.TermsRequired, s.Terms = false, nil
	return *s, nil
}

func (b *Backend) SelectRole(ctx context.Context, t client.Ticket, roleID string) (api.Session, error) {
	b.record("role:" + roleID)
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.get(t)
	if err != nil {
		return api.Session{}, err
	}
	if s.TermsRequired {
		return api.Session{}, &client.APIError{Status: 403, Code: api.CodeTermsNotAccepted}
	}
	s.RoleID = roleID
	return *s, nil
}

func (b *Backend) Suspend(ctx context.Context, t client.Ticket) (api.Session, error) {
	b.record("suspend")
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.get(t)
	if err != nil {
		return api.Session{}, err
	}
	s.State = api.SessionSuspended
	return *s, nil
}

func (b *Backend) Resume(ctx context.Context, t client.Ticket, p api.CardProof) (api.Session, error) {
	b.record("resume")
	if err := b.check(p); err != nil {
		return api.Session{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.get(t)
	if err != nil {
		return api.Session{}, err
	}
	if s.CardGUID != p.CardGUID {
		return api.Session{}, &client.APIError{Status: 403, Code: api.CodeCardNotSessionCard}
	}
	s.State = api.SessionActive
	return *s, nil
}

// ReportPasscodeChange records the report as the call
// "passcode:<outcome>" (see Called), from a live session only.
func (b *Backend) ReportPasscodeChange(ctx context.Context, t client.Ticket, r api.PasscodeChangeReport) error {
	b.mu.Lock()
	fail := b.FailPasscode
	b.mu.Unlock()
	if fail != nil {
		b.record("passcode-failed")
		return fail
	}
	if err := r.Validate(); err != nil {
		return &client.APIError{Status: 400, Code: api.CodeInvalidRequest, Message: err.Error()}
	}
	b.mu.Lock()
	_, err := b.get(t)
	b.mu.Unlock()
	if err != nil {
		return err
	}
	b.record("passcode:" + string(r.Outcome))
	return nil
}

func (b *Backend) End(ctx context.Context, t client.Ticket) error {
	b.record("end")
	b.mu.Lock()
	delay, fail := b.EndDelay, b.FailEnd
	b.mu.Unlock()
	if fail != nil {
		return fail
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.get(t)
	if err != nil {
		return err
	}
	s.State = api.SessionEnded
	return nil
}
