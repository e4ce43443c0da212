package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// loginResult is what `cardagent login --no-gui` prints.
type loginResult struct {
	User         string    `json:"user"`
	UUID         string    `json:"uuid"`
	Role         string    `json:"role"`
	Organisation string    `json:"organisation"`
	Since        time.Time `json:"since"`
	Reader       string    `json:"reader"`
	ExpiryAlert  string    `json:"expiry_alert,omitempty"`
	Demo         bool      `json:"demo,omitempty"`
}

// runLogin runs the login journey in a terminal: the passcode is read
// without echo from the TTY (or a line at a time from stdin when it is not
// a terminal), the role by --role or the preselected one. The session
// stays open until the card is removed or the process is interrupted,
// unless --once logs straight out again.
func runLogin(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("login", flag.ContinueOnError)
	noGUI := fset.Bool("no-gui", false, "run in the terminal (required: the window is `cardagent` with no command)")
	role := fset.String("role", "", "role to select (name or id); default: the one preselected")
	acceptTerms := fset.Bool("accept-terms", false, "accept the terms and conditions if asked (needed when stdin is not a terminal)")
	once := fset.Bool("once", false, "log out again right after printing the session")
	timeout := fset.Duration("timeout", 2*time.Minute, "give up when no session is open by then")
	rest, err := splitFlags(fset, args)
	if err != nil {
		return err
	}
	if !*noGUI {
		return errors.New("login: use --no-gui (the window is `cardagent` without a command)")
	}
	c, _, err := loadConfig("login", rest)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts, err := wire(ctx, c)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- parts.run(ctx) }()
	defer func() { cancel(); <-done }()

	tty := term.IsTerminal(int(stdin.Fd()))
	lines := bufio.NewReader(stdin)
	states, unsub := parts.agent.Subscribe()
	defer unsub()
	deadline := time.After(*timeout)
	var lastSeq, answered uint64
	lastScreen := session.Screen(-1)
	loggedIn := false
	for {
		var s session.State
		select {
		case s = <-states:
		case <-deadline:
			if !loggedIn {
				return errors.New("login: no session within " + timeout.String())
			}
			continue
		case <-ctx.Done():
			return nil
		}
		if s.Seq == lastSeq && s.Seq != 0 {
			continue
		}
		lastSeq = s.Seq
		changed := s.Screen != lastScreen
		lastScreen = s.Screen
		if s.Question != 0 {
			if s.Question == answered {
				continue // the same question republished (the policy arrived): answered already
			}
			answered = s.Question
		}
		switch s.Screen {
		case session.ScreenNoService, session.ScreenNoReader, session.ScreenCardProblem, session.ScreenBlocked, session.ScreenBackendError:
			return fmt.Errorf("%s\n%s", s.Problem, s.Fix)
		case session.ScreenInsertCard:
			if changed {
				fmt.Fprintln(stderr, wording.InsertCard(s.Reader))
			}
		case session.ScreenPasscode:
			if s.Message != "" {
				fmt.Fprintln(stderr, s.Message)
			}
			who := wording.UnverifiedCard + " (" + wording.UnverifiedCardWhy + ")"
			if s.Card.Verified {
				who = s.Card.Name + " (" + s.Card.UUID + ")"
			}
			if left := wording.AttemptsLeft(s.TriesLeft); left != "" {
				who += ": " + left
			}
			prompt := fmt.Sprintf("%s. %s\nPasscode (%s): ", who, wording.TermsNotice, s.Rule.Describe())
			p, err := readPasscode(ctx, stdin, stderr, prompt, lines, tty)
			fmt.Fprintln(stderr)
			if errors.Is(err, context.Canceled) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading the passcode: %w", err)
			}
			parts.agent.SubmitPasscode(s.Question, p) // the agent wipes p
		case session.ScreenTerms:
			fmt.Fprintf(stderr, "Terms and conditions (version %d):\n%s\n", s.Terms.Version, s.Terms.Text)
			if *acceptTerms || (tty && confirm(lines, stderr, "Accept? [y/N] ")) {
				parts.agent.AcceptTerms(s.Question)
			} else {
				parts.agent.DeclineTerms(s.Question)
				return errors.New("the terms and conditions were not accepted: no session")
			}
		case session.ScreenRoles:
			var i int
			var err error
			if *role == "" && tty {
				i, err = askRole(lines, stderr, s.Roles, s.RoleIndex)
			} else {
				i, err = pickRole(s.Roles, s.RoleIndex, *role)
			}
			if err != nil {
				return err
			}
			parts.agent.SelectRole(s.Question, i)
		case session.ScreenActive:
			if loggedIn {
				continue
			}
			loggedIn = true
			if err := printSession(stdout, s); err != nil {
				return err
			}
			if *once {
				parts.agent.Logout()
				return nil
			}
		case session.ScreenLocked:
			if loggedIn {
				fmt.Fprintln(stderr, wording.CardRemovedLocked)
				return nil
			}
		}
	}
}

