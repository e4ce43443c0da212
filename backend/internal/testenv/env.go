// Package testenv starts identityd in-process over real loopback HTTPS for
// tests and the load generator, enrols software "cards" (a crypto.Signer per
// card, standing in for the PIV slot 9A key) and hands out the agent's own
// protocol client (package client) to speak to it.
package testenv

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/metrics"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/server"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/postgres"
	"github.com/cardagent/cardagent/backend/store/sqlite"
	"github.com/cardagent/cardagent/client"
)

// Options for Start.
type Options struct {
	DB     string       // sqlite:PATH or postgres://…
	Secret *secret.Root // shared by instances on one database
	Clock  func() time.Time
	Log    *slog.Logger // default: discard
	// Configure adjusts identityd's configuration (policy, timeouts).
	Configure func(*config.Config)
	// Codes delivers unlock codes (default: none, so no self-service unlock).
	Codes identity.CodeSender
}

// Env is one running identityd instance and the clients for it. Every
// exchange of either, the protocol client's and HTTP's, is checked against
// api/openapi.yaml.
type Env struct {
	URL        string // https://127.0.0.1:PORT
	MetricsURL string // http://127.0.0.1:PORT/metrics
	Svc        *identity.Service
	Store      store.Store // the service's store, for tests that read or tamper with rows
	// HTTP is plain net/http trusting the instance's CA, for requests the
	// protocol client never sends: malformed bodies, odd headers.
	HTTP    *http.Client
	clients *Clients
	running *server.Running
}

// Client is the agent's protocol client for workstation ws (Clients.For).
func (e *Env) Client(ws string) *client.Client { return e.clients.For(ws) }

// Drivers are the stores the tests run on.
var Drivers = []store.Driver{sqlite.Driver, postgres.Driver}

// OpenStore opens the store db names (sqlite:PATH or postgres://…) with
// one of Drivers.
func OpenStore(ctx context.Context, db string) (store.Store, error) {
	cfg := config.Config{DB: db}
	kind, loc, err := cfg.Store()
	if err != nil {
		return nil, err
	}
	for _, d := range Drivers {
		if d.Kind == kind {
			return d.Open(ctx, loc)
		}
	}
	return nil, fmt.Errorf("testenv: no driver for %s", kind)
}

// Start serves a fresh instance on a free loopback port, as `identityd
// serve` does (server.Start, with metrics).
func Start(ctx context.Context, o Options) (*Env, error) {
	root := o.Secret
	if root == nil {
		root = secret.Generate()
	}
	cfg := config.Default()
	cfg.DB = o.DB
	cfg.Listen, cfg.MetricsListen = "127.0.0.1:0", "127.0.0.1:0"
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	opts := []identity.Option{identity.WithLogger(log), identity.WithSecret(root), identity.WithStore(st)}
	if o.Clock != nil {
		opts = append(opts, identity.WithClock(o.Clock))
	}
	if o.Codes != nil {
		opts = append(opts, identity.WithCodeSender(o.Codes))
	}
	svc, err := identity.New(ctx, cfg, opts...)
	if err != nil {
		st.Close()
		return nil, err
	}
	fail := func(err error) (*Env, error) {
		svc.Close()
		st.Close()
		return nil, err
	}
	// Every exchange of the tests is checked against api/openapi.yaml.
	contract, err := LoadContract()
	if err != nil {
		return fail(err)
	}
	run, err := server.Start(context.Background(), svc, cfg, server.Options{Log: log, Metrics: metrics.New()})
	if err != nil {
		return fail(err)
	}
	e := &Env{URL: "https://" + run.Addr, Svc: svc, Store: st, running: run}
	if run.MetricsAddr != "" {
		e.MetricsURL = "http://" + run.MetricsAddr + "/metrics"
	}
	e.clients = NewClients(e.URL, svc.CA().Fingerprint(), contract)
	tr := &http.Transport{
		TLSClientConfig:     svc.ClientTLS(),
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	e.HTTP = &http.Client{Transport: &CheckingTransport{Next: tr, Contract: contract}, Timeout: 30 * time.Second}
	return e, nil
}

// Close stops the server gracefully and closes the service.
func (e *Env) Close() error {
	// Idle client connections first: a connection the pool dialled but
	// never used looks new to the server, and Shutdown waits for those.
	e.clients.CloseIdleConnections()
	e.HTTP.CloseIdleConnections()
	return errors.Join(e.running.Close(), e.Svc.Close(), e.Store.Close())
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
