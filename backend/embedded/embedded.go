// Package embedded runs identityd inside another process: the desktop
// agent's demo mode (`make run` with no configuration) and the tests. It
// serves the real API over HTTPS on loopback, with SQLite in a data
// directory by default and the demo data seeded.
package embedded

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/server"
	"github.com/cardagent/cardagent/backend/store/sqlite"
)

// Options for Start. The zero value with a DataDir is the demo backend.
type Options struct {
	DataDir string           // SQLite database and secret file live here
	DB      string           // overrides DataDir's SQLite: sqlite:PATH (SQLite only)
	Listen  string           // default 127.0.0.1:0 (a free loopback port)
	Secret  *secret.Root     // default: the secret file in DataDir
	Clock   func() time.Time // tests
	Log     *slog.Logger     // default: discard
	NoDemo  bool             // do not seed the demo data
	// Configure adjusts the configuration before the service opens
	// (policy, timeouts).
	Configure func(*config.Config)
}

// Backend is a running in-process identityd.
type Backend struct {
	Service *identity.Service
	URL     string // https://127.0.0.1:PORT
	run     *server.Running
}

// Start opens the service and serves it.
func Start(ctx context.Context, o Options) (*Backend, error) {
	cfg := config.Default()
	if o.DataDir != "" {
		cfg.DataDir = o.DataDir
		cfg.DB = "sqlite:" + filepath.Join(o.DataDir, "identityd.db")
		cfg.SecretFile = filepath.Join(o.DataDir, "identityd.secret")
		cfg.AuditCheckpoints = filepath.Join(o.DataDir, "audit.checkpoints")
	}
	if o.DB != "" {
		cfg.DB = o.DB
	}
	cfg.Listen = "127.0.0.1:0"
	if o.Listen != "" {
		cfg.Listen = o.Listen
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	opts := []identity.Option{identity.WithLogger(log), identity.WithDrivers(sqlite.Driver)}
	if o.Secret != nil {
		opts = append(opts, identity.WithSecret(o.Secret))
	}
	if o.Clock != nil {
		opts = append(opts, identity.WithClock(o.Clock))
	}
	svc, err := identity.New(ctx, cfg, opts...)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Backend, error) {
		svc.Close()
		return nil, err
	}
	if !o.NoDemo {
		if err := svc.SeedDemo(ctx); err != nil {
			return fail(err)
		}
	}
	run, err := server.Start(context.Background(), svc, cfg, server.Options{Log: log})
	if err != nil {
		return fail(err)
	}
	return &Backend{Service: svc, URL: "https://" + run.Addr, run: run}, nil
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
