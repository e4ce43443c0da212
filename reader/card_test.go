package reader

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/vcard"
)

// These tests run through the rig's pcscd and vpcd with a virtual card. They
// prove what happens when a context ends mid-exchange by ordering, never by
// sleeping: a stalled answer or another program's transaction is released
// only after Do has returned.

var (
	selectPIV   = []byte{0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00}
	verifyPIN   = []byte{0x00, 0x20, 0x00, 0x80, 0x08, '1', '2', '3', '4', '5', '6', 0xFF, 0xFF} // vcard's default PIN
	emptyVerify = []byte{0x00, 0x20, 0x00, 0x80}                                                 // 9000 if verified, else 63Cx
	getCHUID    = []byte{0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x02, 0x00}
)

// patience bounds every wait for something that must happen; reaching it
// is a failure, never a pass.
const patience = 10 * time.Second

// insertCard puts a factory-fresh virtual card in reader slot 0 and waits
// for pcscd to see it; the cleanup pulls it and waits for pcscd to see that.
func insertCard(t *testing.T) (*vcard.Card, string) {
	t.Helper()
	vc, name, _ := insertPullable(t)
	return vc, name
}

// insertPullable is insertCard that also returns a pull, which takes the
// card out and waits for pcscd to see it gone.
//
// Gone means pcscd's reader thread counted the removal (the event counter
// moved), not only that the reader shows empty: a failed reset of a pulled
// card marks the reader empty before that thread looks, and a card put in
// before its next look (400 ms) is then never seen.
func insertPullable(t *testing.T) (*vcard.Card, string, func()) {
	t.Helper()
	testkit.Need(t, rigErr)
	vc, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	name := rig.ReaderName(0)
	ctx, pull := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); _ = vc.Attach(ctx, rig.VPCDAddr(0), true) }()
	var in uint32
	var once sync.Once
	out := func() {
		once.Do(func() {
			pull()
			<-served
			waitState(t, name, "the removal counted", func(s scard.StateFlag) bool {
				return s&scard.StatePresent == 0 && uint32(s)>>16 != in
			})
		})
	}
	t.Cleanup(out)
	in = waitState(t, name, "a card", func(s scard.StateFlag) bool {
		return s&scard.StatePresent != 0 && s&scard.StateMute == 0
	})
	return vc, name, out
}

// waitState waits (event-driven, bounded) until the reader's state
// satisfies ok, and returns its event counter.
func waitState(t *testing.T, name, what string, ok func(scard.StateFlag) bool) uint32 {
	t.Helper()
	sctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer sctx.Release()
	st := []scard.ReaderState{{Reader: name, CurrentState: scard.StateUnaware}}
	deadline := time.Now().Add(patience)
	for {
		if err := sctx.GetStatusChange(st, time.Until(deadline)); err != nil {
			t.Fatalf("waiting for %s in %s: %v (state %#x)", what, name, err, st[0].EventState)
		}
		if ok(st[0].EventState) {
			return uint32(st[0].EventState) >> 16
		}
		st[0].CurrentState = st[0].EventState &^ scard.StateChanged
	}
}

// whenAbsent returns when pcscd says the reader holds no card, or cannot
// say (the test's own wait then fails).
func whenAbsent(name string) {
	sctx, err := scard.EstablishContext()
	if err != nil {
		return
	}
	defer sctx.Release()
	st := []scard.ReaderState{{Reader: name, CurrentState: scard.StateUnaware}}
	for {
		if err := sctx.GetStatusChange(st, patience); err != nil || st[0].EventState&scard.StatePresent == 0 {
			return
		}
		st[0].CurrentState = st[0].EventState &^ scard.StateChanged
	}
}

func openCard(t *testing.T, name string) *Card {
	t.Helper()
	c, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// send transmits cmd and checks the status word.
func send(tx apdu.Transmitter, cmd []byte, wantSW uint16) error {
	resp, err := tx.Transmit(cmd)
	if err != nil {
		return err
	}
	if len(resp) < 2 {
		return errors.New("short response")
	}
	if sw := uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1]); sw != wantSW {
		return &swError{cmd[1], sw, wantSW}
	}
	return nil
}

type swError struct {
	ins      byte
	sw, want uint16
}

func (e *swError) Error() string {
	return "INS " + hex2(uint16(e.ins)) + ": SW " + hex2(e.sw) + ", want " + hex2(e.want)
}

