// Command identityd-bench measures identityd (make bench): complete logins
// per second and per server core with p50/p99 over loopback HTTPS, the same
// against the no-op endpoint, a renewal storm through the renewal API over
// HTTPS against the crypto floor, and the direct-call issuance rate (no
// HTTP), on SQLite and on PostgreSQL (CARDAGENT_TEST_PG or -pg).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/cardagent/cardagent/backend/loadtest"
	"github.com/cardagent/cardagent/backend/server"
	"github.com/cardagent/cardagent/backend/store/postgres"
	"github.com/cardagent/cardagent/demo"
)

func main() {
	loadtest.MaybeServeChild() // the re-executed server process stops here
	server.TuneGC()            // the generator too: its CPU shares the machine with identityd's
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "identityd-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("identityd-bench", flag.ContinueOnError)
	p := loadtest.Params{Seed: demo.Seed}
	stores := fs.String("stores", "sqlite,postgres", "stores to measure")
	pg := fs.String("pg", os.Getenv("CARDAGENT_TEST_PG"), "PostgreSQL server DSN (a fresh database is created on it)")
	fs.IntVar(&p.Cards, "cards", 100, "software cards enrolled")
	fs.IntVar(&p.Concurrency, "concurrency", 8, "concurrent clients")
	fs.DurationVar(&p.Duration, "duration", 10*time.Second, "length of each load run")
	fs.Int64Var(&p.StormN, "storm", 20000, "renewals in the direct-call storm, no HTTP (0: skip; the full storm is 230000)")
	fs.IntVar(&p.StormWorkers, "storm-workers", 4, "parallel renewals")
	fs.DurationVar(&p.StormDuration, "storm-max", 3*time.Minute, "stop the storm after this long")
	fs.Int64Var(&p.APIStormN, "api-storm", 20000, "renewals in the storm over the HTTPS API (0: skip)")
	fs.IntVar(&p.APIStormWorkers, "api-storm-workers", 48, "workstations renewing in parallel over the API (a storm comes from many: enough that identityd's writer commits in batches)")
	fs.DurationVar(&p.APIStormDuration, "api-storm-max", time.Minute, "stop the storm over the API after this long")
	fs.IntVar(&p.APIStormCards, "api-storm-cards", 1000, "software cards the storm over the API renews (each logs in once)")
	fs.StringVar(&p.CPUProfile, "cpuprofile", "", "write the server's CPU profile of each login run to this file (store name appended; the API storm's with .renewals after it)")
	fs.StringVar(&p.GenCPUProfile, "gencpuprofile", "", "write the load generator's CPU profile of the storm over the API to this file (store name appended)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "identityd-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, name := range strings.Split(*stores, ",") {
		sp := p
		if sp.CPUProfile != "" {
			sp.CPUProfile += "." + name
		}
		if sp.GenCPUProfile != "" {
			sp.GenCPUProfile += "." + name
		}
		var db string
		switch name {
		case "sqlite":
			db = "sqlite:" + filepath.Join(tmp, "bench.db")
		case "postgres":
			if *pg == "" {
				fmt.Println("postgres: skipped (no -pg and no CARDAGENT_TEST_PG)")
				continue
			}
			dsn, drop, err := postgres.FreshDatabase(ctx, *pg)
			if err != nil {
				return err
			}
			defer drop()
			db = dsn
		default:
			return fmt.Errorf("unknown store %q", name)
		}
		if err := loadtest.Measure(ctx, os.Stdout, name, db, sp); err != nil {
			return err
		}
	}
	return nil
}
