// Command identityd is cardagent's reference identity backend: card login,
// sessions, roles, terms, certificate status and a hash-chained audit log,
// on SQLite (default) or PostgreSQL.
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
)

const usage = `usage: identityd <command> [flags]

commands:
  serve          serve the HTTPS API (prints the CA fingerprint to pin)
  migrate        apply the embedded database migrations
  demo           seed demo organisations, users, roles and terms (and demo cards with -card-dir)
  user           add | list
  role           add-org | grant | list
  card           enrol | cancel | lock | list
  terms          publish FILE
  audit          verify
  ca             fingerprint | cert

every command takes the store and secret flags (-db, -data-dir, -secret-file, …);
run "identityd <command> -h" for them.
`

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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"serve": serve, "migrate": migrate, "demo": demoCmd, "user": user, "role": role,
		"card": card, "terms": terms, "audit": auditCmd, "ca": caCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd(ctx, args[1:], stdout, stderr)
}
