package vcard

import (
	"bytes"
	"crypto/rand"
	"sync"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

func TestSelect(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	apt := applicationPropertyTemplate()
	runSteps(t, c, []step{
		{name: "GET DATA before SELECT", cmd: "00 CB 3F FF 05 5C 03 5F C1 02 00", sw: 0x6A82},
		{name: "VERIFY before SELECT", cmd: "00 20 00 80 00", sw: 0x6A82},
		{name: "other AID", cmd: "00 A4 04 00 07 A0 00 00 05 27 20 01 00", sw: 0x6A82},
		{name: "select by file", cmd: "00 A4 00 00 02 3F 00", sw: 0x6A82},
		{name: "bad P2", cmd: "00 A4 04 01 05 A0 00 00 03 08 00", sw: 0x6A86},
		{name: "too short a prefix", cmd: "00 A4 04 00 04 A0 00 00 03 00", sw: 0x6A82},
		{name: "full AID", cmd: "00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00",
			want: spacedHex(append(apt, 0x90, 0x00))},
		{name: "RID only, like real cards", cmd: "00 A4 04 00 05 A0 00 00 03 08 00", sw: 0x9000},
		{name: "no answer wanted", cmd: "00 A4 04 0C 09 A0 00 00 03 08 00 00 10 00", want: "90 00"},
		{name: "other AID keeps PIV selected", cmd: "00 A4 04 00 05 D2 76 00 01 24 00", sw: 0x6A82},
		{name: "still selected", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "unknown INS", cmd: "00 E2 00 00 00", sw: 0x6D00},
		{name: "unknown CLA", cmd: "80 CB 3F FF 05 5C 03 5F C1 02 00", sw: 0x6E00},
		{name: "malformed APDU", cmd: "00 CB 3F", sw: 0x6700},
		{name: "Lc mismatch", cmd: "00 CB 3F FF 09 5C 03", sw: 0x6700},
	})
	// The template parses as SP 800-73-4 describes it.
	in, err := apdu.Unwrap(apt, 0x61)
	if err != nil {
		t.Fatal(err)
	}
	if pix, _, _ := apdu.Find(in, 0x4F); !bytes.Equal(pix, h("00 00 10 00 01 00")) {
		t.Errorf("PIX % X", pix)
	}
}

func spacedHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	var s []byte
	for _, x := range b {
		s = append(s, digits[x>>4], digits[x&15], ' ')
	}
	return string(s)
}

func TestGetData(t *testing.T) {
	c := newSelected(t, Options{})
	guid := c.GUID()
	chuid, s := send(t, c, apdu.Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Data: h("5C 03 5F C1 02"), Ne: 256})
	mustSW(t, s, 0x9000, "CHUID")
	in, err := apdu.Unwrap(chuid, 0x53)
	if err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[apdu.Tag][]byte{0x30: fascN, 0x34: guid[:], 0x35: []byte("20991231"), 0x3E: {}} {
		got, ok, _ := apdu.Find(in, tag)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("CHUID tag %s = % X, want % X", tag, got, want)
		}
	}
	if guid == [16]byte{} {
		t.Error("GUID is zero")
	}
	other, _ := New(Options{})
	if other.GUID() == guid {
		t.Error("two cards share a GUID")
	}
	runSteps(t, c, []step{
		{name: "discovery", cmd: "00 CB 3F FF 03 5C 01 7E 00",
			want: "7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00 90 00"},
		{name: "CCC", cmd: "00 CB 3F FF 05 5C 03 5F C1 07 00", sw: 0x9000},
		{name: "no 9A certificate yet", cmd: "00 CB 3F FF 05 5C 03 5F C1 05 00", sw: 0x6A82},
		{name: "facial image needs the PIN", cmd: "00 CB 3F FF 05 5C 03 5F C1 08 00", sw: 0x6982},
		{name: "printed info needs the PIN", cmd: "00 CB 3F FF 05 5C 03 5F C1 09 00", sw: 0x6982},
		{name: "PIN", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x9000},
		{name: "no facial image", cmd: "00 CB 3F FF 05 5C 03 5F C1 08 00", sw: 0x6A82},
		{name: "no printed info", cmd: "00 CB 3F FF 05 5C 03 5F C1 09 00", sw: 0x6A82},
		{name: "no key history", cmd: "00 CB 3F FF 05 5C 03 5F C1 0C 00", sw: 0x6A82},
		{name: "wrong P1P2", cmd: "00 CB 3F FE 05 5C 03 5F C1 02 00", sw: 0x6A86},
		{name: "not a tag list", cmd: "00 CB 3F FF 05 5D 03 5F C1 02 00", sw: 0x6A80},
		{name: "PUT DATA without 9B", cmd: "00 DB 3F FF 09 5C 03 5F C1 09 53 02 01 02", sw: 0x6982},
	})
}

