// Package testenv starts identityd in-process over real loopback HTTPS for
// tests and the load generator, enrols software "cards" (a crypto.Signer per
// card, standing in for the PIV slot 9A key) and speaks the wire protocol.
package testenv

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/embedded"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/secret"
)

// Options for Start.
type Options struct {
	DB     string       // sqlite:PATH or postgres://…
	Secret *secret.Root // shared by instances on one database
	Clock  func() time.Time
	Log    *slog.Logger // default: discard
	// Configure adjusts identityd's configuration (policy, timeouts).
	Configure func(*config.Config)
}

// Env is one running identityd instance and a client for it.
type Env struct {
	*embedded.Backend
	Svc    *identity.Service
	Client *Client
}

// Start serves a fresh instance on a free loopback port.
func Start(ctx context.Context, o Options) (*Env, error) {
	root := o.Secret
	if root == nil {
		root = secret.Generate()
	}
	b, err := embedded.Start(ctx, embedded.Options{DB: o.DB, Secret: root, Clock: o.Clock, Log: o.Log, NoDemo: true, Configure: o.Configure})
	if err != nil {
		return nil, err
	}
	// Every exchange of the tests is checked against api/openapi.yaml.
	contract, err := LoadContract()
	if err != nil {
		b.Close()
		return nil, err
	}
	cl := NewClient(b.URL, b.ClientTLS(), 64)
	cl.HTTP.Transport = &CheckingTransport{Next: cl.HTTP.Transport, Contract: contract}
	return &Env{Backend: b, Svc: b.Service, Client: cl}, nil
}

// Close stops the server gracefully and closes the service.
func (e *Env) Close() error {
	// Idle client connections first: a connection the pool dialled but
	// never used looks new to the server, and Shutdown waits for those.
	e.Client.HTTP.CloseIdleConnections()
	return e.Backend.Close()
}

// Card is a software card: a GUID and a slot 9A key with its certificate.
type Card struct {
	GUID   []byte
	Key    crypto.Signer
	Cert   *x509.Certificate
	UserID string
}

// NewKey makes a card key: ECDSA P-256, or RSA-2048 if rsaKey.
func NewKey(rsaKey bool) (crypto.Signer, error) {
	if rsaKey {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// EnrolCard enrols a new software card for userID with key.
func (e *Env) EnrolCard(ctx context.Context, userID string, key crypto.Signer) (*Card, error) {
	guid := make([]byte, 16)
	rand.Read(guid)
	pair, err := e.Svc.EnrolCard(ctx, "test", userID, guid, identity.CardKeys{Authentication: key.Public(), Signature: key.Public()})
	if err != nil {
		return nil, fmt.Errorf("enrolling card: %w", err)
	}
	return &Card{GUID: guid, Key: key, Cert: pair.Authentication, UserID: userID}, nil
}

// SeedDemo seeds the demo data and accepts the terms for every demo user, so
// logins go straight to role selection.
func (e *Env) SeedDemo(ctx context.Context) error {
	return e.Svc.SeedDemo(ctx)
}
