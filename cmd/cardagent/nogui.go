package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cardagent/cardagent/cmd/cardagent/internal/wiring"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/ui/terminal"
)

// runTerminal is `cardagent login --no-gui`, `cardagent renew --no-gui`
// (log in, renew the certificates, log out) and `cardagent passcode
// --no-gui` (log in, change the passcode, log out): the terminal journey
// (package ui/terminal) over the same wiring as the window.
func runTerminal(ctx context.Context, command string, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	opts := terminal.Options{Renew: command == "renew", ChangePasscode: command == "passcode", Unlock: command == "unlock",
		Questions: command == "questions"}
	if action, ok := strings.CutPrefix(command, "admin "); ok {
		opts.Admin = session.AdminAction(action)
	}
	var noGUI bool
	c, _, err := wiring.LoadConfig(command, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&noGUI, "no-gui", false, "run in the terminal (required: the window is `cardagent` with no command)")
		fs.StringVar(&opts.Role, "role", "", "role to select (name or id); default: asked on a terminal, else the one preselected")
		fs.BoolVar(&opts.AcceptTerms, "accept-terms", false, "accept the terms and conditions if asked (needed when stdin is not a terminal)")
		fs.BoolVar(&opts.Once, "once", false, "log out again right after printing the session")
		fs.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "give up when no session is open by then")
		if opts.Admin == session.AdminActionCancel {
			fs.BoolVar(&opts.Confirmed, "confirm", false, "the card is to be cancelled for good: it can never be used again (required)")
			fs.StringVar(&opts.Reason, "reason", "", "why, recorded with your name in the audit trail (required)")
		} else if opts.Admin != "" && opts.Admin != session.AdminActionAudit {
			fs.BoolVar(&opts.IdentityChecked, "identity-checked", false, "you have seen the holder and their identity document (required; for positions, to change one)")
			fs.StringVar(&opts.Reason, "reason", "", "why, recorded with your name in the audit trail (required)")
		}
		if opts.Admin == session.AdminActionEnrol {
			fs.StringVar(&opts.UserID, "user", "", "the 12-digit UUID of the user the new card is issued to (required)")
		}
		if opts.Admin == session.AdminActionAudit {
			fs.StringVar(&opts.UserID, "user", "", "the records about the user with this 12-digit UUID")
			fs.StringVar(&opts.Card, "card", "", "the records about the card with this GUID")
			fs.StringVar(&opts.AdminID, "admin", "", "the records of what the administrator with this UUID did")
			fs.StringVar(&opts.From, "from", "", "from this day, YYYY-MM-DD")
			fs.StringVar(&opts.To, "to", "", "until the end of this day, YYYY-MM-DD")
			fs.IntVar(&opts.Pages, "pages", 1, "how many pages of 50 records to print, newest first")
		}
		if opts.Admin == session.AdminActionPositions {
			fs.StringVar(&opts.UserID, "user", "", "the 12-digit UUID of the user whose positions these are (required)")
			fs.StringVar(&opts.Grant, "grant", "", "grant this role in your organisation")
			fs.StringVar(&opts.End, "end", "", "end the position with this id (as listed)")
			fs.StringVar(&opts.LastDay, "last-day", "", "with --end: the position's last day, YYYY-MM-DD (default: it ends now)")
		}
	})
	if err != nil {
		return err
	}
	if !noGUI {
		return errors.New(command + ": use --no-gui (the window is `cardagent` without a command)")
	}
	if opts.Admin != "" {
		if err := terminal.CheckAdmin(opts); err != nil {
			return err
		}
	}
	parts, err := wiring.Wire(ctx, c)
	if err != nil {
		return err
	}
	defer parts.Start(ctx)()
	return terminal.Run(ctx, parts.Agent, opts, stdin, stdout, stderr)
}
