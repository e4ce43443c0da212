// Command cardagent is the desktop smartcard agent: with no command it
// shows the window; `login --no-gui` runs the same journey in a terminal;
// `doctor` diagnoses the workstation.
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
	"strings"
	"syscall"
	"time"

	"github.com/cardagent/cardagent/client"
	_ "github.com/cardagent/cardagent/cmd/cardagent/internal/locale" // before Fyne reads the locale
	"github.com/cardagent/cardagent/cmd/cardagent/internal/wiring"
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
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		fmt.Fprintln(os.Stderr, "cardagent:", err)
		os.Exit(exit.code)
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
  cardagent [flags]                       the desktop agent (embedded demo backend unless --backend)
  cardagent login --no-gui [--role NAME]  log in from a terminal and print the session as JSON
  cardagent renew --no-gui [--role NAME]  log in, renew the card's certificates (asks the passcode again), log out
  cardagent passcode --no-gui             log in, change the passcode (current, then the new one twice), log out
  cardagent unlock --no-gui               unlock a blocked card: a code is emailed, then the new passcode twice
  cardagent questions --no-gui            log in, register security questions (four, then the passcode and an emailed code), log out
  cardagent admin unlock --no-gui --identity-checked --reason TEXT [--role NAME]
                                          log in as an LSA or RA, unlock the card in the other reader face to face
                                          (its holder types the new passcode twice), log out
  cardagent admin repair --no-gui --identity-checked --reason TEXT [--role NAME]
                                          log in as an RA, repair the card in the other reader: new passcode (typed
                                          twice by its holder), new keys and certificates; log out
  cardagent admin renew --no-gui --identity-checked --reason TEXT [--role NAME]
                                          log in as an RA or sponsor, renew the certificates of the card in the other
                                          reader (its holder types their passcode), log out
  cardagent admin cancel --no-gui --confirm --reason TEXT [--role NAME]
                                          log in as an RA, cancel the card in the other reader for good, log out
  cardagent admin enrol --no-gui --user UUID --identity-checked --reason TEXT [--reader NAME] [--role NAME]
                                          log in as an RA (in reader NAME), issue the factory-fresh card in the other
                                          reader to user UUID (its holder types the new passcode twice), log out
  cardagent admin positions --no-gui --user UUID [--grant ROLE | --end POSITION [--last-day YYYY-MM-DD]]
              [--identity-checked --reason TEXT] [--role NAME]
                                          log in as an RA or sponsor, list the user's positions in your organisation,
                                          grant one or end one (no card needed but your own), log out
  cardagent admin audit --no-gui [--user UUID] [--card GUID] [--admin UUID] [--from DAY] [--to DAY] [--pages N]
                                          log in as an RA, print the audit records of a user, card or administrator
                                          (a JSON object a line, newest first) and the chain's last verification, log out
  cardagent ticket --audience NAME [--json]
                                          print the running agent's ticket (a signed assertion, 5 minutes) for
                                          application NAME; exit status 3 locked, 4 no session, 5 no agent
  cardagent doctor [--json]               check pcscd, readers and cards, and say how to fix problems
  cardagent version

Flags: --backend URL --ca-pin SHA256 --mode normal|persist --reader NAME --workstation ID
       --config FILE --log-level LEVEL --trace-apdus --no-demo-card --card-timeout 10s
`

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(os.Stderr, usage, version)
			return flag.ErrHelp
		}
		return runGUI(ctx, args)
	}
	switch args[0] {
	case "login", "renew", "passcode", "unlock", "questions":
		return runTerminal(ctx, args[0], args[1:], os.Stdin, stdout, os.Stderr)
	case "admin":
		if len(args) > 1 && (args[1] == "unlock" || args[1] == "repair" || args[1] == "renew" || args[1] == "cancel" || args[1] == "enrol" ||
			args[1] == "positions" || args[1] == "audit") {
			return runTerminal(ctx, "admin "+args[1], args[2:], os.Stdin, stdout, os.Stderr)
		}
	case "doctor":
		return runDoctor(ctx, args[1:], stdout)
	case "ticket":
		return runTicket(ctx, args[1:], stdout)
	case "version":
		_, err := fmt.Fprintln(stdout, version)
		return err
	}
	fmt.Fprintf(os.Stderr, usage, version)
	return flag.ErrHelp
}

func runDoctor(ctx context.Context, args []string, stdout io.Writer) error {
	var asJSON bool
	c, _, err := wiring.LoadConfig("doctor", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	})
	if err != nil {
		return err
	}
	report := doctor.Run(ctx, time.Now())
	if c.BackendURL != "" {
		backend, err := client.New(client.Config{BaseURL: c.BackendURL, CAPin: c.CAPin, WorkstationID: c.WorkstationID, Retries: -1})
		if err != nil {
			return err
		}
		report.AddBackend(doctor.CheckBackend(ctx, backend, c.BackendURL, 5*time.Second))
	}
	if asJSON {
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
