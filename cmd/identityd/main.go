// Command identityd is cardagent's reference identity backend: card login,
// sessions, roles, terms, certificate status and a hash-chained audit log,
// on SQLite (default) or PostgreSQL. Its subcommands are the table in
// commands.go; this file parses and runs them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/store/postgres"
	"github.com/cardagent/cardagent/backend/store/sqlite"
)

// command is one subcommand: its flags (besides the shared configuration
// flags) on a FlagSet of its own, a prepare step before the service opens,
// and run with the open service.
type command struct {
	name     string // "serve", "user add", …
	help     string
	readOnly bool // opens an existing store, secret and CA; creates nothing
	flags    func(fs *flag.FlagSet, a *args)
	prepare  func(cfg *config.Config, a *args) error
	run      func(ctx context.Context, svc *identity.Service, c *call) error
}

// call is what run sees.
type call struct {
	args
	cfg         config.Config
	stdout, log io.Writer
}

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
	cmd, argv, err := find(argv, stderr)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("identityd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &call{stdout: stdout, log: stderr}
	if cmd.flags != nil {
		cmd.flags(fs, &c.args)
	}
	if c.cfg, c.rest, err = config.Load(fs, argv, os.Getenv); err != nil {
		return err
	}
	if cmd.prepare != nil {
		if err := cmd.prepare(&c.cfg, &c.args); err != nil {
			return err
		}
	}
	opts := []identity.Option{identity.WithLogger(newLogger(c.cfg, stderr)), identity.WithDrivers(sqlite.Driver, postgres.Driver)}
	if cmd.readOnly {
		opts = append(opts, identity.ReadOnly())
	}
	svc, err := identity.New(ctx, c.cfg, opts...)
	if err != nil {
		return err
	}
	defer svc.Close()
	return cmd.run(ctx, svc, c)
}

// find picks the command named by the first one or two arguments.
func find(argv []string, stderr io.Writer) (command, []string, error) {
	for _, n := range []int{2, 1} {
		if len(argv) >= n {
			for _, cmd := range commands {
				if cmd.name == strings.Join(argv[:n], " ") {
					return cmd, argv[n:], nil
				}
			}
		}
	}
	fmt.Fprintln(stderr, "usage: identityd <command> [flags]\n\ncommands:")
	for _, cmd := range commands {
		fmt.Fprintf(stderr, "  %-16s %s\n", cmd.name, cmd.help)
	}
	fmt.Fprintln(stderr, "\nevery command takes the store and secret flags (-db, -data-dir, -secret-file, …);\nrun \"identityd <command> -h\" for them.")
	if len(argv) == 0 {
		return command{}, nil, flag.ErrHelp
	}
	return command{}, nil, fmt.Errorf("unknown command %q", strings.Join(argv[:min(2, len(argv))], " "))
}
