package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/httpapi"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/server"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := command("serve", args, stderr, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	svc, err := open(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer svc.Close()
	tlsCfg, err := svc.ServerTLS(cfg.TLSHosts)
	if err != nil {
		return fmt.Errorf("issuing the server certificate: %w", err)
	}
	h := httpapi.New(svc, httpapi.WithLogger(log), httpapi.WithRequestTimeout(cfg.RequestTimeout),
		httpapi.WithTrustedProxies(cfg.TrustedProxies))
	srv, err := server.Listen(cfg.Listen, h, tlsCfg, cfg.ShutdownTimeout, log)
	if err != nil {
		return err
	}
	msrv, err := metricsListener(cfg, h, log)
	if err != nil {
		return err
	}
	kind, _, _ := cfg.Store()
	fmt.Fprintf(stdout, "identityd listening on https://%s (store %s)\nCA fingerprint (SHA-256, to be pinned by agents): %s\n",
		srv.Addr(), kind, svc.CA().Fingerprint())
	log.Info("serving", "addr", srv.Addr(), "store", kind)
	go svc.RunSweeper(ctx, cfg.SweepInterval)
	if msrv == nil {
		return srv.Serve(ctx) // nil after a clean shutdown (http.ErrServerClosed)
	}
	fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", msrv.Addr())
	mdone := make(chan error, 1)
	go func() { mdone <- msrv.Serve(ctx) }()
	err = srv.Serve(ctx)
	return errors.Join(err, <-mdone)
}

// metricsListener binds /metrics on its own plain-HTTP listener. The
// default loopback port may be taken (another identityd on this host):
// then serve without metrics and say so; an address the operator chose
// must bind.
func metricsListener(cfg config.Config, h *httpapi.Handler, log *slog.Logger) (*server.Server, error) {
	if cfg.MetricsListen == "off" {
		return nil, nil
	}
	msrv, err := server.Listen(cfg.MetricsListen, h.Metrics(), nil, cfg.ShutdownTimeout, log)
	if err != nil && cfg.MetricsListen == config.DefaultMetricsListen {
		log.Warn("serving without metrics: the default metrics address is taken (set --metrics-listen)", "err", err)
		return nil, nil
	}
	return msrv, err
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	always := func(cfg *config.Config, _ []string) error { cfg.Migrate = true; return nil }
	return withService(ctx, "migrate", args, stderr, nil, always, func(*identity.Service) error {
		_, err := fmt.Fprintln(stdout, "migrations current")
		return err
	})
}
