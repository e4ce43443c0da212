package testenv

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// Clients hands out the agent's protocol client (package client) for one
// backend, one per workstation id, since a client sends its id with every
// call. Each is made on first use and kept; each makes one request per call
// (no retries) within 30 s.
type Clients struct {
	base, pin string
	contract  *Contract // nil: exchanges are not checked

	mu    sync.Mutex
	byWS  map[string]*client.Client
	pools []interface{ CloseIdleConnections() }
}

// NewClients is Clients for the backend at base whose CA has fingerprint
// pin; with contract set every exchange is checked against it
// (CheckingTransport).
func NewClients(base, pin string, contract *Contract) *Clients {
	return &Clients{base: base, pin: pin, contract: contract, byWS: map[string]*client.Client{}}
}

// For is the client of workstation ws. It panics if the client refuses the
// configuration (an empty ws): a mistake in the test, not in the backend.
func (cs *Clients) For(ws string) *client.Client {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.byWS[ws]; ok {
		return c
	}
	c, err := client.New(client.Config{
		BaseURL: cs.base, CAPin: cs.pin, WorkstationID: ws,
		Timeout: 30 * time.Second, Retries: -1,
		WrapTransport: cs.wrap, // called here, under cs.mu
	})
	if err != nil {
		panic(fmt.Sprintf("testenv: a client for workstation %q: %v", ws, err))
	}
	cs.byWS[ws] = c
	return c
}

func (cs *Clients) wrap(rt http.RoundTripper) http.RoundTripper {
	if p, ok := rt.(interface{ CloseIdleConnections() }); ok {
		cs.pools = append(cs.pools, p)
	}
	if cs.contract == nil {
		return rt
	}
	return &CheckingTransport{Next: rt, Contract: cs.contract}
}

// CloseIdleConnections closes every client's idle connections.
func (cs *Clients) CloseIdleConnections() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, p := range cs.pools {
		p.CloseIdleConnections()
	}
}

// Ticket is what the client needs of session s for the calls on it.
func Ticket(s api.Session) client.Ticket { return client.Ticket{ID: s.ID, Token: s.Token} }

// Prove signs a challenge with the card as the agent does at login.
func Prove(card *Card, ch api.Challenge, ws string) (api.CardProof, error) {
	return ProveWith(card, ch, ws, api.LoginDigest)
}

// ProveWith is Prove for a signature over digestOf's digest
// (api.QuestionsDigest registers security questions).
func ProveWith(card *Card, ch api.Challenge, ws string, digestOf func(nonce []byte, ws string, guid []byte) []byte) (api.CardProof, error) {
	nonce, err := base64.RawURLEncoding.DecodeString(ch.Nonce)
	if err != nil {
		return api.CardProof{}, err
	}
	sig, err := card.Key.Sign(rand.Reader, digestOf(nonce, ws, card.GUID), crypto.SHA256)
	if err != nil {
		return api.CardProof{}, err
	}
	return api.CardProof{
		Nonce: ch.Nonce, WorkstationID: ws, CardGUID: api.FormatCardGUID(card.GUID),
		Certificate: base64.StdEncoding.EncodeToString(card.Cert.Raw),
		Signature:   base64.StdEncoding.EncodeToString(sig),
	}, nil
}

// Login logs card in through cl as the agent does: a challenge for cl's
// workstation, the card's proof over it, a session.
func Login(ctx context.Context, cl *client.Client, card *Card) (api.Session, error) {
	ch, err := cl.Challenge(ctx)
	if err != nil {
		return api.Session{}, err
	}
	p, err := Prove(card, ch, cl.WorkstationID())
	if err != nil {
		return api.Session{}, err
	}
	return cl.Login(ctx, p)
}
