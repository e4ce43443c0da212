package sessiontest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/vcard"
	"github.com/cardagent/cardagent/session"
)

// Enrolment is what a card is issued with. The passcode is vcard's
// factory one, 123456 (the embedded *vcard.Card can change it).
type Enrolment struct {
	Name, UUID string    // the login certificate's subject: common name and serial number
	NotAfter   time.Time // the login certificate's end; zero: two years from now
	GUID       [16]byte  // the card id; zero: the card's own random one
	Photo      []byte    // the facial image, if any (PIV lets it be read only after the passcode)
	Options    vcard.Options
	SelfSigned bool // a card someone made themselves: not issued by the CA
	Blank      bool // a factory-fresh card: no key, no certificate
	NoPIV      bool // a card without PIV (a bank card, say): every command is 6A82
}

// Card is an enrolled software PIV card: a P-256 key and certificate in 9A.
type Card struct {
	*vcard.Card
	Cert *x509.Certificate // slot 9A (nil on a Blank card)

	noPIV bool

	mu   sync.Mutex
	conn *Conn
	hold *Gate
}

// NewCard makes a card and enrols it as e says.
func NewCard(t testing.TB, e Enrolment) *Card {
	t.Helper()
	card, err := vcard.New(e.Options)
	if err != nil {
		t.Fatal(err)
	}
	c := &Card{Card: card, noPIV: e.NoPIV}
	c.conn = &Conn{card: c}
	if e.GUID != ([16]byte{}) {
		if err := card.SetGUID(e.GUID); err != nil {
			t.Fatal(err)
		}
	}
	if e.Photo != nil {
		if err := card.PutObject(0x5FC108, apdu.Encode(0xBC, e.Photo)); err != nil {
			t.Fatal(err)
		}
	}
	if e.Blank {
		return c
	}
	notAfter := e.NotAfter
	if notAfter.IsZero() {
		notAfter = time.Now().AddDate(2, 0, 0)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: e.Name, SerialNumber: e.UUID},
		NotBefore:    notAfter.AddDate(-2, 0, 0), NotAfter: notAfter,
	}
	issuer, issuerKey := CA()
	if e.SelfSigned {
		issuer, issuerKey = tmpl, crypto.Signer(key)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Provision(0x9A, key, der); err != nil {
		t.Fatal(err)
	}
	if err := card.SetManagementKey(0x08, MgmtKey); err != nil { // AES-128, as issued
		t.Fatal(err)
	}
	c.Cert, _ = x509.ParseCertificate(der)
	return c
}

// Conn is the connection of the card's latest insertion.
func (c *Card) Conn() *Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// Hold makes the card's transactions wait for g (nil: hold none).
func (c *Card) Hold(g *Gate) {
	c.mu.Lock()
	c.hold = g
	c.mu.Unlock()
}

func (c *Card) held() *Gate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hold
}

// connect starts a new insertion: a fresh connection, counting from zero.
func (c *Card) connect() *Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = &Conn{card: c}
	return c.conn
}

// Conn is an in-process card behind the session.CardConn interface, the way
// reader.Card behaves: one transaction per Do, a reset on Close, and
// reader.ErrRemoved once the card is pulled.
type Conn struct {
	card *Card

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

var _ session.CardConn = (*Conn)(nil)

// Transmit sends one APDU to the card (apdu.Transmitter).
func (c *Conn) Transmit(cmd []byte) ([]byte, error) {
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
	if c.card.noPIV {
		return []byte{0x6A, 0x82}, nil // file or application not found
	}
	return c.card.Transmit(cmd)
}

// Do runs fn as one transaction, after the card's Hold gate opens.
func (c *Conn) Do(ctx context.Context, fn func(apdu.Transmitter) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.card.held().Wait(ctx); err != nil {
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
func (c *Conn) ResetAtEnd() {
	c.mu.Lock()
	c.resetAtEnd = true
	c.mu.Unlock()
}

func (c *Conn) ATR() []byte { return c.card.ATR() }

// Close resets the card, as reader.Card's does.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pulled {
		c.card.Reset()
	}
	return nil
}

// APDUs counts the APDUs sent on this connection.
func (c *Conn) APDUs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apdus
}

// Resets counts the transactions that ended with a card reset.
func (c *Conn) Resets() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resets
}

// PullOn makes the card leave in the middle of the first APDU with
// instruction ins (and data); onPull then reports the removal.
func (c *Conn) PullOn(ins byte, onPull func()) {
	c.mu.Lock()
	c.pullOn, c.onPull = ins, onPull
	c.mu.Unlock()
}

func (c *Conn) pull() {
	c.mu.Lock()
	c.pulled = true
	c.mu.Unlock()
	c.card.Reset()
}
