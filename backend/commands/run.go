// Package commands is identityd's command line: the subcommand table
// (table.go), each with a FlagSet of its own over the shared configuration
// flags, and Run, which picks one, opens the service and runs it. The main
// only adds the store drivers and the process's signals and exit status.
package commands

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/store"
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
	demo        Demo
	stdout, log io.Writer
}

// Options are what the binary links in: the store drivers, and the demo
// data (package demo sits beside the agent, so backend code cannot import it).
type Options struct {
	Drivers []store.Driver
	Demo    Demo
}

// Demo seeds the demo data and enrols the demo cards for `identityd demo`.
type Demo struct {
	Seed  func(context.Context, *identity.Service) error
	Enrol func(ctx context.Context, svc *identity.Service, dir string, out io.Writer) error
}

// Run runs the command named by argv's first one or two words.
func Run(ctx context.Context, argv []string, stdout, stderr io.Writer, o Options) error {
	cmd, argv, err := find(argv, stderr)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("identityd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &call{stdout: stdout, log: stderr, demo: o.Demo}
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
	opts := []identity.Option{identity.WithLogger(newLogger(c.cfg, stderr)), identity.WithDrivers(o.Drivers...)}
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

// Names lists the commands, in the table's order.
func Names() []string {
	names := make([]string, len(commands))
	for i, cmd := range commands {
		names[i] = cmd.name
	}
	return names
}
