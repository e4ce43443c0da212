// Command identityd is cardagent's reference identity backend: card login,
// sessions, roles, terms, certificate status and a hash-chained audit log,
// on SQLite (default) or PostgreSQL. Its subcommands live in package
// backend/commands; this main links the store drivers and the demo data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/cardagent/cardagent/backend/commands"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/postgres"
	"github.com/cardagent/cardagent/backend/store/sqlite"
	"github.com/cardagent/cardagent/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "identityd:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, argv []string, stdout, stderr io.Writer) error {
	return commands.Run(ctx, argv, stdout, stderr, commands.Options{
		Drivers: []store.Driver{sqlite.Driver, postgres.Driver},
		Demo:    commands.Demo{Seed: demo.Seed, Enrol: demo.WriteEnrolments},
	})
}
