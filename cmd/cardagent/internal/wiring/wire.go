package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/osdesktop"
	"github.com/cardagent/cardagent/session/osstore"
)

// Parts is everything one run of the agent needs, wired from Config.
type Parts struct {
	Agent   *session.Agent
	monitor *reader.Monitor
	demo    *demo.Demo // nil unless the embedded demo backend runs
	log     *slog.Logger
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil || level == "" {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// Wire builds monitor → client → session. With no backend configured it
// starts the embedded demo backend and, if no card is present, the demo card.
func Wire(ctx context.Context, c Config) (*Parts, error) {
	log := newLogger(c.LogLevel)
	p := &Parts{monitor: reader.NewMonitor(log), log: log}
	if c.BackendURL == "" {
		d, err := startDemo(ctx, log, !c.NoDemoCard)
		if err != nil {
			return nil, fmt.Errorf("starting the demo: %w", err)
		}
		p.demo = d
		c.BackendURL, c.CAPin = d.URL, d.Pin
	}
	backend, err := client.New(client.Config{BaseURL: c.BackendURL, CAPin: c.CAPin, WorkstationID: c.WorkstationID, Logger: log})
	if err != nil {
		return nil, err
	}
	events, _ := p.monitor.Subscribe()
	open := func(name string) (session.CardConn, error) { return reader.Open(name) }
	var prefs session.RolePrefs
	var reminders session.Reminders
	if dir, err := os.UserConfigDir(); err == nil {
		prefs = &osstore.FilePrefs{Path: filepath.Join(dir, "cardagent", "last-role.json")}
		reminders = &osstore.FileReminders{Path: filepath.Join(dir, "cardagent", "renewal-reminded.json")}
	}
	mailHint := ""
	if p.demo != nil {
		mailHint = "Demo: the email is a file in " + p.demo.Backend.Mailbox + " (open the newest .eml file)."
	}
	p.Agent = session.New(session.Config{
		Mode: session.Mode(c.Mode), Demo: p.demo != nil, DemoHint: "Demo card: the passcode is " + demo.Passcode + " unless you changed it.",
		DemoMailHint: mailHint,
		ReaderPrefer: c.Reader, BackendURL: c.BackendURL,
		Logger: log, TraceAPDUs: c.TraceAPDUs, CardTimeout: c.CardTimeout.Duration, Reminders: reminders,
		RemovalAction: api.RemovalAction(c.RemovalAction), CloseApplications: c.CloseApplications, Desktop: osdesktop.Desktop{},
	}, backend, events, open, osstore.Keyring{}, prefs)
	return p, nil
}

// Start runs the monitor, the agent and its local API (tickets for the
// desktop's applications) beside the caller's UI. stop ends
// them and waits: the agent ends the session and clears the keyring, then
// the demo rig stops. The agent also stops by itself on Quit.
func (p *Parts) Start(ctx context.Context) (stop func() error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		mctx, stopMonitor := context.WithCancel(ctx)
		go p.monitor.Run(mctx)
		served := make(chan struct{})
		go func() { defer close(served); serveLocalAPI(mctx, p.Agent, p.log) }()
		err := p.Agent.Run(ctx)
		stopMonitor()
		<-served // it said "no-session" and gave its name up
		if p.demo != nil {
			p.demo.Stop()
		}
		done <- err
	}()
	return func() error { cancel(); return <-done }
}
