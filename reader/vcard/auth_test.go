package vcard

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

func TestMgmtAuth(t *testing.T) {
	keys := []struct {
		name string
		alg  byte
		key  []byte
	}{
		{"3DES", alg3DES, defaultMgmtKey},
		{"AES-128", algAES128, bytes.Repeat([]byte{0x11}, 16)},
		{"AES-192", algAES192, bytes.Repeat([]byte{0x22}, 24)},
		{"AES-256", algAES256, bytes.Repeat([]byte{0x33}, 32)},
	}
	for _, k := range keys {
		for _, mode := range []string{"mutual", "external"} {
			t.Run(k.name+"/"+mode, func(t *testing.T) {
				c := newSelected(t, Options{})
				if err := c.SetManagementKey(k.alg, k.key); err != nil {
					t.Fatal(err)
				}
				auth := mutualAuth
				if mode == "external" {
					auth = externalAuth
				}
				wrong := bytes.Repeat([]byte{0x44}, len(k.key))
				if s := auth(t, c, k.alg, wrong); s != 0x6982 {
					t.Fatalf("wrong key: SW %04X", s)
				}
				putData := apdu.Command{INS: 0xDB, P1: 0x3F, P2: 0xFF, Data: h("5C 03 5F C1 09 53 02 01 02")}
				_, s := send(t, c, putData)
				mustSW(t, s, 0x6982, "PUT DATA after a failed 9B")
				mustSW(t, auth(t, c, k.alg, k.key), 0x9000, "right key")
				_, s = send(t, c, putData)
				mustSW(t, s, 0x9000, "PUT DATA after 9B")
			})
		}
	}
}

func TestMgmtAuthProtocol(t *testing.T) {
	c := newSelected(t, Options{})
	// A witness answer without a witness request, a replayed one, the wrong
	// algorithm, and the exact bytes the tools send.
	runSteps(t, c, []step{
		{name: "wrong algorithm", cmd: "00 87 08 9B 04 7C 02 80 00 00", sw: 0x6A86},
		{name: "step 2 with no step 1", cmd: "00 87 03 9B 16 7C 14 80 08 01 02 03 04 05 06 07 08 81 08 01 02 03 04 05 06 07 08 00", sw: 0x6982},
		{name: "external step 2 with no step 1", cmd: "00 87 03 9B 0C 7C 0A 82 08 01 02 03 04 05 06 07 08", sw: 0x6982},
		{name: "not a 7C template", cmd: "00 87 03 9B 04 7D 02 80 00 00", sw: 0x6A80},
		{name: "witness request", cmd: "00 87 03 9B 04 7C 02 80 00 00", sw: 0x9000},
		{name: "another command voids it", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "bad slot", cmd: "00 87 11 80 04 7C 02 80 00 00", sw: 0x6A86},
	})
	resp, _ := c.Transmit(h("00 87 03 9B 04 7C 02 80 00 00"))
	if len(resp) != 14 || !bytes.Equal(resp[:4], h("7C 0A 80 08")) || sw(resp) != 0x9000 {
		t.Fatalf("witness answer % X", resp)
	}
	resp, _ = c.Transmit(h("00 87 03 9B 04 7C 02 81 00 00"))
	if len(resp) != 14 || !bytes.Equal(resp[:4], h("7C 0A 81 08")) {
		t.Fatalf("challenge answer % X", resp)
	}
	c.SetManagementKey(algAES128, make([]byte, 16))
	resp, _ = c.Transmit(h("00 87 08 9B 04 7C 02 80 00 00"))
	if len(resp) != 22 || !bytes.Equal(resp[:4], h("7C 12 80 10")) {
		t.Fatalf("AES witness answer % X", resp)
	}
}

func TestSetManagementKeyAPDU(t *testing.T) {
	c := newSelected(t, Options{})
	newKey := bytes.Repeat([]byte{0xA5}, 32)
	set := fmt.Sprintf("00 FF FF FF 23 0C 9B 20 %s", spacedHex(newKey))
	runSteps(t, c, []step{{name: "needs 9B", cmd: set, sw: 0x6982}})
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	runSteps(t, c, []step{
		{name: "wrong length", cmd: "00 FF FF FF 05 0C 9B 02 01 02", sw: 0x6A80},
		{name: "set AES-256", cmd: set, sw: 0x9000},
	})
	selectPIV(t, c)
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x6A86, "old 3DES key")
	mustSW(t, mutualAuth(t, c, algAES256, newKey), 0x9000, "new AES key")
	if c.Info().MgmtAlg != "aes256" {
		t.Errorf("Info().MgmtAlg = %q", c.Info().MgmtAlg)
	}
}
