//go:build e2e

// Package e2e tests cardagent across processes: a real pcscd with vpcd
// readers, virtual cards plugged into them over TCP, and (later) identityd
// and the agent itself.
package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/pcscwait"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

var (
	rig    *testkit.PCSC
	rigErr error
)

func TestMain(m *testing.M) {
	testkit.MainWithPCSC(m, func(p *testkit.PCSC, err error) { rig, rigErr = p, err })
}

// insert plugs card into reader slot n of the rig; its Pull waits until
// pcscd has seen the card go, so the next test starts with an empty reader.
func insert(t testing.TB, card *vcard.Card, n int) *testkit.Slot {
	t.Helper()
	s := rig.Insert(t, card, n)
	s.AfterPull = func() { pcscwait.Empty(rig.ReaderName(n), pcscdPoll) }
	return s
}

// waitEvent returns the next event of one of kinds, skipping others.
func waitEvent(t testing.TB, ch <-chan reader.Event, timeout time.Duration, kinds ...reader.EventKind) reader.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("event channel closed")
			}
			for _, k := range kinds {
				if e.Kind == k {
					return e
				}
			}
		case <-deadline:
			t.Fatalf("no %v event within %v", kinds, timeout)
		}
	}
}

// waitCard waits for a card event of kind in the named reader.
func waitCard(t testing.TB, ch <-chan reader.Event, kind reader.EventKind, readerName string) reader.Event {
	t.Helper()
	deadline := time.Now().Add(pcscdPoll)
	for {
		e := waitEvent(t, ch, time.Until(deadline), kind)
		if e.Reader == readerName {
			return e
		}
	}
}

// startMonitor runs a reader.Monitor for the test's lifetime.
func startMonitor(t testing.TB) (*reader.Monitor, <-chan reader.Event) {
	t.Helper()
	m := reader.NewMonitor(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ch, unsub := m.Subscribe()
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		unsub()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("monitor: %v", err)
		}
	})
	return m, ch
}

func needRig(t testing.TB) {
	t.Helper()
	testkit.Need(t, rigErr)
}
