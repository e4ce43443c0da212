package vcard

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

// h decodes spaced hex: "00 A4 04 00".
func h(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

// step is one APDU exchange of a table test. want, if set, is the whole
// response (data and SW) in spaced hex; otherwise only sw is checked.
type step struct {
	name string
	cmd  string
	sw   uint16
	want string
}

func runSteps(t *testing.T, c *Card, steps []step) {
	t.Helper()
	for _, s := range steps {
		resp, err := c.Transmit(h(s.cmd))
		if err != nil {
			t.Fatalf("%s: Transmit error %v", s.name, err)
		}
		if s.want != "" {
			if !bytes.Equal(resp, h(s.want)) {
				t.Fatalf("%s: %s\n got % X\nwant % X", s.name, s.cmd, resp, h(s.want))
			}
			continue
		}
		if got := sw(resp); got != s.sw {
			t.Fatalf("%s: %s: SW %04X, want %04X (response % X)", s.name, s.cmd, got, s.sw, resp)
		}
	}
}

func sw(resp []byte) uint16 {
	if len(resp) < 2 {
		return 0
	}
	return uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])
}

// send sends a command through an apdu.Client (which does chaining and
// GET RESPONSE like a host) and returns data and SW.
func send(t *testing.T, c *Card, cmd apdu.Command) ([]byte, uint16) {
	t.Helper()
	cl := apdu.Client{T: c}
	r, err := cl.Transmit(cmd)
	if err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	return r.Data, r.SW
}

func mustSW(t *testing.T, got, want uint16, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: SW %04X, want %04X", what, got, want)
	}
}

func newSelected(t *testing.T, opts Options) *Card {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	selectPIV(t, c)
	return c
}

func selectPIV(t *testing.T, c *Card) {
	t.Helper()
	_, s := send(t, c, apdu.Command{INS: 0xA4, P1: 0x04, Data: pivAID, Ne: 256})
	mustSW(t, s, 0x9000, "SELECT")
}

func verifyPIN(t *testing.T, c *Card, pin string) uint16 {
	t.Helper()
	_, s := send(t, c, apdu.Command{INS: 0x20, P2: 0x80, Data: pad8([]byte(pin)), Sensitive: true})
	return s
}

func blockCipher(t *testing.T, alg byte, key []byte) cipher.Block {
	t.Helper()
	var b cipher.Block
	var err error
	if alg == alg3DES {
		b, err = des.NewTripleDESCipher(key)
	} else {
		b, err = aes.NewCipher(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutualAuth authenticates with 9B as yubico-piv-tool does.
func mutualAuth(t *testing.T, c *Card, alg byte, key []byte) uint16 {
	t.Helper()
	b := blockCipher(t, alg, key)
	bs := b.BlockSize()
	data, s := send(t, c, apdu.Command{INS: 0x87, P1: alg, P2: 0x9B, Data: h("7C 02 80 00"), Ne: 256})
	if s != 0x9000 {
		return s
	}
	in, err := apdu.Unwrap(data, 0x7C)
	if err != nil {
		t.Fatal(err)
	}
	ew, ok, _ := apdu.Find(in, 0x80)
	if !ok || len(ew) != bs {
		t.Fatalf("witness % X", data)
	}
	w := make([]byte, bs)
	b.Decrypt(w, ew)
	ch := bytes.Repeat([]byte{0x5A}, bs)
	data, s = send(t, c, apdu.Command{INS: 0x87, P1: alg, P2: 0x9B,
		Data: apdu.Encode(0x7C, apdu.Encode(0x80, w), apdu.Encode(0x81, ch)), Ne: 256, Sensitive: true})
	if s != 0x9000 {
		return s
	}
	want := make([]byte, bs)
	b.Encrypt(want, ch)
	if !bytes.Equal(data, apdu.Encode(0x7C, apdu.Encode(0x82, want))) {
		t.Fatalf("card's response to our challenge % X, want % X", data, want)
	}
	return s
}

// externalAuth authenticates with 9B in one direction (host proves the key).
func externalAuth(t *testing.T, c *Card, alg byte, key []byte) uint16 {
	t.Helper()
	b := blockCipher(t, alg, key)
	data, s := send(t, c, apdu.Command{INS: 0x87, P1: alg, P2: 0x9B, Data: h("7C 02 81 00"), Ne: 256})
	if s != 0x9000 {
		return s
	}
	in, _ := apdu.Unwrap(data, 0x7C)
	ch, ok, _ := apdu.Find(in, 0x81)
	if !ok || len(ch) != b.BlockSize() {
		t.Fatalf("challenge % X", data)
	}
	enc := make([]byte, len(ch))
	b.Encrypt(enc, ch)
	_, s = send(t, c, apdu.Command{INS: 0x87, P1: alg, P2: 0x9B, Data: apdu.Encode(0x7C, apdu.Encode(0x82, enc)), Sensitive: true})
	return s
}
