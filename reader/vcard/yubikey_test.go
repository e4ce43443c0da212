package vcard

import (
	"encoding/binary"
	"fmt"
	"testing"
)

func TestYubiKeyExtensions(t *testing.T) {
	c := newSelected(t, Options{})
	serial := binary.BigEndian.AppendUint32(nil, c.Info().Serial)
	runSteps(t, c, []step{
		{name: "version", cmd: "00 FD 00 00 00", want: "05 04 03 90 00"},
		{name: "serial", cmd: "00 F8 00 00 00", want: spacedHex(append(serial, 0x90, 0x00))},
		{name: "PIN metadata", cmd: "00 F7 00 80 00", want: "01 01 FF 02 02 00 00 05 01 01 06 02 03 03 90 00"},
		{name: "wrong PIN", cmd: "00 20 00 80 08 39 39 39 39 39 39 FF FF", sw: 0x63C2},
		{name: "PIN metadata counts", cmd: "00 F7 00 80 00", want: "01 01 FF 02 02 00 00 05 01 01 06 02 03 02 90 00"},
		{name: "PUK metadata", cmd: "00 F7 00 81 00", want: "01 01 FF 02 02 00 00 05 01 01 06 02 03 03 90 00"},
		{name: "9B metadata", cmd: "00 F7 00 9B 00", want: "01 01 03 02 02 00 01 05 01 01 90 00"},
		{name: "empty slot", cmd: "00 F7 00 9A 00", sw: 0x6A82},
		{name: "set retries needs 9B and PIN", cmd: "00 FA 05 04", sw: 0x6982},
		{name: "reset refused while PIN works", cmd: "00 FB 00 00", sw: 0x6985},
		{name: "attestation not supported", cmd: "00 F9 9A 00 00", sw: 0x6D00},
	})
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
	runSteps(t, c, []step{
		{name: "set retries", cmd: "00 FA 05 04", sw: 0x9000},
		{name: "5 PIN tries", cmd: "00 20 00 80 00", sw: 0x63C5},
	})
	generateKey(t, c, 0x9A, algECP256)
	resp, _ := c.Transmit(h("00 F7 00 9A 00"))
	if sw(resp) != 0x9000 || resp[2] != algECP256 || fmt.Sprintf("% X", resp[3:13]) != "02 02 02 01 03 01 01 04 43 86" {
		t.Fatalf("9A metadata % X", resp)
	}

	// Block PIN and PUK, then reset to factory.
	guid := c.GUID()
	for range 5 {
		c.Transmit(h("00 20 00 80 08 39 39 39 39 39 39 FF FF"))
	}
	for range 4 {
		c.Transmit(h("00 2C 00 80 10 30 30 30 30 30 30 30 30 36 35 34 33 32 31 FF FF"))
	}
	runSteps(t, c, []step{
		{name: "reset", cmd: "00 FB 00 00", sw: 0x9000},
		{name: "factory PIN tries", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "factory PIN", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x9000},
		{name: "keys gone", cmd: "00 F7 00 9A 00", sw: 0x6A82},
	})
	if c.GUID() == guid {
		t.Error("reset kept the GUID")
	}
}
