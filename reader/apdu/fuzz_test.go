package apdu

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

// seeds adds every line of a testdata/*.hex file to the fuzz corpus.
func seeds(f *testing.F, name string) {
	file, err := os.Open("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		f.Add(b)
	}
}

// FuzzParseTLV checks the decoder never panics and that whatever it accepts
// re-encodes to bytes that decode to the same object.
func FuzzParseTLV(f *testing.F) {
	seeds(f, "tlv.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		tlv, rest, err := ParseTLV(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if len(rest) > len(b) {
			t.Fatal("rest longer than input")
		}
		enc := AppendTLV(nil, tlv.Tag, tlv.Value)
		again, rest2, err := ParseTLV(enc)
		if err != nil || len(rest2) != 0 || again.Tag != tlv.Tag || !bytes.Equal(again.Value, tlv.Value) {
			t.Fatalf("round trip of %s % X: %v", tlv.Tag, tlv.Value, err)
		}
		_, _ = ParseAll(b)
	})
}

// FuzzResponse checks a response splits and re-joins to the same bytes.
func FuzzResponse(f *testing.F) {
	seeds(f, "responses.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			if len(b) >= 2 {
				t.Fatalf("rejected %d bytes: %v", len(b), err)
			}
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("round trip % X != % X", r.Bytes(), b)
		}
		_ = r.Err()
	})
}

// FuzzParseCommand checks that an accepted command re-encodes (in the form
// it came in) to the same bytes.
func FuzzParseCommand(f *testing.F) {
	seeds(f, "commands.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, ext, err := ParseCommand(b)
		if err != nil {
			return
		}
		enc, err := c.encode(ext)
		if err != nil {
			t.Fatalf("accepted % X but cannot re-encode: %v", b, err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("round trip % X != % X", enc, b)
		}
	})
}

// FuzzClient feeds arbitrary card answers to the chaining logic: it must end
// (no endless GET RESPONSE loop) and never panic.
func FuzzClient(f *testing.F) {
	seeds(f, "responses.hex")
	f.Fuzz(func(t *testing.T, b []byte) {
		card := &scriptCard{answers: splitAnswers(b)}
		cl := &Client{T: card}
		_, _ = cl.Transmit(Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Data: make([]byte, 300), Ne: 256})
		if card.calls > maxGetResponse+8 {
			t.Fatalf("%d exchanges", card.calls)
		}
	})
}

// splitAnswers cuts fuzz bytes into card answers at every 0xFF 0xFE pair,
// so one input plays a whole conversation.
func splitAnswers(b []byte) [][]byte {
	return bytes.Split(b, []byte{0xFF, 0xFE})
}
