package sessiontest

import (
	"sync"
	"time"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/session"
)

// Readers are card readers in process: the reader events the agent reads,
// and the cards in them that its session.OpenCard opens.
type Readers struct {
	events chan reader.Event
	mu     sync.Mutex
	cards  map[string]*Card // reader → card in it
}

func NewReaders() *Readers {
	return &Readers{events: make(chan reader.Event, 16), cards: map[string]*Card{}}
}

// Events is the agent's event stream.
func (r *Readers) Events() session.Events { return r.events }

// Open connects to the card in the named reader (session.OpenCard).
func (r *Readers) Open(name string) (session.CardConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cards[name]
	if !ok {
		return nil, &reader.Error{Op: "connecting", Kind: reader.ErrNoCard}
	}
	return c.Conn(), nil
}

// Send reports e (ServiceLost, ServiceBack, ...) as the monitor would.
func (r *Readers) Send(e reader.Event) { r.events <- e }

// Queued counts the events the agent has not taken yet.
func (r *Readers) Queued() int { return len(r.events) }

// Add connects a reader.
func (r *Readers) Add(name string) { r.Send(reader.Event{Kind: reader.ReaderAdded, Reader: name}) }

// Remove disconnects a reader.
func (r *Readers) Remove(name string) {
	r.Send(reader.Event{Kind: reader.ReaderRemoved, Reader: name})
}

// Insert puts c in the named reader and reports it.
func (r *Readers) Insert(name string, c *Card) {
	r.mu.Lock()
	c.connect()
	r.cards[name] = c
	r.mu.Unlock()
	r.Send(reader.Event{Kind: reader.CardInserted, Reader: name, ATR: c.ATR(), At: time.Now()})
}

// Pull removes the card from the named reader and reports it.
func (r *Readers) Pull(name string) {
	r.mu.Lock()
	c := r.cards[name]
	delete(r.cards, name)
	r.mu.Unlock()
	if c != nil {
		c.Conn().pull()
	}
	r.Send(reader.Event{Kind: reader.CardRemoved, Reader: name, At: time.Now()})
}
