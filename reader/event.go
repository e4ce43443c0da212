package reader

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// EventKind says what changed.
type EventKind int

const (
	CardInserted  EventKind = iota + 1 // a card is in Reader; ATR is set
	CardRemoved                        // the card left Reader
	ReaderAdded                        // Reader appeared
	ReaderRemoved                      // Reader disappeared (a card in it is reported removed first)
	ServiceLost                        // pcscd went away: every reader and card is gone until ServiceBack
	ServiceBack                        // pcscd is back; the true state follows as added/inserted events
)

func (k EventKind) String() string {
	switch k {
	case CardInserted:
		return "card inserted"
	case CardRemoved:
		return "card removed"
	case ReaderAdded:
		return "reader added"
	case ReaderRemoved:
		return "reader removed"
	case ServiceLost:
		return "service lost"
	case ServiceBack:
		return "service back"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one change the Monitor saw.
type Event struct {
	Kind   EventKind
	Reader string
	ATR    []byte    // CardInserted only
	Mute   bool      // CardInserted only: the card does not answer (upside down?)
	At     time.Time // when the Monitor learned of it
	Err    error     // ServiceLost only: why
}

func (e Event) String() string {
	if e.Reader == "" {
		return e.Kind.String()
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Reader)
}

// diff returns the events that lead from the reader states old to new, in
// an order a consumer can rely on: removals before additions, a card's
// removal before its reader's.
func diff(old, new map[string]ReaderStatus, at time.Time) []Event {
	var ev []Event
	for name, o := range old {
		n, still := new[name]
		if o.Present && (!still || !n.Present || cardChanged(o, n)) {
			ev = append(ev, Event{Kind: CardRemoved, Reader: name, At: at})
		}
		if !still {
			ev = append(ev, Event{Kind: ReaderRemoved, Reader: name, At: at})
		}
	}
	for name, n := range new {
		o, was := old[name]
		if !was {
			ev = append(ev, Event{Kind: ReaderAdded, Reader: name, At: at})
		}
		if n.Present && (!was || !o.Present || cardChanged(o, n)) {
			ev = append(ev, Event{Kind: CardInserted, Reader: name, ATR: n.ATR, Mute: n.Mute, At: at})
		}
	}
	sortEvents(ev)
	return ev
}

// cardChanged catches a card pulled and inserted (the same card or another)
// between two looks at the reader: the event counter moved, or the ATR.
func cardChanged(o, n ReaderStatus) bool {
	if !o.Present || !n.Present {
		return false
	}
	return o.Events != n.Events || (string(o.ATR) != string(n.ATR) && len(n.ATR) > 0)
}

// sortEvents orders removals first, then additions, each by reader name, so
// output does not depend on map order.
func sortEvents(ev []Event) {
	rank := map[EventKind]int{CardRemoved: 0, ReaderRemoved: 1, ReaderAdded: 2, CardInserted: 3}
	slices.SortStableFunc(ev, func(a, b Event) int {
		if c := cmp.Compare(rank[a.Kind], rank[b.Kind]); c != 0 {
			return c
		}
		return cmp.Compare(a.Reader, b.Reader)
	})
}