func hex2(v uint16) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>12&15], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// checkNotVerified runs a transaction on c that finds the PIN not verified
// (empty VERIFY answers 63C3: not verified, 3 tries) and the card working.
// A card reset by another handle since c's last call answers ErrReset
// once: then it tries again.
func checkNotVerified(t *testing.T, c *Card) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	check := func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		if err := send(tx, emptyVerify, 0x63C3); err != nil {
			return err
		}
		return send(tx, getCHUID, 0x9000)
	}
	err := c.Do(ctx, check)
	if errors.Is(err, ErrReset) {
		err = c.Do(ctx, check)
	}
	if err != nil {
		t.Fatalf("the card afterwards: %v", err)
	}
}

// stallNext makes the card hold its answer to the next command with INS
// ins until release is called; stalled is closed once it holds it.
func stallNext(t *testing.T, vc *vcard.Card, ins byte) (stalled <-chan struct{}, release func()) {
	held, free := make(chan struct{}), make(chan struct{})
	var once, freeOnce sync.Once
	vc.BeforeAnswer(func(cmd []byte) {
		if len(cmd) > 1 && cmd[1] == ins {
			once.Do(func() { close(held); <-free })
		}
	})
	release = func() { freeOnce.Do(func() { close(free) }) }
	t.Cleanup(func() { vc.BeforeAnswer(nil); release() })
	return held, release
}

// do runs c.Do and fails the test if Do outlives its context by far (a
// blocked PC/SC call that was not abandoned).
func do(t *testing.T, c *Card, ctx context.Context, fn func(apdu.Transmitter) error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- c.Do(ctx, fn) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(patience):
		t.Fatal("Do did not return when its context ended")
		return nil
	}
}

func wantCtxError(t *testing.T, err, ctxErr, kind error) {
	t.Helper()
	var e *Error
	if !errors.Is(err, ctxErr) || !errors.Is(err, kind) || !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *reader.Error wrapping %v and %v", err, ctxErr, kind)
	}
}

// A card that stops answering mid-exchange, with its PIN verified: Do
// returns at its deadline; until the card answers, our abandoned
// transaction keeps every other program out; when it answers, the card is
// reset before anyone else gets it, and the next Do works.
func TestDoDeadlineCardStopsAnswering(t *testing.T) {
	vc, name := insertCard(t)
	c := openCard(t, name)
	other := openCard(t, name) // another program: its own PC/SC context

	stalled, release := stallNext(t, vc, 0xCB)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ran := false
	err := do(t, c, ctx, func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		if err := send(tx, verifyPIN, 0x9000); err != nil {
			return err
		}
		ran = true
		return send(tx, getCHUID, 0x9000) // the card holds this answer
	})
	if !ran {
		t.Fatalf("the exchange failed before the stall: %v", err)
	}
	select {
	case <-stalled:
	default:
		t.Fatalf("the card never stalled (err %v)", err)
	}
	wantCtxError(t, err, context.DeadlineExceeded, ErrTimeout)

	// Still stalled: the verified card is out of everyone's reach.
	octx, ocancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer ocancel()
	err = do(t, other, octx, func(tx apdu.Transmitter) error {
		return errors.New("another program got the card during the stalled exchange")
	})
	wantCtxError(t, err, context.DeadlineExceeded, ErrBusy)

	release() // the card answers at last; the abandoned exchange ends with a reset
	checkNotVerified(t, other)
	checkNotVerified(t, c)
}

// Close while an abandoned call still holds the card returns at once; the
// card is reset and let go when the call returns.
func TestCloseDuringStalledExchange(t *testing.T) {
	vc, name := insertCard(t)
	c := openCard(t, name)
	other := openCard(t, name)

	_, release := stallNext(t, vc, 0xCB)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := do(t, c, ctx, func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		if err := send(tx, verifyPIN, 0x9000); err != nil {
			return err
		}
		return send(tx, getCHUID, 0x9000)
	})
	wantCtxError(t, err, context.DeadlineExceeded, ErrTimeout)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	release()
	checkNotVerified(t, other)
	if err := do(t, c, context.Background(), func(apdu.Transmitter) error { return nil }); !errors.Is(err, ErrRemoved) {
		t.Fatalf("Do after Close: %v, want ErrRemoved", err)
	}
}

