package reader

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Card is a connection to the card in one reader, shared with other programs
// between transactions. It implements apdu.Transmitter; use Do to group the
// APDUs of one operation into one exclusive transaction.
type Card struct {
	mu         sync.Mutex
	ctx        *scard.Context
	card       *scard.Card
	reader     string
	atr        []byte
	resetAtEnd bool // the running transaction ends with a card reset
}

var (
	_ apdu.Transmitter = (*Card)(nil)
	_ Resetter         = (*Card)(nil)
)

// Resetter is a transmitter whose transaction can end with a card reset
// instead of leaving the card as it is: the card's volatile state (the
// selected application, a verified PIN) goes with it. It is how a card that
// cannot drop a verified PIN by command (VERIFY P1=FF) is made to forget it
// before any other program gets the card.
type Resetter interface {
	ResetAtEnd()
}

// ResetAtEnd makes the transaction that fn of Do runs in end with a card
// reset. Outside Do it does nothing.
func (c *Card) ResetAtEnd() {
	c.mu.Lock()
	c.resetAtEnd = true
	c.mu.Unlock()
}

// Open connects to the card in the named reader.
func Open(readerName string) (*Card, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("connecting to pcscd", err)
	}
	card, err := ctx.Connect(readerName, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		ctx.Release()
		return nil, wrap("connecting to the card in "+readerName, err)
	}
	c := &Card{ctx: ctx, card: card, reader: readerName}
	if st, err := card.Status(); err == nil {
		c.atr = st.Atr
	}
	return c, nil
}

// Reader names the reader the card is in.
func (c *Card) Reader() string { return c.reader }

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Transmit sends one APDU. Outside Do it runs in a transaction of its own.
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.card == nil {
		return nil, &Error{Op: "sending to the card", Kind: ErrRemoved}
	}
	resp, err := c.card.Transmit(cmd)
	if err != nil {
		return nil, c.explain("sending to the card", err)
	}
	return resp, nil
}

// explain turns a failed exchange into the most precise error. pcsc-lite
// answers a card pulled mid-exchange with a generic "transaction failed"
// until its next look at the reader, so wait (event-driven, bounded) for the
// reader to say whether the card is gone. The caller holds mu.
func (c *Card) explain(op string, err error) error {
	if !errors.Is(err, scard.ErrNotTransacted) && !errors.Is(err, scard.ErrCommError) {
		return wrap(op, err)
	}
	st := []scard.ReaderState{{Reader: c.reader, CurrentState: scard.StatePresent}}
	serr := c.ctx.GetStatusChange(st, removalSettle)
	switch {
	case serr == nil && st[0].EventState&scard.StatePresent == 0:
		return &Error{Op: op, Code: uint32(scard.ErrRemovedCard), Kind: ErrRemoved}
	case serr != nil && !errors.Is(serr, scard.ErrTimeout):
		return wrap(op, serr)
	}
	return &Error{Op: op, Code: uint32(asCode(err)), Kind: ErrCommFailed}
}

// removalSettle bounds how long explain waits for pcscd to notice a pulled
// card (pcscd polls some drivers every 400 ms).
const removalSettle = time.Second

func asCode(err error) scard.Error {
	var code scard.Error
	errors.As(err, &code)
	return code
}

// Do runs fn inside one exclusive PC/SC transaction, so no other program's
// APDUs interleave with ours (a PIN verified in fn stays ours until fn ends).
// Keep fn short and never wait for a person inside it: some platforms reset
// a card held idle in a transaction.
//
// When another program reset the card, Do reconnects and returns an error
// wrapping ErrReset: the card's volatile state (selected application,
// verified PIN) is gone, so the caller starts its operation again.
func (c *Card) Do(ctx context.Context, fn func(apdu.Transmitter) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	if c.card == nil {
		c.mu.Unlock()
		return &Error{Op: "starting a transaction", Kind: ErrRemoved}
	}
	err := c.card.BeginTransaction()
	if errors.Is(err, scard.ErrResetCard) {
		err = c.reconnect()
	}
	c.mu.Unlock()
	if err != nil {
		return wrap("starting a transaction", err)
	}
	fnErr := fn(c)
	c.mu.Lock()
	defer c.mu.Unlock()
	reset := c.resetAtEnd
	c.resetAtEnd = false
	if c.card != nil {
		how := scard.LeaveCard
		if reset {
			how = scard.ResetCard
		}
		endErr := c.card.EndTransaction(how)
		if reset && endErr == nil {
			// Our own reset: take the card up again at once, so the next Do
			// does not mistake it for another program's.
			endErr = c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard)
		}
		if fnErr == nil && endErr != nil && !errors.Is(endErr, scard.ErrResetCard) {
			fnErr = wrap("ending a transaction", endErr)
		}
	}
	if errors.Is(fnErr, ErrReset) && c.card != nil {
		_ = c.reconnect()
	}
	return fnErr
}

// reconnect re-acquires the card after a reset; the caller holds mu. It
// returns ErrReset on success so the operation is started again.
func (c *Card) reconnect() error {
	if err := c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); err != nil {
		return err
	}
	return &Error{Op: "starting a transaction", Code: uint32(scard.ErrResetCard), Kind: ErrReset}
}

// Close disconnects with a card reset, so nothing verified while the card
// was ours (a PIN, whatever a failed step left behind) is there for the next
// program; the card stays powered for it.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.card == nil {
		return nil
	}
	err := c.card.Disconnect(scard.ResetCard)
	c.card = nil
	c.ctx.Release()
	if errors.Is(err, scard.ErrRemovedCard) || errors.Is(err, scard.ErrNoService) {
		err = nil
	}
	return wrap("disconnecting", err)
}
