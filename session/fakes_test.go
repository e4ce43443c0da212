package session

import (
	"context"

	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"

	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/vcard"
)

// These fakes let the state machine be tested without pcscd or identityd.
// The real chain (pcscd + vpcd + vcard + identityd) is tested in e2e/.

// vcardConn is an in-process vcard behind the CardConn interface.
type vcardConn struct {
	card   *vcard.Card
	mu     sync.Mutex
	pulled bool
	apdus  int

	// pullOn, if set, pulls the card when it receives an APDU with this INS
	// (and data): the card leaves in the middle of that command.
	pullOn  byte
	onPull  func()
	didPull bool

	resetAtEnd bool
	resets     int // transactions ended with a reset
}

func (c *vcardConn) Transmit(cmd []byte) ([]byte, error) {
	c.mu.Lock()
	if c.pulled {
		c.mu.Unlock()
		return nil, &reader.Error{Op: "sending to the card", Kind: reader.ErrRemoved}
	}
	c.apdus++
	if c.pullOn != 0 && !c.didPull && len(cmd) > 5 && cmd[1] == c.pullOn {
		c.didPull, c.pulled = true, true
		c.mu.Unlock()
		c.onPull()
		return nil, &reader.Error{Op: "sending to the card", Kind: reader.ErrRemoved}
	}
	c.mu.Unlock()
	return c.card.Transmit(cmd)
}

func (c *vcardConn) Do(ctx context.Context, fn func(apdu.Transmitter) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := fn(c)
	c.mu.Lock()
	reset := c.resetAtEnd
	c.resetAtEnd = false
	if reset && !c.pulled {
		c.resets++
		c.card.Reset()
	}
	c.mu.Unlock()
	return err
}

// ResetAtEnd plays reader.Card's: the transaction ends with a card reset.
func (c *vcardConn) ResetAtEnd() {
	c.mu.Lock()
	c.resetAtEnd = true
	c.mu.Unlock()
}

func (c *vcardConn) ATR() []byte { return c.card.ATR() }

// Close resets the card, as reader.Card's does.
func (c *vcardConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pulled {
		c.card.Reset()
	}
	return nil
}

func (c *vcardConn) pull() {
	c.mu.Lock()
	c.pulled = true
	c.mu.Unlock()
	c.card.Reset()
}

// testCard is an enrolled virtual card: a P-256 key and certificate in 9A.
type testCard struct {
	card *vcard.Card
	conn *vcardConn
	cert *x509.Certificate
}

func newTestCard(t *testing.T, name, uuid string, notAfter time.Time) *testCard {
	t.Helper()
	return newTestCardWith(t, vcard.Options{}, name, uuid, notAfter)
}

// newTestCardWith is newTestCard on a card made with opts; its certificate
// comes from the fake backend's CA.
func newTestCardWith(t *testing.T, opts vcard.Options, name, uuid string, notAfter time.Time) *testCard {
	t.Helper()
	ca, caKey := testCA()
	return makeTestCard(t, opts, name, uuid, notAfter, ca, caKey)
}

// newRogueCard is a card someone made themselves: a self-signed certificate
// in another person's name.
func newRogueCard(t *testing.T, name, uuid string) *testCard {
	t.Helper()
	return makeTestCard(t, vcard.Options{}, name, uuid, twoYears, nil, nil)
}

// makeTestCard issues the 9A certificate from issuer (nil: self-signed).
func makeTestCard(t *testing.T, opts vcard.Options, name, uuid string, notAfter time.Time, issuer *x509.Certificate, issuerKey crypto.Signer) *testCard {
	t.Helper()
	card, err := vcard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name, SerialNumber: uuid},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: notAfter,
	}
	if issuer == nil {
		issuer, issuerKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Provision(0x9A, key, der); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCard{card: card, conn: &vcardConn{card: card}, cert: cert}
}

var (
	testCAOnce sync.Once
	testCACert *x509.Certificate
	testCAKey  *ecdsa.PrivateKey
)

// testCA is the fake backend's CA, made once per test binary.
func testCA() (*x509.Certificate, crypto.Signer) {
	testCAOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "session test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			panic(err)
		}
		testCACert, _ = x509.ParseCertificate(der)
		testCAKey = key
	})
	return testCACert, testCAKey
}

// fakeBackend plays identityd's protocol and checks the card's signatures
// for real (the digest of api.LoginDigest, the certificate's key).
type fakeBackend struct {
	mu            sync.Mutex
	roles         []api.Role
	termsRequired bool
	cert          api.CertificateStatus
	nonces        map[string]bool
	sessions      map[string]*api.Session
	calls         []string
	failChallenge error
	failPolicy    error
	policyGate    chan struct{} // when set, Policy waits for it to close
	policyServed  bool
	noCA          bool
	failTerms     error
	slp           bool
	loginDelay    chan struct{} // when set, Login waits for it to close
	endDelay      time.Duration
	failEnd       error // End answers this (the backend is down)
	n             int
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		roles: []api.Role{
			{ID: "r1", Name: "Clinical Practitioner", OrganisationID: "RX1", OrganisationName: "Riverside Hospital"},
			{ID: "r2", Name: "Nurse", OrganisationID: "GP2", OrganisationName: "Hillside Surgery"},
		},
		cert:     api.CertificateStatus{DaysLeft: 400},
		nonces:   map[string]bool{},
		sessions: map[string]*api.Session{},
	}
}

