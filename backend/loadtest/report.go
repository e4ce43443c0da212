package loadtest

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// Params of a full measurement on one store.
type Params struct {
	Cards         int
	Concurrency   int
	Duration      time.Duration
	StormN        int64
	StormWorkers  int
	StormDuration time.Duration
	CPUProfile    string // server CPU profile of the login run
	// Seed adds BenchUser, a role and the terms (cmd/identityd-bench: the
	// demo data).
	Seed func(context.Context, *identity.Service) error
}

// Measure runs logins, no-ops and the renewal storm against db and writes
// the figures to w.
func Measure(ctx context.Context, w io.Writer, name, db string, p Params) error {
	f, err := Prepare(ctx, db, p.Cards, p.Seed)
	if err != nil {
		return fmt.Errorf("preparing %s: %w", name, err)
	}
	type phase struct {
		mode Mode
		res  Result
		cpu  time.Duration
	}
	var phases []phase
	for _, mode := range []Mode{ModeLogin, ModeNoop} {
		prof := ""
		if mode == ModeLogin {
			prof = p.CPUProfile
		}
		srv, err := StartServer(f, prof)
		if err != nil {
			return err
		}
		cl := testenv.NewClients(srv.URL, f.Pin, nil)
		// Warm up connections, caches and the JIT-free but cache-cold paths.
		Run{Clients: cl, Cards: f.Cards, Mode: mode, Concurrency: p.Concurrency, Duration: time.Second}.Do(ctx)
		cpu0, err := srv.CPU()
		if err != nil {
			srv.Stop()
			return err
		}
		res := Run{Clients: cl, Cards: f.Cards, Mode: mode, Concurrency: p.Concurrency, Duration: p.Duration}.Do(ctx)
		cpu1, err := srv.CPU()
		cl.CloseIdleConnections()
		if serr := srv.Stop(); err == nil {
			err = serr
		}
		if err != nil {
			return err
		}
		if res.Errors > 0 {
			return fmt.Errorf("%s %s: %d errors, first: %v", name, mode, res.Errors, res.FirstErr)
		}
		phases = append(phases, phase{mode, res, cpu1 - cpu0})
	}
	login, noop := phases[0], phases[1]
	perCore := func(ph phase) float64 { return float64(ph.res.Ops) / ph.cpu.Seconds() }
	fmt.Fprintf(w, "%s logins (challenge+session+role, %d clients, loopback HTTPS):\n  %v\n  server CPU %.2fs → %.0f logins/s per core\n",
		name, p.Concurrency, login.res, login.cpu.Seconds(), perCore(login))
	fmt.Fprintf(w, "%s no-op GET /v1/ping (same generator):\n  %v\n  server CPU %.2fs → %.0f requests/s per core\n",
		name, noop.res, noop.cpu.Seconds(), perCore(noop))
	fmt.Fprintf(w, "%s login efficiency: per core %.2f, wall %.2f of (no-op rate ÷ %d requests per login)\n",
		name, perCore(login)/(perCore(noop)/RequestsPerLogin), login.res.Rate()/(noop.res.Rate()/RequestsPerLogin), RequestsPerLogin)

	if p.StormN <= 0 {
		return nil
	}
	cfg := config.Default()
	cfg.DB = db
	svc, err := identity.New(ctx, cfg, identity.WithSecret(f.Secret), identity.WithDrivers(testenv.Drivers...))
	if err != nil {
		return err
	}
	defer svc.Close()
	csrs, err := NewCSRPairs(32)
	if err != nil {
		return err
	}
	guids := make([][]byte, len(f.Cards))
	for i, c := range f.Cards {
		guids[i] = c.GUID
	}
	sign := SignRate(p.StormWorkers, 2*time.Second)
	st, err := Storm(ctx, svc, guids, csrs, p.StormN, p.StormWorkers, p.StormDuration)
	if err != nil {
		return err
	}
	certs := 2 * st.Rate()
	fmt.Fprintf(w, "%s renewal storm: %d renewals (2 certificates each, CSRs checked, audited) in %v: %.0f renewals/s = %.0f certificates/s\n",
		name, st.Renewals, st.Elapsed.Round(time.Millisecond), st.Rate(), certs)
	fmt.Fprintf(w, "  bare ECDSA P-256 signing, %d goroutines, same run: %.0f signatures/s → issuance at %.2f of signing speed\n",
		p.StormWorkers, sign, certs/sign)
	fmt.Fprintf(w, "  230,000 renewals would take %v (target < 5m)\n", (time.Duration(float64(230000)/st.Rate()) * time.Second).Round(time.Second))
	return nil
}
