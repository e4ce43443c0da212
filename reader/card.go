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
// between transactions. Use Do to run the APDUs of one operation in one
// exclusive transaction that ends when the operation's context does.
//
// # When a context ends mid-exchange
//
// A PC/SC call cannot be interrupted: pcsc-lite's SCardCancel only ends
// SCardGetStatusChange. So Do runs each blocking call (SCardConnect,
// SCardBeginTransaction, SCardTransmit, SCardEndTransaction) on a goroutine
// of its own and returns as soon as the context ends, with an *Error that
// wraps the context's error. The call it leaves behind is abandoned, not
// forgotten: its goroutine keeps the Card until the call returns, then
//
//   - after SCardBeginTransaction (another program holds the card): the
//     call keeps polling for the lock until the other program lets go; then
//     the transaction ends at once, leaving the card as it is, since we sent
//     nothing. The handle is never touched from another goroutine meanwhile:
//     pcsc-lite 1.9.9 looks a handle up before it takes the context's lock,
//     so a disconnect racing the poll makes it send a dead handle, and pcscd
//     then drops the whole context;
//   - after SCardTransmit or SCardEndTransaction (the card or the reader
//     stopped answering): the transaction ends with a card reset before the
//     lock is released, so whatever the exchange had verified (a PIN) is
//     gone before any other program can send a command; until the call
//     returns, our transaction keeps every other program out.
//
// A Do that starts while an abandoned call still holds the Card waits for
// it, within its own context: it would wait for the same thing (the other
// program, the mute card) anyway. After a reset, or a call that failed,
// the handle is dropped and the next Do connects again.
type Card struct {
	reader string
	atr    []byte

	// turn is the right to use the PC/SC handle: it holds a token while the
	// Card is free. Do takes it and gives it back when its transaction is
	// over, or hands it to the goroutine of a call it abandoned, which gives
	// it back once the call returned and the card is cleaned up.
	turn chan struct{}

	// Owned by whoever holds turn.
	sctx *scard.Context
	card *scard.Card // nil after an abandoned call: the next Do connects

	// waiting, when set (tests only), is called on Do's goroutine each time
	// it starts waiting for a blocking PC/SC call.
	waiting func()

	mu         sync.Mutex
	closed     bool // Close was called
	resetAtEnd bool // the running transaction ends with a card reset
}

var (
	_ apdu.Transmitter = (*Card)(nil)
	_ Resetter         = (*Card)(nil)
	_ Resetter         = (*tx)(nil)
)

// Resetter is a transmitter whose transaction can end with a card reset
// instead of leaving the card as it is: the card's volatile state (the
// selected application, a verified PIN) goes with it. It is how a card that
// cannot drop a verified PIN by command (VERIFY P1=FF) is made to forget it
// before any other program gets the card. The transmitter Do hands to its
// function is one.
type Resetter interface {
	ResetAtEnd()
}

// ResetAtEnd makes the running transaction (the one Do's function runs in)
// end with a card reset. Outside Do it does nothing.
func (c *Card) ResetAtEnd() {
	c.mu.Lock()
	c.resetAtEnd = true
	c.mu.Unlock()
}

// Open connects to the card in the named reader.
func Open(readerName string) (*Card, error) {
	sctx, err := establish()
	if err != nil {
		return nil, wrap("connecting to pcscd", err)
	}
	card, err := sctx.Connect(readerName, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		release(sctx)
		return nil, wrap("connecting to the card in "+readerName, err)
	}
	c := &Card{sctx: sctx, card: card, reader: readerName, turn: make(chan struct{}, 1)}
	c.turn <- struct{}{}
	if st, err := card.Status(); err == nil {
		c.atr = st.Atr
	}
	return c, nil
}

// Reader names the reader the card is in.
func (c *Card) Reader() string { return c.reader }

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Transmit sends one APDU in a transaction of its own, with no deadline.
// Inside Do use the transmitter the function is given: Transmit would wait
// for Do's transaction to end.
func (c *Card) Transmit(cmd []byte) ([]byte, error) {
	var resp []byte
	err := c.Do(context.Background(), func(t apdu.Transmitter) error {
		var err error
		resp, err = t.Transmit(cmd)
		return err
	})
	return resp, err
}

