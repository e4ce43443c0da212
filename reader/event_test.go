package reader

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ebfe/scard"
)

func TestDiff(t *testing.T) {
	at := time.Unix(0, 0)
	card := ReaderStatus{Name: "A", Present: true, ATR: []byte{0x3B, 1}}
	empty := ReaderStatus{Name: "A"}
	other := ReaderStatus{Name: "A", Present: true, ATR: []byte{0x3B, 2}}
	reinserted := ReaderStatus{Name: "A", Present: true, ATR: []byte{0x3B, 1}, Events: 2}
	b := ReaderStatus{Name: "B"}
	tests := []struct {
		name     string
		old, new map[string]ReaderStatus
		want     string
	}{
		{"first look", nil, map[string]ReaderStatus{"A": card, "B": b}, "[reader added: A reader added: B card inserted: A]"},
		{"insert", map[string]ReaderStatus{"A": empty}, map[string]ReaderStatus{"A": card}, "[card inserted: A]"},
		{"remove", map[string]ReaderStatus{"A": card}, map[string]ReaderStatus{"A": empty}, "[card removed: A]"},
		{"swap between looks", map[string]ReaderStatus{"A": card}, map[string]ReaderStatus{"A": other}, "[card removed: A card inserted: A]"},
		{"same card out and in between looks", map[string]ReaderStatus{"A": card}, map[string]ReaderStatus{"A": reinserted}, "[card removed: A card inserted: A]"},
		{"reader unplugged with card", map[string]ReaderStatus{"A": card, "B": b}, map[string]ReaderStatus{"B": b}, "[card removed: A reader removed: A]"},
		{"no change", map[string]ReaderStatus{"A": card}, map[string]ReaderStatus{"A": card}, "[]"},
		{"all gone", map[string]ReaderStatus{"A": card, "B": b}, nil, "[card removed: A reader removed: A reader removed: B]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(diff(tc.old, tc.new, at)); got != tc.want {
				t.Fatalf("diff = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		code scard.Error
		want error
	}{
		{scard.ErrNoService, ErrNoService},
		{scard.ErrServiceStopped, ErrNoService},
		{scard.ErrNoReadersAvailable, ErrNoReader},
		{scard.ErrUnknownReader, ErrNoReader},
		{scard.ErrNoSmartcard, ErrNoCard},
		{scard.ErrRemovedCard, ErrRemoved},
		{scard.ErrResetCard, ErrReset},
		{scard.ErrUnresponsiveCard, ErrUnresponsive},
		{scard.ErrSharingViolation, ErrBusy},
		{scard.ErrCancelled, ErrCancelled},
		{scard.ErrTimeout, ErrTimeout},
	}
	for _, tc := range tests {
		err := wrap("op", tc.code)
		if !errors.Is(err, tc.want) {
			t.Errorf("%v: errors.Is(%v) false", tc.code, tc.want)
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != uint32(tc.code) {
			t.Errorf("%v: not an *Error with its code", tc.code)
		}
	}
	if err := wrap("op", scard.ErrInternalError); err == nil || errors.Is(err, ErrNoService) {
		t.Errorf("internal error maps to %v", err)
	}
	if wrap("op", nil) != nil {
		t.Error("nil is an error")
	}
	inner := wrap("inner", scard.ErrRemovedCard)
	if got := wrap("outer", inner); got != inner {
		t.Errorf("re-wrapping changed the error: %v", got)
	}
}

// A slow subscriber must get every event, in order, and never block publish.
func TestSubscriptionNeverDrops(t *testing.T) {
	m := NewMonitor(nil)
	m.known, m.up = true, true
	ch, cancel := m.Subscribe()
	defer cancel()
	m.mu.Lock()
	for i := 0; i < 1000; i++ {
		m.publish([]Event{{Kind: CardInserted, Reader: fmt.Sprint(i)}})
	}
	m.mu.Unlock()
	for i := 0; i < 1000; i++ {
		e := <-ch
		if e.Reader != fmt.Sprint(i) {
			t.Fatalf("event %d is %v", i, e)
		}
	}
}

func TestSubscribeReportsCurrentState(t *testing.T) {
	m := NewMonitor(nil)
	m.known, m.up = true, true
	m.state = map[string]ReaderStatus{"R": {Name: "R", Present: true, ATR: []byte{1}}}
	ch, cancel := m.Subscribe()
	if e := <-ch; e.Kind != ReaderAdded {
		t.Fatalf("first event %v", e)
	}
	if e := <-ch; e.Kind != CardInserted || string(e.ATR) != "\x01" {
		t.Fatalf("second event %v", e)
	}
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("channel open after cancel")
	}
	m.serviceLost(errors.New("gone"))
	ch, cancel = m.Subscribe()
	defer cancel()
	if e := <-ch; e.Kind != ServiceLost {
		t.Fatalf("after loss: %v", e)
	}
}
