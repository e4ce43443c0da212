package sessiontest

import (
	"context"
	"sync"
)

// Gate holds a fake's call (a backend Login, a card transaction) until it
// is opened, so that a test can look at a screen the session shows only
// while that call runs (signing in, reading the card). A nil Gate holds
// nothing. A Driver opens the gates it made before it stops the agent.
type Gate struct {
	once sync.Once
	ch   chan struct{}
}

// NewGate returns a closed gate.
func NewGate() *Gate { return &Gate{ch: make(chan struct{})} }

// Open lets every held call go on, now and later.
func (g *Gate) Open() { g.once.Do(func() { close(g.ch) }) }

// Wait returns once g is open (at once for a nil Gate), or with ctx's error.
func (g *Gate) Wait(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case <-g.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
