package vcard

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The vpcd protocol of vsmartcard: the card is a TCP client of the vpcd
// reader driver; each message is a 2-byte big-endian length and a payload.
// A 1-byte payload is a control message, anything longer a command APDU to
// answer. Closing the socket removes the card.
const (
	vpcdPowerOff byte = 0
	vpcdPowerOn  byte = 1
	vpcdReset    byte = 2
	vpcdGetATR   byte = 4

	// DefaultVPCDAddr is reader 0 of a stock vpcd; reader 1 is port 35964.
	DefaultVPCDAddr = "127.0.0.1:35963"
)

// ErrReaderClosed is returned by ServeVPCD when vpcd (pcscd) closed the
// connection.
var ErrReaderClosed = errors.New("vcard: vpcd closed the connection")

// ServeVPCD is the card inserted in a vpcd reader over conn: it answers
// until ctx is done (the card is pulled: conn is closed, nil is returned)
// or vpcd goes away (ErrReaderClosed). The card starts unpowered and any
// power-off or reset clears its volatile state.
func (c *Card) ServeVPCD(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	c.Reset()
	r := bufio.NewReader(conn)
	for {
		quickAck(conn) // Linux clears quick-ACK mode again after a while
		msg, err := readVPCD(r)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return ErrReaderClosed
			}
			return fmt.Errorf("vcard: vpcd: %w", err)
		}
		var reply []byte
		switch len(msg) {
		case 0:
			continue
		case 1:
			switch msg[0] {
			case vpcdPowerOff, vpcdPowerOn, vpcdReset:
				c.Reset()
				continue
			case vpcdGetATR:
				reply = c.ATR()
			default:
				continue // unknown control: vpcd expects no answer
			}
		default:
			c.mu.Lock()
			before, after := c.beforeAnswer, c.beforeReply
			c.mu.Unlock()
			if before != nil {
				before(msg)
			}
			reply, _ = c.Transmit(msg)
			if after != nil {
				after(msg, reply)
				if ctx.Err() != nil {
					return nil // pulled with the answer in flight: it never reaches the reader
				}
			}
		}
		if err := writeVPCD(conn, reply); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("vcard: vpcd: %w", err)
		}
	}
}

// BeforeAnswer is for tests and demos: hook runs with each command APDU the card
// gets over vpcd, before the card executes it. A hook that blocks plays a
// card that stops answering mid-exchange (vpcd waits for the answer with no
// timeout, and pcscd with it). nil removes the hook.
func (c *Card) BeforeAnswer(hook func(cmd []byte)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.beforeAnswer = hook
}

// BeforeReply is for tests only: hook runs after the card executed each
// command APDU it gets over vpcd, with the answer, before the answer goes
// back. A hook that pulls the card (ends the context ServeVPCD serves)
// plays a card removed after it acted but before the reader heard the
// answer: the answer is dropped. nil removes the hook.
func (c *Card) BeforeReply(hook func(cmd, reply []byte)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.beforeReply = hook
}

func readVPCD(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

func writeVPCD(w io.Writer, payload []byte) error {
	if len(payload) > 0xFFFF {
		payload = []byte{0x67, 0x00} // cannot be framed: say "wrong length"
	}
	buf := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(payload)), uint16(len(payload)))
	_, err := w.Write(append(buf, payload...))
	return err
}

// DialVPCD connects to the vpcd reader at addr. With retry it keeps trying
// (backing off from 50 ms to 1 s) until vpcd is up or ctx is done.
func DialVPCD(ctx context.Context, addr string, retry bool) (net.Conn, error) {
	var d net.Dialer
	wait := 50 * time.Millisecond
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn, nil
		}
		if !retry || ctx.Err() != nil {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// Attach inserts the card in the vpcd reader at addr and serves it until
// ctx is done (nil). Without retry it returns the first connection error
// or ErrReaderClosed; with retry it waits for vpcd and re-inserts the card
// whenever vpcd comes back.
func (c *Card) Attach(ctx context.Context, addr string, retry bool) error {
	for {
		conn, err := DialVPCD(ctx, addr, retry)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		err = c.ServeVPCD(ctx, conn)
		if ctx.Err() != nil {
			return nil
		}
		if !retry {
			return err
		}
		// vpcd went away: give it a moment before knocking again.
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}
