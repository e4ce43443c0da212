// Command cardagent is the desktop smartcard agent. This build has the
// diagnostic subcommand; the desktop window comes with the agent issue.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cardagent/cardagent/session/doctor"
)

var version = "dev"

// errUnusable makes the exit status 1 without printing an error: the
// report already said what is wrong.
var errUnusable = errors.New("no usable card")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, errUnusable):
		os.Exit(1)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "cardagent:", err)
		os.Exit(1)
	}
}

const usage = `cardagent %s — NHS smartcard agent

Usage:
  cardagent doctor [--json]   check pcscd, readers and cards, and say how to fix problems
  cardagent version
`

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(os.Stderr, usage, version)
		return flag.ErrHelp
	}
	switch args[0] {
	case "doctor":
		return runDoctor(ctx, args[1:], stdout)
	case "version":
		_, err := fmt.Fprintln(stdout, version)
		return err
	}
	fmt.Fprintf(os.Stderr, usage, version)
	return flag.ErrHelp
}

func runDoctor(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	report := doctor.Run(ctx, time.Now())
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else if err := report.WriteText(stdout); err != nil {
		return err
	}
	if !report.Usable {
		return errUnusable
	}
	return nil
}