// Do runs fn inside one exclusive PC/SC transaction, so no other program's
// APDUs interleave with ours (a PIN verified in fn stays ours until fn ends).
// Keep fn short and never wait for a person inside it: some platforms reset
// a card held idle in a transaction.
//
// ctx bounds the whole exchange: waiting for another program to release
// the card, every APDU and the end of the transaction. When it ends, Do
// returns at once with an *Error wrapping ctx's error, of kind ErrBusy (the
// deadline passed while another program held the card), ErrTimeout or
// ErrCancelled; the transmitter refuses further APDUs the same way, and the
// transaction ends with a card reset (see Card). fn must return when an
// APDU fails.
//
// When another program reset the card, Do reconnects and returns an error
// wrapping ErrReset: the card's volatile state (selected application,
// verified PIN) is gone, so the caller starts its operation again.
func (c *Card) Do(ctx context.Context, fn func(apdu.Transmitter) error) error {
	if err := ctx.Err(); err != nil {
		return ctxError("starting a transaction", err, false)
	}
	if err := c.take(ctx); err != nil {
		return err
	}
	// From here until give (or a hand-over to an abandoned call's goroutine)
	// sctx and card are ours alone.
	if err := c.begin(ctx); err != nil {
		return err
	}
	t := &tx{c: c, ctx: ctx}
	fnErr := fn(t)
	if t.abandoned {
		return fnErr // the abandoned call's goroutine ends the transaction
	}
	t.abandoned, t.err = true, errEnded // fn may keep t, but the card is not its any more
	c.mu.Lock()
	reset := c.resetAtEnd || t.refused || c.closed
	c.resetAtEnd = false
	c.mu.Unlock()
	var endErr error
	ok := c.await(ctx, func() { endErr = c.end(reset) }, func() {
		if endErr != nil {
			c.endAbandoned()
		}
	})
	if !ok {
		// fn's work is done (what it verified, it dropped or asked a reset
		// for): its answer stands while the end completes in the background.
		return fnErr
	}
	if fnErr == nil && endErr != nil && !errors.Is(endErr, scard.ErrResetCard) {
		fnErr = wrap("ending a transaction", endErr)
	}
	if errors.Is(fnErr, ErrReset) && c.card != nil {
		_ = c.reconnect()
	}
	c.give()
	return fnErr
}

// take waits for the Card to be free: no other Do running, no abandoned
// call still holding it.
func (c *Card) take(ctx context.Context) error {
	select {
	case <-c.turn:
		return nil
	case <-ctx.Done():
		return ctxError("waiting for the card to be free", ctx.Err(), false)
	}
}

// give makes the Card free again. If Close was called in the meantime, the
// handle goes first (with a reset).
func (c *Card) give() {
	c.turn <- struct{}{}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		// Not on the caller's goroutine: a disconnect with a reset waits
		// while another program holds the card in a transaction.
		go c.closeIfFree()
	}
}

// begin starts the transaction, connecting first if an abandoned call
// dropped the handle. On error the turn has been given back or handed on.
func (c *Card) begin(ctx context.Context) error {
	const op = "starting a transaction"
	c.mu.Lock()
	closed := c.closed
	c.resetAtEnd = false // set outside Do: not for this transaction
	c.mu.Unlock()
	if closed {
		c.give()
		return &Error{Op: op, Kind: ErrRemoved}
	}
	if c.card == nil {
		var card *scard.Card
		var err error
		ok := c.await(ctx, func() {
			card, err = c.sctx.Connect(c.reader, scard.ShareShared, scard.ProtocolAny)
		}, func() {
			if err == nil {
				c.card = card // for the next Do
			}
		})
		if !ok {
			return ctxError("connecting to the card in "+c.reader, ctx.Err(), false)
		}
		if err != nil {
			c.give()
			return wrap("connecting to the card in "+c.reader, err)
		}
		c.card = card
	}
	var err error
	ok := c.await(ctx, func() { err = c.card.BeginTransaction() }, func() {
		// The other program let go and the lock is ours, for nobody: we
		// sent nothing, so hand it back as the card is.
		if err == nil {
			err = c.card.EndTransaction(scard.LeaveCard)
		} else if errors.Is(err, scard.ErrResetCard) {
			err = c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard)
		}
		if err != nil {
			_ = disconnect(c.card, scard.LeaveCard)
			c.card = nil
		}
	})
	if !ok {
		return ctxError(op, ctx.Err(), true)
	}
	if errors.Is(err, scard.ErrResetCard) {
		err = c.reconnect()
	}
	if err != nil {
		c.give()
		return wrap(op, err)
	}
	return nil
}

// end ends the transaction, with a card reset if asked; the caller holds
// the turn.
func (c *Card) end(reset bool) error {
	if c.card == nil {
		return nil
	}
	how := scard.LeaveCard
	if reset {
		how = scard.ResetCard
	}
	err := c.card.EndTransaction(how)
	if reset && err == nil {
		// Our own reset: take the card up again at once, so the next Do
		// does not mistake it for another program's.
		err = c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard)
	}
	return err
}

// endAbandoned cleans up after an abandoned APDU or end of transaction, on
// the goroutine of the call once it returned: the transaction ends with a
// card reset (pcscd resets before it releases the lock) and the handle is
// dropped, so the next Do connects again.
func (c *Card) endAbandoned() {
	if c.card == nil {
		return
	}
	if err := c.card.EndTransaction(scard.ResetCard); err != nil {
		// Removed, or the reader failed: disconnect with a reset anyway
		// (pcscd resets a card whose lock holder goes away).
		_ = disconnect(c.card, scard.ResetCard)
	} else {
		_ = disconnect(c.card, scard.LeaveCard)
	}
	c.card = nil
}