func TestResponseChaining(t *testing.T) {
	c := newSelected(t, Options{})
	big := make([]byte, 1000)
	rand.Read(big)
	if err := c.PutObject(tagFacialImage, big); err != nil {
		t.Fatal(err)
	}
	want := apdu.Encode(0x53, big)                         // 1004 bytes: 256+256+256+236
	mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY") // the facial image is PIN-protected

	// Short Le: 256 bytes and 61 00, then GET RESPONSE until 9000.
	resp, _ := c.Transmit(h("00 CB 3F FF 05 5C 03 5F C1 08 00"))
	if len(resp) != 258 || sw(resp) != 0x6100 {
		t.Fatalf("first part: %d bytes, SW %04X", len(resp), sw(resp))
	}
	got := resp[:256]
	for i := 0; ; i++ {
		resp, _ = c.Transmit(h("00 C0 00 00 00"))
		got = append(got, resp[:len(resp)-2]...)
		if sw(resp) == 0x9000 {
			break
		}
		if resp[len(resp)-2] != 0x61 || i > 5 {
			t.Fatalf("GET RESPONSE: SW %04X", sw(resp))
		}
		if i == 1 && sw(resp) != 0x61EC {
			t.Errorf("61xx announces %04X, want 61EC (236 left)", sw(resp))
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatal("reassembled object differs")
	}

	// A short Le asks for fewer bytes; the remainder follows.
	resp, _ = c.Transmit(h("00 CB 3F FF 05 5C 03 5F C1 08 10"))
	if len(resp) != 18 || sw(resp) != 0x6100 {
		t.Fatalf("Le 10: %d bytes SW %04X", len(resp), sw(resp))
	}
	runSteps(t, c, []step{
		{name: "another command drops the rest", cmd: "00 20 00 80 00", sw: 0x9000},
		{name: "nothing to get", cmd: "00 C0 00 00 00", sw: 0x6985},
	})

	// Extended Le gets everything at once.
	resp, _ = c.Transmit(h("00 CB 3F FF 00 00 05 5C 03 5F C1 08 00 00"))
	if sw(resp) != 0x9000 || !bytes.Equal(resp[:len(resp)-2], want) {
		t.Fatalf("extended: SW %04X, %d bytes", sw(resp), len(resp)-2)
	}

	// And the host library sees one response.
	data, s := send(t, c, apdu.Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Data: h("5C 03 5F C1 08"), Ne: 65536})
	mustSW(t, s, 0x9000, "apdu.Client GET DATA")
	if !bytes.Equal(data, want) {
		t.Fatal("apdu.Client: object differs")
	}
}

func TestCommandChaining(t *testing.T) {
	c := newSelected(t, Options{})
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	cert := make([]byte, 700)
	rand.Read(cert)
	obj := certObject(cert)
	put := append(h("5C 03 5F C1 05"), obj...)

	// Through the host library: parts of 255 with CLA 10, then the last.
	_, s := send(t, c, apdu.Command{INS: 0xDB, P1: 0x3F, P2: 0xFF, Data: put})
	mustSW(t, s, 0x9000, "chained PUT DATA")
	data, s := send(t, c, apdu.Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Data: h("5C 03 5F C1 05"), Ne: 256})
	mustSW(t, s, 0x9000, "GET DATA")
	if !bytes.Equal(data, obj) {
		t.Fatal("certificate object differs after chained PUT DATA")
	}

	// A broken chain: the next part is another command.
	first := append(h("10 DB 3F FF FF"), put[:255]...)
	runSteps(t, c, []step{
		{name: "first part", cmd: spacedHex(first), sw: 0x9000},
		{name: "different command mid-chain", cmd: "00 CB 3F FF 05 5C 03 5F C1 05 00", sw: 0x6883},
		{name: "chain dropped, commands work again", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "first part again", cmd: spacedHex(first), sw: 0x9000},
		{name: "chained part of another command", cmd: "10 20 00 80 04 31 32 33 34", sw: 0x6883},
		{name: "delete with an empty 53", cmd: "00 DB 3F FF 07 5C 03 5F C1 05 53 00", sw: 0x9000},
		{name: "gone", cmd: "00 CB 3F FF 05 5C 03 5F C1 05 00", sw: 0x6A82},
		{name: "discovery is read-only", cmd: "00 DB 3F FF 05 5C 01 7E 53 00", sw: 0x6A80},
		{name: "not a 53 object", cmd: "00 DB 3F FF 08 5C 03 5F C1 09 54 01 00", sw: 0x6A80},
	})
}

func TestResetClearsVolatile(t *testing.T) {
	c := newSelected(t, Options{})
	mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	c.Transmit(h("10 DB 3F FF 03 5C 01 7E")) // a chain in progress
	c.Reset()
	runSteps(t, c, []step{
		{name: "deselected", cmd: "00 20 00 80 00", sw: 0x6A82},
		{name: "select", cmd: "00 A4 04 00 05 A0 00 00 03 08", sw: 0x9000},
		{name: "PIN no longer verified", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "9B no longer authenticated", cmd: "00 DB 3F FF 09 5C 03 5F C1 09 53 02 01 02", sw: 0x6982},
	})
	// SELECT alone ends the 9B session but keeps the PIN.
	mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	runSteps(t, c, []step{
		{name: "re-select", cmd: "00 A4 04 00 05 A0 00 00 03 08", sw: 0x9000},
		{name: "PIN still verified", cmd: "00 20 00 80 00", sw: 0x9000},
		{name: "9B ended", cmd: "00 DB 3F FF 09 5C 03 5F C1 09 53 02 01 02", sw: 0x6982},
	})
}

func TestConcurrentTransmit(t *testing.T) {
	c := newSelected(t, Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				r, _ := c.Transmit(h("00 CB 3F FF 05 5C 03 5F C1 02 00"))
				if sw(r) != 0x9000 {
					t.Errorf("SW %04X", sw(r))
					return
				}
			}
		})
	}
	wg.Wait()
}
