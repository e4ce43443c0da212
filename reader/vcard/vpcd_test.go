package vcard

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// fakeVPCD plays the vpcd driver's side of one connection.
type fakeVPCD struct {
	t    *testing.T
	conn net.Conn
}

func (v fakeVPCD) send(payload []byte) {
	v.t.Helper()
	v.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := writeVPCD(v.conn, payload); err != nil {
		v.t.Fatal(err)
	}
}

func (v fakeVPCD) exchange(payload []byte) []byte {
	v.t.Helper()
	v.send(payload)
	resp, err := readVPCD(v.conn)
	if err != nil {
		v.t.Fatal(err)
	}
	return resp
}

// attached plugs c into a fake vpcd reader until ctx ends: accept takes
// the next connection the card makes, done gets Attach's result.
func attached(ctx context.Context, t *testing.T, c *Card) (accept func() fakeVPCD, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	result := make(chan error, 1)
	go func() { result <- c.Attach(ctx, ln.Addr().String(), true) }()
	return func() fakeVPCD {
		t.Helper()
		conn, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		return fakeVPCD{t, conn}
	}, result
}

func TestVPCD(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	accept, done := attached(ctx, t, c)
	v := accept()
	v.send([]byte{vpcdPowerOn})
	if atr := v.exchange([]byte{vpcdGetATR}); string(atr) != string(defaultATR) {
		t.Fatalf("ATR % X", atr)
	}
	if r := v.exchange(h("00 A4 04 00 05 A0 00 00 03 08 00")); sw(r) != 0x9000 {
		t.Fatalf("SELECT % X", r)
	}
	if r := v.exchange(h("00 20 00 80 08 31 32 33 34 35 36 FF FF")); sw(r) != 0x9000 {
		t.Fatalf("VERIFY % X", r)
	}
	if r := v.exchange(h("00 20 00 80 00")); sw(r) != 0x9000 {
		t.Fatalf("VERIFY status % X", r)
	}
	v.send([]byte{vpcdReset})
	if r := v.exchange(h("00 20 00 80 00")); sw(r) != 0x6A82 {
		t.Fatalf("after reset % X, want 6A82 (nothing selected)", r)
	}
	v.exchange(h("00 A4 04 00 05 A0 00 00 03 08 00"))
	if r := v.exchange(h("00 20 00 80 08 31 32 33 34 35 36 FF FF")); sw(r) != 0x9000 {
		t.Fatalf("VERIFY % X", r)
	}
	v.send([]byte{vpcdPowerOff})
	v.send([]byte{vpcdPowerOn})
	v.exchange(h("00 A4 04 00 05 A0 00 00 03 08 00"))
	if r := v.exchange(h("00 20 00 80 00")); sw(r) != 0x63C3 {
		t.Fatalf("after power cycle % X, want 63C3", r)
	}
	// A large response travels whole in one frame.
	if r := v.exchange(h("00 CB 3F FF 05 5C 03 5F C1 02 00")); sw(r) != 0x9000 {
		t.Fatalf("GET DATA % X", r)
	}

	// vpcd goes away (pcscd restarted): the card comes back by itself.
	v.conn.Close()
	v = accept()
	v.send([]byte{vpcdPowerOn})
	if r := v.exchange(h("00 20 00 80 00")); sw(r) != 0x6A82 {
		t.Fatalf("re-inserted card kept its selection: % X", r)
	}

	// Pulling the card (cancel) closes the socket: vpcd reads EOF.
	cancel()
	v.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := readVPCD(v.conn); err == nil {
		t.Fatal("socket still open after the card was pulled")
	}
	if err := <-done; err != nil {
		t.Fatalf("Attach: %v", err)
	}
}

func TestVPCDNoRetry(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	c, _ := New(Options{})
	done := make(chan error, 1)
	go func() { done <- c.Attach(t.Context(), addr, false) }()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := <-done; !errors.Is(err, ErrReaderClosed) {
		t.Fatalf("Attach after vpcd closed: %v", err)
	}
	ln.Close()
	if err := c.Attach(t.Context(), addr, false); err == nil {
		t.Fatal("Attach with no vpcd succeeded")
	}

	// With retry it waits for vpcd to come up.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	go func() { done <- c.Attach(ctx, addr, true) }()
	time.Sleep(200 * time.Millisecond)
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port reused meanwhile: %v", err)
	}
	defer ln.Close()
	conn, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	v := fakeVPCD{t, conn}
	if atr := v.exchange([]byte{vpcdGetATR}); len(atr) == 0 {
		t.Fatal("no ATR")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Attach: %v", err)
	}
}

// TestPulledWithAnswerInFlight: a BeforeReply hook that pulls the card
// plays a card removed after it acted: the reader never gets the answer,
// yet the card's state changed.
func TestPulledWithAnswerInFlight(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, pull := context.WithCancel(t.Context())
	defer pull()
	c.BeforeReply(func(cmd, reply []byte) {
		if cmd[1] == 0x20 && len(cmd) > 5 { // VERIFY with a (wrong) passcode
			pull()
		}
	})
	accept, done := attached(ctx, t, c)
	v := accept()
	v.send([]byte{vpcdPowerOn})
	v.exchange(h("00 A4 04 00 05 A0 00 00 03 08 00"))
	v.send(h("00 20 00 80 08 39 39 39 39 39 39 FF FF"))
	if resp, err := readVPCD(v.conn); err == nil {
		t.Fatalf("the reader got the answer % X of a card pulled before it answered", resp)
	}
	if err := <-done; err != nil {
		t.Fatalf("Attach after the pull: %v", err)
	}
	if in := c.Info(); in.PINTriesLeft != 2 {
		t.Fatalf("tries left %d: the card did not act on the command before the pull", in.PINTriesLeft)
	}
}