// A card pulled while its answer is stalled and the exchange abandoned:
// the abandoned call ends with the removal, and the next Do says so.
func TestPulledDuringStalledExchange(t *testing.T) {
	vc, name, pull := insertPullable(t)
	c := openCard(t, name)
	_, release := stallNext(t, vc, 0xCB)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := do(t, c, ctx, func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		if err := send(tx, verifyPIN, 0x9000); err != nil {
			return err
		}
		return send(tx, getCHUID, 0x9000)
	})
	wantCtxError(t, err, context.DeadlineExceeded, ErrTimeout)
	// Pulling closes the card's socket, which ends vpcd's wait. Only once
	// pcscd saw the card go does the hook let go (so the card's goroutine
	// can end): the stalled answer is never given.
	gone := make(chan struct{})
	go func() { whenAbsent(name); close(gone); release() }()
	pull()
	<-gone
	ctx, cancel = context.WithTimeout(context.Background(), patience)
	defer cancel()
	err = do(t, c, ctx, func(apdu.Transmitter) error { return errors.New("fn ran with no card") })
	if !errors.Is(err, ErrNoCard) && !errors.Is(err, ErrRemoved) {
		t.Fatalf("Do after the pull: %v, want ErrNoCard or ErrRemoved", err)
	}
}

// Another program holds the card in a transaction, so SCardBeginTransaction
// blocks: cancellation and a deadline both end Do while the other still
// holds the card, fn never runs, and the next Do works once it lets go.
func TestDoEndsWhileAnotherProgramHoldsTheCard(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ctx        func() (context.Context, context.CancelFunc)
		cancelWait bool // cancel as soon as Do waits for the lock
		ctxErr     error
		kind       error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, true, context.Canceled, ErrCancelled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, false, context.DeadlineExceeded, ErrBusy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, name := insertCard(t)
			holder := openCard(t, name)
			c := openCard(t, name)

			held, letGo := make(chan struct{}), make(chan struct{})
			holderDone := make(chan error, 1)
			go func() {
				holderDone <- holder.Do(context.Background(), func(tx apdu.Transmitter) error {
					close(held)
					<-letGo
					return send(tx, selectPIV, 0x9000)
				})
			}()
			defer func() {
				select {
				case <-letGo:
				default:
					close(letGo)
				}
			}()
			<-held

			ctx, cancel := tc.ctx()
			defer cancel()
			if tc.cancelWait {
				c.waiting = cancel // BeginTransaction is the first call Do waits for
			}
			err := do(t, c, ctx, func(apdu.Transmitter) error {
				return errors.New("fn ran while another program held the card")
			})
			c.waiting = nil
			wantCtxError(t, err, tc.ctxErr, tc.kind)

			close(letGo) // only now: Do returned while the other held the card
			if err := <-holderDone; err != nil {
				t.Fatalf("the other program: %v", err)
			}
			checkNotVerified(t, c)
		})
	}
}

// The context ends between two APDUs of a transaction whose PIN is
// verified: the next APDU is refused with a typed error and the
// transaction ends with a reset.
func TestDoCancelledBetweenAPDUs(t *testing.T) {
	_, name := insertCard(t)
	c := openCard(t, name)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var refused error
	err := do(t, c, ctx, func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		if err := send(tx, verifyPIN, 0x9000); err != nil {
			return err
		}
		cancel()
		_, refused = tx.Transmit(getCHUID)
		return refused
	})
	wantCtxError(t, refused, context.Canceled, ErrCancelled)
	if err != refused {
		t.Fatalf("Do = %v, want fn's %v", err, refused)
	}
	checkNotVerified(t, c)
}

// ResetAtEnd still ends a transaction with a reset, without the next Do
// taking our own reset for another program's.
func TestResetAtEnd(t *testing.T) {
	_, name := insertCard(t)
	c := openCard(t, name)
	err := c.Do(context.Background(), func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		if err := send(tx, verifyPIN, 0x9000); err != nil {
			return err
		}
		tx.(Resetter).ResetAtEnd()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	err = c.Do(ctx, func(tx apdu.Transmitter) error {
		if err := send(tx, selectPIV, 0x9000); err != nil {
			return err
		}
		return send(tx, emptyVerify, 0x63C3)
	})
	if err != nil {
		t.Fatalf("after ResetAtEnd: %v", err)
	}
}
