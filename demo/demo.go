// Package demo is the embedded demo behind `make run`: identityd inside the
// agent on loopback with SQLite in the user data dir (backend.go), the demo
// organisations, users and terms (data.go), the demo card in the vpcd
// virtual reader with SIGUSR1 pulling and inserting it (card.go), and the
// demo card enrolment files that `identityd demo -card-dir` writes and
// `vcard init --enrol-dir` and the e2e rig read (enrolment.go).
//
// demo imports the backend and reader/vcard; neither imports demo. It does
// not import reader (PC/SC): whoever starts it says whether a physical card
// is present.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cardagent/cardagent/backend/ca"
)

// The demo card's owner and passcode (README: "Try it").
const (
	CardUser = "555000000001" // Dr Ada Demo
	Passcode = "123456"
)

// Options for Start.
type Options struct {
	Dir string       // default DefaultDir()
	Log *slog.Logger // default: discard
	// Card puts the demo card in the vpcd reader (VPCDAddr); false when a
	// physical card is present, or the user asked for no demo card.
	Card bool
}

// Demo is a running demo: backend, and card if asked for.
type Demo struct {
	URL, Pin string // the backend and the CA fingerprint to pin
	Backend  *Backend
	stop     func()
}

// DefaultDir is where the demo keeps its store and card: the user data dir
// ($XDG_DATA_HOME/cardagent/demo).
func DefaultDir() (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "cardagent", "demo"), nil
}

// Start starts the demo backend in o.Dir/identityd and, with o.Card, the
// demo card kept in o.Dir/card.json.
func Start(ctx context.Context, o Options) (*Demo, error) {
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = DefaultDir(); err != nil {
			return nil, err
		}
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b, err := StartBackend(ctx, filepath.Join(dir, "identityd"), log.With("part", "identityd"))
	if err != nil {
		return nil, err
	}
	d := &Demo{URL: b.URL, Pin: ca.Fingerprint(b.CA().Raw), Backend: b, stop: func() { b.Close() }}
	log.Info("demo identity backend", "url", b.URL)
	if !o.Card {
		return d, nil
	}
	card, err := openCard(ctx, b, filepath.Join(dir, "card.json"))
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("preparing the demo card: %w", err)
	}
	stopCard := toggleCard(card, VPCDAddr(), log)
	d.stop = func() { stopCard(); b.Close() }
	return d, nil
}

// Stop pulls the demo card and stops the backend.
func (d *Demo) Stop() { d.stop() }
