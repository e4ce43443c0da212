package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/localapi"
)

// Exit statuses of `cardagent ticket` a script can tell apart.
const (
	exitLocked    = 3
	exitNoSession = 4
	exitNoAgent   = 5
)

// exitError ends the process with code after printing its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// runTicket is `cardagent ticket --audience NAME`: the running agent's
// assertion for NAME on stdout, for scripts and launchers.
func runTicket(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ticket", flag.ContinueOnError)
	audience := fs.String("audience", "", "the application the ticket is for (required)")
	asJSON := fs.Bool("json", false, `print {"assertion": …, "expires_at": …} instead of the bare assertion`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *audience == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: cardagent ticket --audience NAME [--json]")
		return flag.ErrHelp
	}
	c, err := localapi.Dial()
	if err != nil {
		return fmt.Errorf("no D-Bus session bus (run it in the desktop session): %w", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t, err := c.Ticket(ctx, *audience)
	switch {
	case errors.Is(err, session.ErrSessionLocked):
		return &exitError{exitLocked, errors.New("the session is locked: insert your card and type your passcode")}
	case errors.Is(err, session.ErrNoSession):
		return &exitError{exitNoSession, errors.New("no session: log in with your smartcard first")}
	case errors.Is(err, localapi.ErrNoAgent):
		return &exitError{exitNoAgent, err}
	case err != nil:
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"assertion": t.Assertion, "expires_at": t.ExpiresAt.UTC()})
	}
	_, err = fmt.Fprintln(stdout, t.Assertion)
	return err
}
