package demo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"path/filepath"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/server"
	"github.com/cardagent/cardagent/backend/store/sqlite"
)

// Backend is identityd running inside this process: the real API over
// HTTPS on a free loopback port, SQLite in a data directory (the only store
// driver the demo links), the demo data seeded, no metrics listener.
type Backend struct {
	Service *identity.Service
	URL     string // https://127.0.0.1:PORT
	// Mailbox is the directory the demo's unlock-code emails are written
	// to, one .eml file each (there is no mail server in the demo).
	Mailbox string
	run     *server.Running
}

// StartBackend opens (or creates) the demo store, secret, CA and audit
// checkpoints in dataDir, seeds the demo data and serves it with
// server.Start, as `identityd serve` does.
func StartBackend(ctx context.Context, dataDir string, log *slog.Logger) (*Backend, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.DB = "sqlite:" + filepath.Join(dataDir, "identityd.db")
	cfg.SecretFile = filepath.Join(dataDir, "identityd.secret")
	cfg.AuditCheckpoints = filepath.Join(dataDir, "audit.checkpoints")
	cfg.Listen = "127.0.0.1:0"
	cfg.Mail.Dir = filepath.Join(dataDir, "mailbox")
	svc, err := identity.New(ctx, cfg, identity.WithLogger(log), identity.WithDrivers(sqlite.Driver))
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Backend, error) {
		svc.Close()
		return nil, err
	}
	if err := Seed(ctx, svc); err != nil {
		return fail(err)
	}
	run, err := server.Start(context.Background(), svc, cfg, server.Options{Log: log})
	if err != nil {
		return fail(err)
	}
	return &Backend{Service: svc, URL: "https://" + run.Addr, Mailbox: cfg.Mail.Dir, run: run}, nil
}

// CA is the certificate the agent pins.
func (b *Backend) CA() *x509.Certificate { return b.Service.CA().Certificate() }

// ClientTLS is a TLS configuration pinning the backend's CA.
func (b *Backend) ClientTLS() *tls.Config { return b.Service.ClientTLS() }

// Close shuts the server down gracefully and closes the store.
func (b *Backend) Close() error {
	err := b.run.Close()
	if cerr := b.Service.Close(); err == nil {
		err = cerr
	}
	return err
}