// await runs call, one blocking PC/SC call, and waits for it or for ctx to
// end. It reports whether the call returned. When ctx ends first, the call
// is abandoned: once it returns, cleanup (if any) runs and the turn is
// given back, on the call's goroutine, which now owns the Card. The caller
// must not touch sctx or card after false. Nothing interrupts the call
// itself: no PC/SC call can be cancelled, and none may touch the handle
// while it runs.
func (c *Card) await(ctx context.Context, call, cleanup func()) bool {
	if ctx.Done() == nil {
		call()
		return true
	}
	done := make(chan struct{})
	go func() {
		call()
		close(done)
	}()
	if c.waiting != nil {
		c.waiting()
	}
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	select {
	case <-done: // it returned just as ctx ended: use the answer
		return true
	default:
	}
	go func() {
		<-done
		if cleanup != nil {
			cleanup()
		}
		c.give()
	}()
	return false
}

// reconnect re-acquires the card after a reset; the caller holds the turn.
// It returns ErrReset on success so the operation is started again.
func (c *Card) reconnect() error {
	if err := c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); err != nil {
		return err
	}
	return &Error{Op: "starting a transaction", Code: uint32(scard.ErrResetCard), Kind: ErrReset}
}

// errEnded answers a transmitter used after its Do returned.
var errEnded = &Error{Op: "sending to the card", Err: errors.New("the transaction has ended")}

// tx is the transmitter Do hands to its function: one transaction, bounded
// by Do's context. It belongs to fn's goroutine.
type tx struct {
	c         *Card
	ctx       context.Context
	refused   bool  // an APDU was refused for ctx: the transaction ends with a reset
	abandoned bool  // an APDU was abandoned, or Do is over: the card is no longer ours
	err       error // why
}

// Transmit sends one APDU, unless ctx has ended.
func (t *tx) Transmit(cmd []byte) ([]byte, error) {
	const op = "sending to the card"
	if t.abandoned {
		return nil, t.err
	}
	if err := t.ctx.Err(); err != nil {
		t.refused = true
		return nil, ctxError(op, err, false)
	}
	c := t.c
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		t.refused = true
		return nil, &Error{Op: op, Kind: ErrRemoved}
	}
	// The call may outlive this one if abandoned, and the caller may wipe
	// cmd (a PIN) as soon as we return: send a copy, wiped after the call.
	buf := append([]byte(nil), cmd...)
	var resp []byte
	var err error
	ok := c.await(t.ctx, func() {
		defer clear(buf)
		resp, err = c.card.Transmit(buf)
		if err != nil {
			err = c.explain(op, err)
		}
	}, c.endAbandoned)
	if !ok {
		t.abandoned = true
		t.err = ctxError(op, t.ctx.Err(), false)
		return nil, t.err
	}
	return resp, err
}

// ResetAtEnd makes the transaction end with a card reset.
func (t *tx) ResetAtEnd() { t.c.ResetAtEnd() }

// explain turns a failed exchange into the most precise error. pcsc-lite
// answers a card pulled mid-exchange with a generic "transaction failed"
// until its next look at the reader, so wait (event-driven, bounded) for the
// reader to say whether the card is gone. The caller holds the turn.
func (c *Card) explain(op string, err error) error {
	if !errors.Is(err, scard.ErrNotTransacted) && !errors.Is(err, scard.ErrCommError) {
		return wrap(op, err)
	}
	st := []scard.ReaderState{{Reader: c.reader, CurrentState: scard.StatePresent}}
	serr := c.sctx.GetStatusChange(st, removalSettle)
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

// ctxError is the error for an exchange ctx ended: of kind ErrCancelled,
// or, past the deadline, ErrBusy when another program held the card
// (busy) and ErrTimeout otherwise.
func ctxError(op string, err error, busy bool) error {
	kind := ErrCancelled
	if errors.Is(err, context.DeadlineExceeded) {
		kind = ErrTimeout
		if busy {
			kind = ErrBusy
		}
	}
	return &Error{Op: op, Kind: kind, Err: err}
}

// Close disconnects with a card reset, so nothing verified while the card
// was ours (a PIN, whatever a failed step left behind) is there for the next
// program; the card stays powered for it. When a transaction is running or
// an abandoned call still holds the card, Close returns at once and the
// disconnect (with the reset) follows as soon as the card is free; further
// APDUs of the running transaction are refused with ErrRemoved. Do after
// Close returns ErrRemoved.
func (c *Card) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if already {
		return nil
	}
	return c.closeIfFree()
}

// closeIfFree disconnects if nobody holds the Card; the turn goes back so
// a later Do can say ErrRemoved.
func (c *Card) closeIfFree() error {
	select {
	case <-c.turn:
	default:
		return nil // the holder disconnects when it gives the Card back
	}
	defer func() { c.turn <- struct{}{} }()
	if c.sctx == nil {
		return nil
	}
	var err error
	if c.card != nil {
		err = disconnect(c.card, scard.ResetCard)
		c.card = nil
	}
	release(c.sctx)
	c.sctx = nil
	if errors.Is(err, scard.ErrRemovedCard) || errors.Is(err, scard.ErrNoService) {
		err = nil
	}
	return wrap("disconnecting", err)
}
