package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"

	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/store/postgres"
	"github.com/cardagent/cardagent/backend/store/sqlite"
)

// command parses the shared configuration flags plus the command's own
// (added by extra) and returns the config and the remaining arguments.
func command(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (config.Config, []string, error) {
	fs := flag.NewFlagSet("identityd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	return config.Load(fs, args, os.Getenv)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// readOnlyCommands only read: they open an existing store, secret and CA
// and never create, migrate or audit anything.
var readOnlyCommands = map[string]bool{
	"user list": true, "role list": true, "card list": true,
	"audit verify": true, "ca fingerprint": true, "ca cert": true,
}

// open starts the service for an admin command.
func open(ctx context.Context, cfg config.Config, stderr io.Writer, opts ...identity.Option) (*identity.Service, error) {
	base := []identity.Option{identity.WithLogger(newLogger(cfg, stderr)), identity.WithDrivers(sqlite.Driver, postgres.Driver)}
	return identity.New(ctx, cfg, append(base, opts...)...)
}

// withService is every admin command's shape: parse the shared and the
// command's own flags (extra), let prepare adjust the configuration and
// check the remaining arguments, open the service, run fn, close it.
func withService(ctx context.Context, name string, args []string, stderr io.Writer,
	extra func(*flag.FlagSet), prepare func(cfg *config.Config, rest []string) error,
	fn func(svc *identity.Service) error) error {
	cfg, rest, err := command(name, args, stderr, extra)
	if err != nil {
		return err
	}
	if prepare != nil {
		if err := prepare(&cfg, rest); err != nil {
			return err
		}
	}
	var opts []identity.Option
	if readOnlyCommands[name] {
		opts = append(opts, identity.ReadOnly())
	}
	svc, err := open(ctx, cfg, stderr, opts...)
	if err != nil {
		return err
	}
	defer svc.Close()
	return fn(svc)
}