// set changes the fake's knobs while the agent may be calling it.
func (b *fakeBackend) set(f func(b *fakeBackend)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b)
}

func (b *fakeBackend) record(call string) {
	b.mu.Lock()
	b.calls = append(b.calls, call)
	b.mu.Unlock()
}

func (b *fakeBackend) called(call string) int {
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

func (b *fakeBackend) WorkstationID() string { return "ws-test" }

// CA is known once the policy has been fetched, as with the real client
// (whose first TLS handshake shows it), unless noCA says it never is.
func (b *fakeBackend) CA() *x509.Certificate {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.noCA || !b.policyServed {
		return nil
	}
	ca, _ := testCA()
	return ca
}

func (b *fakeBackend) Policy(context.Context) (api.Policy, error) {
	b.record("policy")
	b.mu.Lock()
	gate := b.policyGate
	b.mu.Unlock()
	if gate != nil {
		<-gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failPolicy != nil {
		return api.Policy{}, b.failPolicy
	}
	b.policyServed = true
	return api.Policy{PasscodeMinLength: 6, PasscodeMaxLength: 8, SessionLockPersistence: b.slp}, nil
}

func (b *fakeBackend) Challenge(ctx context.Context) (api.Challenge, error) {
	b.record("challenge")
	b.mu.Lock()
	fail := b.failChallenge
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

func (b *fakeBackend) check(p api.CardProof) error {
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
	digest := api.LoginDigest(nonce, p.WorkstationID, guid)
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), digest, sig) {
		return &client.APIError{Status: 401, Code: api.CodeSignatureInvalid}
	}
	return nil
}

func (b *fakeBackend) Login(ctx context.Context, p api.CardProof) (api.Session, error) {
	b.record("login")
	b.mu.Lock()
	delay := b.loginDelay
	b.mu.Unlock()
	if delay != nil {
		<-delay
	}
	if err := b.check(p); err != nil {
		return api.Session{}, err
	}
	der, _ := p.CertificateDER()
	cert, _ := x509.ParseCertificate(der)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	s := &api.Session{
		ID: fmt.Sprintf("s%d", b.n), Token: fmt.Sprintf("token-%d", b.n), State: api.SessionActive, CardGUID: p.CardGUID,
		User:  api.User{ID: cert.Subject.SerialNumber, Name: cert.Subject.CommonName},
		Roles: b.roles, TermsRequired: b.termsRequired, Certificate: b.cert,
	}
	if b.termsRequired {
		s.Terms = &api.Terms{Version: 3, Text: "Never share your smartcard or passcode."}
	}
	b.sessions[s.ID] = s
	if err := ctx.Err(); err != nil {
		// Like a real server: the session is committed, but a client that
		// gave up never hears of it.
		return api.Session{}, err
	}
	return *s, nil
}

// state is the backend's view of session id ("" if it never opened).
func (b *fakeBackend) state(id string) api.SessionState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.sessions[id]; ok {
		return s.State
	}
	return ""
}

func (b *fakeBackend) get(t client.Ticket) (*api.Session, error) {
	s, ok := b.sessions[t.ID]
	if !ok || s.Token != t.Token {
		return nil, &client.APIError{Status: 401, Code: api.CodeUnauthenticated}
	}
	if s.State == api.SessionEnded {
		return nil, &client.APIError{Status: 401, Code: api.CodeSessionEnded}
	}
	return s, nil
}

func (b *fakeBackend) AcceptTerms(ctx context.Context, t client.Ticket, version int) (api.Session, error) {
	b.record("terms")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failTerms != nil {
		return api.Session{}, b.failTerms
	}
	s, err := b.get(t)
	if err != nil {
		return api.Session{}, err
	}
	s.TermsRequired, s.Terms = false, nil
	return *s, nil
}

func (b *fakeBackend) SelectRole(ctx context.Context, t client.Ticket, roleID string) (api.Session, error) {
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

func (b *fakeBackend) Suspend(ctx context.Context, t client.Ticket) (api.Session, error) {
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

func (b *fakeBackend) Resume(ctx context.Context, t client.Ticket, p api.CardProof) (api.Session, error) {
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

func (b *fakeBackend) End(ctx context.Context, t client.Ticket) error {
	b.record("end")
	b.mu.Lock()
	delay, fail := b.endDelay, b.failEnd
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

// memTickets is a TicketStore in memory.
type memTickets struct {
	mu      sync.Mutex
	t       *StoredTicket
	ops     []string
	pending []PendingEnd
}

func (m *memTickets) Load() (StoredTicket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t == nil {
		return StoredTicket{}, errors.New("not found")
	}
	return *m.t, nil
}

func (m *memTickets) SavePending(list []PendingEnd) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append([]PendingEnd(nil), list...)
	return nil
}

func (m *memTickets) LoadPending() ([]PendingEnd, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]PendingEnd(nil), m.pending...), nil
}

func (m *memTickets) pendingIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, p := range m.pending {
		ids = append(ids, p.SessionID)
	}
	return ids
}

func (m *memTickets) Save(t StoredTicket) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = &t
	m.ops = append(m.ops, "save")
	return nil
}

func (m *memTickets) Delete() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = nil
	m.ops = append(m.ops, "delete")
	return nil
}

func (m *memTickets) get() *StoredTicket {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

var errDown = fmt.Errorf("%w: connection refused", client.ErrUnreachable)

func apduEncode(tag uint32, v []byte) []byte { return apdu.Encode(apdu.Tag(tag), v) }
