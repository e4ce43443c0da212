package apdu

import (
	"bytes"
	"errors"
	"testing"
)

func TestCommandEncoding(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name     string
		cmd      Command
		want     string
		extended bool
	}{
		{"case 1", Command{CLA: 0x00, INS: 0xA4, P1: 0x04}, "00 A4 04 00", false},
		{"case 2S Le=00 means 256", Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Ne: 256}, "00 CB 3F FF 00", false},
		{"case 2S", Command{INS: 0xC0, Ne: 0x10}, "00 C0 00 00 10", false},
		{"case 3S", Command{INS: 0x20, P2: 0x80, Data: []byte{0x31, 0x32}}, "00 20 00 80 02 31 32", false},
		{"case 4S", Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x00}, Ne: 256}, "00 A4 04 00 02 A0 00 00", false},
		{"case 2E", Command{INS: 0xCB, Ne: 65536}, "00 CB 00 00 00 00 00", true},
		{"case 2E 300", Command{INS: 0xCB, Ne: 300}, "00 CB 00 00 00 01 2C", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cmd.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, h(t, tc.want)) {
				t.Fatalf("Bytes() = % X, want %s", got, tc.want)
			}
			back, ext, err := ParseCommand(got)
			if err != nil {
				t.Fatal(err)
			}
			if ext != tc.extended || back.INS != tc.cmd.INS || back.Ne != tc.cmd.Ne || !bytes.Equal(back.Data, tc.cmd.Data) {
				t.Fatalf("round trip = %v ext=%v, want %v ext=%v", back, ext, tc.cmd, tc.extended)
			}
		})
	}
	c := Command{INS: 0xDB, Data: long, Ne: 256}
	enc, err := c.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc[:7], h(t, "00 DB 00 00 00 01 2C")) || !bytes.Equal(enc[len(enc)-2:], h(t, "01 00")) {
		t.Fatalf("case 4E header/trailer = % X … % X", enc[:7], enc[len(enc)-2:])
	}
	back, ext, err := ParseCommand(enc)
	if err != nil || !ext || !bytes.Equal(back.Data, long) || back.Ne != 256 {
		t.Fatalf("4E round trip: %v %v %v", back, ext, err)
	}
}

func TestCommandEncodingErrors(t *testing.T) {
	if _, err := (Command{Ne: -1}).Bytes(); err == nil {
		t.Error("negative Ne accepted")
	}
	if _, err := (Command{Data: make([]byte, 70000)}).Bytes(); err == nil {
		t.Error("70000 data bytes accepted")
	}
	if _, err := (Command{Data: make([]byte, 300)}).encode(false); err == nil {
		t.Error("300 data bytes in a short APDU accepted")
	}
}

func TestParseCommandMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"00 A4 04",
		"00 A4 04 00 05 01 02",       // Lc says 5, 2 follow
		"00 A4 04 00 02 01 02 03 04", // too many trailing bytes
		"00 A4 04 00 00 01",          // extended length field cut short
		"00 A4 04 00 00 00 00 00",    // extended Lc 0
		"00 A4 04 00 00 00 03 01",    // extended Lc 3, 1 follows
	} {
		_, _, err := ParseCommand(h(t, s))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCommand(%s) error = %v, want ErrMalformed", s, err)
		}
	}
}

func TestCommandStringHidesData(t *testing.T) {
	s := Command{INS: 0x20, P2: 0x80, Data: []byte("123456\xff\xff")}.String()
	if bytes.Contains([]byte(s), []byte("31")) || bytes.Contains([]byte(s), []byte("123456")) {
		t.Fatalf("String() leaks data: %s", s)
	}
}
