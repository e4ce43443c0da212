package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/metrics"
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
	run, err := server.Start(ctx, svc, cfg, server.Options{Log: log, Metrics: metrics.New()})
	if err != nil {
		return err
	}
	kind, _, _ := cfg.Store()
	fmt.Fprintf(stdout, "identityd listening on https://%s (store %s)\nCA fingerprint (SHA-256, to be pinned by agents): %s\n",
		run.Addr, kind, svc.CA().Fingerprint())
	if run.MetricsAddr != "" {
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", run.MetricsAddr)
	}
	log.Info("serving", "addr", run.Addr, "store", kind)
	return run.Wait() // nil after a clean shutdown (http.ErrServerClosed)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	always := func(cfg *config.Config, _ []string) error { cfg.Migrate = true; return nil }
	return withService(ctx, "migrate", args, stderr, nil, always, func(*identity.Service) error {
		_, err := fmt.Fprintln(stdout, "migrations current")
		return err
	})
}