// splitFlags parses the login flags and hands the rest to the config flags.
func splitFlags(fset *flag.FlagSet, args []string) ([]string, error) {
	var mine, rest []string
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(strings.SplitN(args[i], "=", 2)[0], "-")
		if fset.Lookup(name) == nil {
			rest = append(rest, args[i])
			if !strings.Contains(args[i], "=") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && !isBoolConfigFlag(name) {
				i++
				rest = append(rest, args[i])
			}
			continue
		}
		mine = append(mine, args[i])
		if _, isBool := fset.Lookup(name).Value.(interface{ IsBoolFlag() bool }); !isBool && !strings.Contains(args[i], "=") && i+1 < len(args) {
			i++
			mine = append(mine, args[i])
		}
	}
	return rest, fset.Parse(mine)
}

func isBoolConfigFlag(name string) bool { return name == "trace-apdus" || name == "no-demo-card" }

// readPasscode prints prompt and reads without echo from a terminal (the
// echo goes off before the prompt shows), else one line of stdin; it gives
// up when ctx ends (Ctrl-C). The terminal's echo comes back either way. The
// passcode stays in byte slices the agent wipes, never in a string.
func readPasscode(ctx context.Context, stdin *os.File, w io.Writer, prompt string, lines *bufio.Reader, tty bool) ([]byte, error) {
	type read struct {
		p   []byte
		err error
	}
	got := make(chan read, 1)
	restore := func() {}
	if tty {
		fd := int(stdin.Fd())
		if st, err := term.GetState(fd); err == nil {
			restore = func() { term.Restore(fd, st) }
		}
		if err := echoOff(fd); err != nil {
			restore()
			return nil, fmt.Errorf("turning the terminal's echo off: %w", err)
		}
	}
	defer restore()
	fmt.Fprint(w, prompt)
	go func() {
		if tty {
			p, err := term.ReadPassword(int(stdin.Fd()))
			got <- read{p, err}
			return
		}
		line, err := lines.ReadBytes('\n')
		if err != nil && len(line) == 0 {
			got <- read{nil, err}
			return
		}
		got <- read{bytes.TrimRight(line, "\r\n"), nil}
	}()
	select {
	case r := <-got:
		return r.p, r.err
	case <-ctx.Done():
		return nil, context.Canceled
	}
}

func confirm(lines *bufio.Reader, w io.Writer, prompt string) bool {
	fmt.Fprint(w, prompt)
	answer, _ := lines.ReadString('\n')
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(answer)), "y")
}

// askRole offers the roles as a numbered list, the preselected one (the
// last used here) marked and taken on an empty answer.
func askRole(lines *bufio.Reader, w io.Writer, roles []session.Role, preselected int) (int, error) {
	fmt.Fprintln(w, "Choose your role:")
	for i, r := range roles {
		mark := " "
		if i == preselected {
			mark = "*"
		}
		fmt.Fprintf(w, " %s %d. %s (%s)\n", mark, i+1, r.Name, r.Organisation)
	}
	for {
		fmt.Fprintf(w, "Role [%d]: ", preselected+1)
		answer, err := lines.ReadString('\n')
		answer = strings.TrimSpace(answer)
		if answer == "" {
			if err != nil {
				return 0, fmt.Errorf("reading the role: %w", err)
			}
			return preselected, nil
		}
		if n, convErr := strconv.Atoi(answer); convErr == nil && n >= 1 && n <= len(roles) {
			return n - 1, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading the role: %w", err)
		}
		fmt.Fprintf(w, "Type a number from 1 to %d, or press Enter for %d.\n", len(roles), preselected+1)
	}
}

func pickRole(roles []session.Role, preselected int, want string) (int, error) {
	if want == "" {
		return preselected, nil
	}
	for i, r := range roles {
		if strings.EqualFold(r.Name, want) || r.ID == want {
			return i, nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name + " (" + r.Organisation + ")"
	}
	return 0, fmt.Errorf("role %q is not one of yours: %s", want, strings.Join(names, ", "))
}

func printSession(w io.Writer, s session.State) error {
	r := loginResult{
		User: s.Active.User, UUID: s.Active.UUID, Role: s.Active.Role, Organisation: s.Active.Organisation,
		Since: s.Active.Since, Reader: s.Reader, Demo: s.Demo,
	}
	if s.Expiry != nil {
		r.ExpiryAlert = s.Expiry.Text()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
