package loadtest

import (
	"context"
	"fmt"
	"io"
	"runtime"
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
	// The renewal storm over the HTTPS API (APIStorm) on its own cards.
	APIStormN        int64
	APIStormWorkers  int
	APIStormDuration time.Duration
	APIStormCards    int
	CPUProfile       string // server CPU profile of the login run
	// GenCPUProfile: the load generator's own CPU profile of the storm
	// over the API (this process, not the server child).
	GenCPUProfile string
	// Seed adds BenchUser, a role and the terms (cmd/identityd-bench: the
	// demo data).
	Seed func(context.Context, *identity.Service) error
}

// Measure runs logins, no-ops and the renewal storms against db and
// writes the figures to w.
func Measure(ctx context.Context, w io.Writer, name, db string, p Params) error {
	f, err := Prepare(ctx, db, p.Cards+p.APIStormCards, p.Seed)
	if err != nil {
		return fmt.Errorf("preparing %s: %w", name, err)
	}
	loginCards, stormCards := f.Cards[:p.Cards], f.Cards[p.Cards:]
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
		srv, err := StartServer(f, ServerOptions{CPUProfile: prof})
		if err != nil {
			return err
		}
		cl := testenv.NewClients(srv.URL, f.Pin, nil)
		// Warm up connections, caches and the JIT-free but cache-cold paths.
		Run{Clients: cl, Cards: loginCards, Mode: mode, Concurrency: p.Concurrency, Duration: time.Second}.Do(ctx)
		cpu0, err := srv.CPU()
		if err != nil {
			srv.Stop()
			return err
		}
		res := Run{Clients: cl, Cards: loginCards, Mode: mode, Concurrency: p.Concurrency, Duration: p.Duration}.Do(ctx)
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

	if p.APIStormN > 0 && len(stormCards) > 0 {
		if err := measureAPIStorm(ctx, w, name, f, stormCards, p); err != nil {
			return err
		}
	}
	if p.StormN <= 0 {
		return nil
	}
	svc, err := openService(ctx, f)
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
	fmt.Fprintf(w, "%s renewal storm, direct call, no HTTP (svc.RenewCard): %d renewals (2 certificates each, CSRs checked, audited) in %v: %.0f renewals/s = %.0f certificates/s\n",
		name, st.Renewals, st.Elapsed.Round(time.Millisecond), st.Rate(), certs)
	fmt.Fprintf(w, "  bare ECDSA P-256 signing, %d goroutines, same run: %.0f signatures/s → issuance at %.2f of signing speed\n",
		p.StormWorkers, sign, certs/sign)
	fmt.Fprintf(w, "  230,000 renewals would take %v (target < 5m)\n", (time.Duration(float64(230000)/st.Rate()) * time.Second).Round(time.Second))
	return nil
}

// openService is a Service of its own on f's database (the load test's
// view of identityd, beside the server child).
func openService(ctx context.Context, f *Fixture) (*identity.Service, error) {
	cfg := config.Default()
	cfg.DB = f.DB
	return identity.New(ctx, cfg, identity.WithSecret(f.Secret), identity.WithDrivers(testenv.Drivers...))
}

// measureAPIStorm runs the renewal storm over the HTTPS API against a
// server child that lets cards renew again and again, times the crypto
// floor in the same run and writes the figures to w.
func measureAPIStorm(ctx context.Context, w io.Writer, name string, f *Fixture, cards []*testenv.Card, p Params) error {
	svc, err := openService(ctx, f)
	if err != nil {
		return err
	}
	rcs := make([]*RenewalCard, len(cards))
	for i, c := range cards {
		mgmt, err := svc.MgmtKey(ctx, c.GUID) // the software card's own key, as a real card holds it
		if err != nil {
			svc.Close()
			return err
		}
		rcs[i] = &RenewalCard{Card: c, Mgmt: mgmt}
	}
	svc.Close()
	keys, err := NewRenewalKeys(64)
	if err != nil {
		return err
	}
	prof := ""
	if p.CPUProfile != "" {
		prof = p.CPUProfile + ".renewals"
	}
	srv, err := StartServer(f, ServerOptions{CPUProfile: prof, Renewals: true})
	if err != nil {
		return err
	}
	cl := testenv.NewClients(srv.URL, f.Pin, nil)
	storm := APIStorm{Clients: cl, Cards: rcs, CSRs: keys, N: p.APIStormN, Workers: p.APIStormWorkers, Duration: p.APIStormDuration}
	logins, err := storm.LoginAll(ctx)
	var res APIStormResult
	var split0, split1 cpuSplit
	if err == nil {
		split0, err = readCPUSplit(srv)
	}
	if err == nil {
		res, err = profiled(p.GenCPUProfile, func() (APIStormResult, error) { return storm.Do(ctx) })
	}
	if err == nil {
		split1, err = readCPUSplit(srv)
	}
	cl.CloseIdleConnections()
	if serr := srv.Stop(); err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("%s renewal storm over the API: %w", name, err)
	}
	used := split1.sub(split0)
	b := srv.Batches
	floor, err := MeasureCryptoFloor(keys, 2*time.Second)
	if err != nil {
		return err
	}
	perRenewal := used.server / time.Duration(max(res.Renewals, 1))
	fmt.Fprintf(w, "%s renewal storm over the HTTPS API (the agent's client, %d workstations, %d software cards, %d requests a renewal: open, card-auth ×3, record ×2, certificates, challenge, complete):\n",
		name, p.APIStormWorkers, len(rcs), RequestsPerRenewal)
	fmt.Fprintf(w, "  %d renewals in %v: %.0f renewals/s, p50 %v, p99 %v; server CPU %.2fs → %v a renewal\n",
		res.Renewals, res.Elapsed.Round(time.Millisecond), res.Rate(), res.P50.Round(10*time.Microsecond), res.P99.Round(10*time.Microsecond),
		used.server.Seconds(), perRenewal.Round(time.Microsecond))
	used.report(w, res.Renewals)
	if b.Batches > 0 {
		fmt.Fprintf(w, "  group commit (the whole server run, logins too): %d write transactions in %d commits, %.1f a commit, the largest %d\n",
			b.Functions, b.Batches, float64(b.Functions)/float64(b.Batches), b.Largest)
	}
	fmt.Fprintf(w, "  logins first (one session a card, reused for each of its renewals; not in the storm's time): %d in %v, %.0f/s\n",
		logins.Ops, logins.Elapsed.Round(time.Millisecond), logins.Rate())
	fmt.Fprintf(w, "  crypto floor, same run, %d goroutines: 2 CSR checks + 2 certificate signatures + 1 proof verification = %v CPU a renewal (+%v a login) → %.0f renewals/s; the storm reached %.2f of it (server CPU: %.2f)\n",
		runtime.GOMAXPROCS(0), floor.PerRenewal.Round(time.Microsecond), floor.PerLogin.Round(time.Microsecond), floor.Rate,
		res.Rate()/floor.Rate, float64(floor.PerRenewal)/float64(perRenewal))
	projected := time.Duration(230000 / res.Rate() * float64(time.Second))
	withLogins := projected + time.Duration(230000/logins.Rate()*float64(time.Second))
	fmt.Fprintf(w, "  230,000 renewals over the API would take %v on this machine (target < 5m); with a login each %v; the crypto floor alone %v\n",
		projected.Round(time.Second), withLogins.Round(time.Second), time.Duration(230000/floor.Rate*float64(time.Second)).Round(time.Second))
	return nil
}
