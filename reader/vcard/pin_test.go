package vcard

import (
	"testing"
)

func TestVerifyCounter(t *testing.T) {
	c := newSelected(t, Options{})
	runSteps(t, c, []step{
		{name: "tries left", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "right PIN", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", want: "90 00"},
		{name: "verified", cmd: "00 20 00 80 00", sw: 0x9000},
		{name: "P1 FF resets", cmd: "00 20 FF 80 00", sw: 0x9000},
		{name: "no longer verified", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "wrong 1", cmd: "00 20 00 80 08 31 31 31 31 31 31 FF FF", sw: 0x63C2},
		{name: "tries left 2", cmd: "00 20 00 80 00", sw: 0x63C2},
		{name: "wrong 2", cmd: "00 20 00 80 08 31 31 31 31 31 31 FF FF", sw: 0x63C1},
		{name: "right PIN restores the counter", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x9000},
		{name: "back to 3", cmd: "00 20 FF 80", sw: 0x9000},
		{name: "3 again", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "wrong a", cmd: "00 20 00 80 08 39 39 39 39 39 39 FF FF", sw: 0x63C2},
		{name: "wrong b", cmd: "00 20 00 80 08 39 39 39 39 39 39 FF FF", sw: 0x63C1},
		{name: "wrong c blocks", cmd: "00 20 00 80 08 39 39 39 39 39 39 FF FF", sw: 0x6983},
		{name: "blocked, even the right PIN", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x6983},
		{name: "blocked status", cmd: "00 20 00 80 00", sw: 0x6983},
		{name: "PIN that breaks the rule", cmd: "00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 FF FF FF FF FF FF", sw: 0x6A80},
		{name: "wrong PUK", cmd: "00 2C 00 80 10 38 37 36 35 34 33 32 31 36 35 34 33 32 31 FF FF", sw: 0x63C2},
		{name: "unblock with PUK", cmd: "00 2C 00 80 10 31 32 33 34 35 36 37 38 36 35 34 33 32 31 FF FF", sw: 0x9000},
		{name: "PIN has 3 tries", cmd: "00 20 00 80 00", sw: 0x63C3},
		{name: "old PIN is gone", cmd: "00 20 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x63C2},
		{name: "new PIN works", cmd: "00 20 00 80 08 36 35 34 33 32 31 FF FF", sw: 0x9000},
		{name: "PUK counter is back to 3", cmd: "00 2C 00 80 10 30 30 30 30 30 30 30 30 36 35 34 33 32 31 FF FF", sw: 0x63C2},
		{name: "PUK 1 left", cmd: "00 2C 00 80 10 30 30 30 30 30 30 30 30 36 35 34 33 32 31 FF FF", sw: 0x63C1},
		{name: "PUK blocked", cmd: "00 2C 00 80 10 30 30 30 30 30 30 30 30 36 35 34 33 32 31 FF FF", sw: 0x6983},
		{name: "PUK stays blocked", cmd: "00 2C 00 80 10 31 32 33 34 35 36 37 38 36 35 34 33 32 31 FF FF", sw: 0x6983},
		{name: "PUK cannot be verified", cmd: "00 20 00 81 00", sw: 0x6A88},
		{name: "bad P1", cmd: "00 20 01 80 00", sw: 0x6A86},
		{name: "bad length", cmd: "00 20 00 80 06 31 32 33 34 35 36", sw: 0x6700},
		{name: "P1 FF with data", cmd: "00 20 FF 80 08 31 32 33 34 35 36 FF FF", sw: 0x6700},
		{name: "RESET RETRY COUNTER bad P2", cmd: "00 2C 00 81 10 31 32 33 34 35 36 37 38 36 35 34 33 32 31 FF FF", sw: 0x6A86},
	})
}

func TestChangeReferenceData(t *testing.T) {
	c := newSelected(t, Options{})
	runSteps(t, c, []step{
		{name: "change PIN", cmd: "00 24 00 80 10 31 32 33 34 35 36 FF FF 61 62 63 64 65 66 67 FF", sw: 0x9000},
		{name: "new PIN", cmd: "00 20 00 80 08 61 62 63 64 65 66 67 FF", sw: 0x9000},
		{name: "wrong old PIN", cmd: "00 24 00 80 10 31 32 33 34 35 36 FF FF 31 32 33 34 35 36 FF FF", sw: 0x63C2},
		{name: "wrong old PIN drops verification", cmd: "00 20 00 80 00", sw: 0x63C2},
		{name: "new PIN too short", cmd: "00 24 00 80 10 61 62 63 64 65 66 67 FF 31 32 33 FF FF FF FF FF", sw: 0x6A80},
		{name: "new PIN not printable", cmd: "00 24 00 80 10 61 62 63 64 65 66 67 FF 31 32 33 34 35 00 FF FF", sw: 0x6A80},
		{name: "padding then data", cmd: "00 24 00 80 10 61 62 63 64 65 66 67 FF 31 32 33 34 35 36 FF 31", sw: 0x6A80},
		{name: "counter untouched by 6A80", cmd: "00 20 00 80 00", sw: 0x63C2},
		{name: "change PUK", cmd: "00 24 00 81 10 31 32 33 34 35 36 37 38 41 42 43 44 45 46 47 48", sw: 0x9000},
		{name: "old PUK is gone", cmd: "00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF", sw: 0x63C2},
		{name: "new PUK works", cmd: "00 2C 00 80 10 41 42 43 44 45 46 47 48 31 32 33 34 35 36 FF FF", sw: 0x9000},
		{name: "wrong length", cmd: "00 24 00 80 08 31 32 33 34 35 36 FF FF", sw: 0x6700},
		{name: "unknown reference", cmd: "00 24 00 9B 10 31 32 33 34 35 36 FF FF 31 32 33 34 35 36 FF FF", sw: 0x6A88},
	})
}

func TestPINRule(t *testing.T) {
	c := newSelected(t, Options{PINMinLen: 6, PINMaxLen: 8, PINDigitsOnly: true, PINRetries: 5})
	runSteps(t, c, []step{
		{name: "5 tries", cmd: "00 20 00 80 00", sw: 0x63C5},
		{name: "letters refused", cmd: "00 24 00 80 10 31 32 33 34 35 36 FF FF 61 62 63 64 65 66 FF FF", sw: 0x6A80},
		{name: "digits accepted", cmd: "00 24 00 80 10 31 32 33 34 35 36 FF FF 39 38 37 36 35 34 33 32", sw: 0x9000},
	})
	if _, err := New(Options{PINMinLen: 9}); err == nil {
		t.Error("New accepted a minimum PIN length of 9")
	}
	if err := c.SetPIN([]byte("abc123")); err == nil {
		t.Error("SetPIN broke the digits-only rule")
	}
}
