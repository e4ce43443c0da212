package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/osstore"
)

// agentParts is everything one run of the agent needs, wired from config.
type agentParts struct {
	agent   *session.Agent
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

// wire builds monitor → client → session. With no backend configured it
// starts the embedded demo backend and, if no card is present, the demo card.
func wire(ctx context.Context, c config) (*agentParts, error) {
	log := newLogger(c.LogLevel)
	p := &agentParts{monitor: reader.NewMonitor(log), log: log}
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
	if dir, err := os.UserConfigDir(); err == nil {
		prefs = &osstore.FilePrefs{Path: filepath.Join(dir, "cardagent", "last-role.json")}
	}
	p.agent = session.New(session.Config{
		Mode: session.Mode(c.Mode), Demo: p.demo != nil, DemoHint: "Demo card: the passcode is " + demo.Passcode + ".",
		ReaderPrefer: c.Reader, BackendURL: c.BackendURL,
		Logger: log, TraceAPDUs: c.TraceAPDUs,
	}, backend, events, open, osstore.Keyring{}, prefs)
	return p, nil
}

// run starts the monitor and the agent and blocks until the agent stops
// (ctx done or Quit); the demo rig is stopped last.
func (p *agentParts) run(ctx context.Context) error {
	mctx, stopMonitor := context.WithCancel(ctx)
	defer stopMonitor()
	go p.monitor.Run(mctx)
	err := p.agent.Run(ctx)
	if p.demo != nil {
		p.demo.Stop()
	}
	return err
}
