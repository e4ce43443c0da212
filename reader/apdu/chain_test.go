package apdu

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// scriptCard answers with a fixed list of raw responses and records commands.
type scriptCard struct {
	answers [][]byte
	sent    [][]byte
	calls   int
}

func (s *scriptCard) Transmit(cmd []byte) ([]byte, error) {
	s.calls++
	s.sent = append(s.sent, append([]byte(nil), cmd...))
	if len(s.answers) == 0 {
		return nil, errors.New("card gone")
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

// bigCard is a tiny card that holds a long object and serves it the way a
// real card does: 61xx chunks for short APDUs, or all at once for extended Le,
// and accepts chained PUT DATA.
type bigCard struct {
	object  []byte
	pending []byte
	chained []byte
	got     []byte
	n       int
}

func (c *bigCard) Transmit(raw []byte) ([]byte, error) {
	c.n++
	cmd, _, err := ParseCommand(raw)
	if err != nil {
		return Response{SW: SWWrongLength}.Bytes(), nil
	}
	switch cmd.INS {
	case 0xCB:
		c.pending = c.object
		return c.serve(cmd.Ne), nil
	case InsGetResponse:
		return c.serve(cmd.Ne), nil
	case 0xDB:
		c.chained = append(c.chained, cmd.Data...)
		if cmd.CLA&ClaChaining != 0 {
			return Response{SW: SWSuccess}.Bytes(), nil
		}
		c.got, c.chained = c.chained, nil
		return Response{SW: SWSuccess}.Bytes(), nil
	}
	return Response{SW: SWInsNotSupported}.Bytes(), nil
}

func (c *bigCard) serve(ne int) []byte {
	n := min(ne, len(c.pending))
	chunk := c.pending[:n]
	c.pending = c.pending[n:]
	sw := SWSuccess
	if rest := len(c.pending); rest > 0 {
		sw = 0x6100 | uint16(min(rest, 255))
		if rest > 255 {
			sw = 0x6100
		}
	}
	return Response{Data: chunk, SW: sw}.Bytes()
}

func TestClientResponseChaining(t *testing.T) {
	obj := bytes.Repeat([]byte("0123456789"), 200) // 2000 bytes
	card := &bigCard{object: obj}
	cl := &Client{T: card}
	got, err := cl.Do(Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Data: []byte{0x5C, 0x01, 0x7E}, Ne: MaxExtendedNe})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, obj) {
		t.Fatalf("got %d bytes, want %d", len(got), len(obj))
	}
	if card.n != 8 { // 2000 bytes in 256-byte pieces
		t.Errorf("%d exchanges, want 8", card.n)
	}
}

func TestClientCommandChaining(t *testing.T) {
	card := &bigCard{}
	cl := &Client{T: card}
	data := bytes.Repeat([]byte{0x42}, 600)
	if _, err := cl.Do(Command{INS: 0xDB, P1: 0x3F, P2: 0xFF, Data: data}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(card.got, data) || card.n != 3 {
		t.Fatalf("card got %d bytes in %d commands", len(card.got), card.n)
	}
	// With extended APDUs the same data travels in one command.
	card = &bigCard{}
	cl = &Client{T: card, Extended: true}
	if _, err := cl.Do(Command{INS: 0xDB, P1: 0x3F, P2: 0xFF, Data: data}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(card.got, data) || card.n != 1 {
		t.Fatalf("extended: card got %d bytes in %d commands", len(card.got), card.n)
	}
}

func TestClientChainStopsOnError(t *testing.T) {
	card := &scriptCard{answers: [][]byte{h(t, "68 84")}}
	cl := &Client{T: card}
	_, err := cl.Do(Command{INS: 0xDB, Data: make([]byte, 400)})
	if !errors.Is(err, ErrChainingNotAllowed) || card.calls != 1 {
		t.Fatalf("err %v after %d calls", err, card.calls)
	}
}

func TestClientWrongLe(t *testing.T) {
	card := &scriptCard{answers: [][]byte{h(t, "6C 02"), h(t, "AA BB 90 00")}}
	cl := &Client{T: card}
	got, err := cl.Do(Command{INS: 0xCA, Ne: 256})
	if err != nil || !bytes.Equal(got, h(t, "AA BB")) {
		t.Fatalf("got % X %v", got, err)
	}
	if !bytes.Equal(card.sent[1], h(t, "00 CA 00 00 02")) {
		t.Fatalf("resent % X", card.sent[1])
	}
}

func TestClientEndlessGetResponse(t *testing.T) {
	card := &scriptCard{}
	for i := 0; i < maxGetResponse+5; i++ {
		card.answers = append(card.answers, h(t, "00 61 01"))
	}
	cl := &Client{T: card}
	if _, err := cl.Transmit(Command{INS: 0xCB, Ne: 256}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

func TestClientTransportError(t *testing.T) {
	cl := &Client{T: &scriptCard{}}
	if _, err := cl.Do(Command{INS: 0xA4}); err == nil || err.Error() != "card gone" {
		t.Fatalf("err = %v", err)
	}
}

func TestTraceHidesSensitiveData(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	card := &scriptCard{answers: [][]byte{h(t, "63 C2"), h(t, "01 02 90 00")}}
	cl := &Client{T: card, Trace: log}
	pin := []byte("654321\xff\xff")
	_, _ = cl.Transmit(Command{INS: 0x20, P2: 0x80, Data: pin, Sensitive: true})
	_, _ = cl.Transmit(Command{INS: 0xCB, Data: []byte{0x5C, 0x01, 0x7E}, Ne: 256})
	out := buf.String()
	for _, secret := range []string{"654321", "363534333231", "3635343332"} {
		if strings.Contains(strings.ToLower(out), secret) {
			t.Fatalf("trace shows the PIN:\n%s", out)
		}
	}
	if !strings.Contains(out, "5c017e") || !strings.Contains(out, "63C2") {
		t.Fatalf("trace lacks the non-sensitive exchange:\n%s", out)
	}
}
