package piv

import (
	"bytes"
	"errors"
	"testing"
)

const (
	selectFull  = "00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00"
	selectTrunc = "00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"
	// A YubiKey 5 answer: 61 {4F PIX, 79 {4F AID}}.
	aptYubiKey = "61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08"
	// The full template of SP 800-73-4 part 2 §3.1.1 with a label and two
	// algorithms.
	aptFull = "61 1C 4F 0B A0 00 00 03 08 00 00 10 00 01 00 79 00 50 03 50 49 56 AC 06 80 01 11 80 01 07"
)

func TestSelect(t *testing.T) {
	tests := []struct {
		name      string
		script    []string
		wantErr   error
		wantAID   []byte
		wantLabel string
		wantAlgs  int
	}{
		{name: "full template", script: []string{selectFull, aptFull + " 90 00"},
			wantAID: aidPIV, wantLabel: "PIV", wantAlgs: 2},
		{name: "yubikey partial AID", script: []string{selectFull, aptYubiKey + " 90 00"},
			wantAID: h("00 00 10 00 01 00")},
		{name: "no data", script: []string{selectFull, "90 00"}},
		{name: "template content only", script: []string{selectFull, "4F 05 A0 00 00 03 08 90 00"},
			wantAID: h("A0 00 00 03 08")},
		{name: "garbage data", script: []string{selectFull, "61 FF 4F 90 00"}},
		{name: "truncated AID fallback", script: []string{selectFull, "6A 82", selectTrunc, "90 00"}},
		{name: "not PIV", script: []string{selectFull, "6A 82", selectTrunc, "6A 82"}, wantErr: ErrNotPIV},
		{name: "not PIV 6D00", script: []string{selectFull, "6D 00", selectTrunc, "6D 00"}, wantErr: ErrNotPIV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, tt.script...)
			c := s.card()
			err := c.Select()
			s.done()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Select: %v, want %v", err, tt.wantErr)
			}
			app := c.Application()
			if !bytes.Equal(app.AID, tt.wantAID) || app.Label != tt.wantLabel || len(app.Algorithms) != tt.wantAlgs {
				t.Errorf("Application() = %+v", app)
			}
			if c.Extended() {
				t.Error("extended APDUs without being allowed")
			}
		})
	}
}

func TestSelectExtended(t *testing.T) {
	yubikey := h("3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40")
	tests := []struct {
		name string
		opts []Option
		apt  string
		want bool
	}{
		{"default short", nil, aptYubiKey, false},
		{"ATR says yes but not allowed", []Option{WithATR(yubikey)}, aptYubiKey, false},
		{"allowed, ATR says yes", []Option{WithATR(yubikey), WithExtendedAPDUs()}, aptYubiKey, true},
		{"allowed, no ATR", []Option{WithExtendedAPDUs()}, aptYubiKey, false},
		{"allowed, 7F66 in answer", []Option{WithExtendedAPDUs()}, "61 0B 4F 02 A0 00 7F 66 04 02 02 04 00", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, selectFull, tt.apt+" 90 00")
			c := s.card(tt.opts...)
			if err := c.Select(); err != nil {
				t.Fatal(err)
			}
			if c.Extended() != tt.want {
				t.Errorf("Extended() = %v, want %v", c.Extended(), tt.want)
			}
		})
	}
}

func TestExtendedGetData(t *testing.T) {
	yubikey := h("3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40")
	s := newScript(t, selectFull, "90 00",
		"00 CB 3F FF 00 00 05 5C 03 5F C1 02 00 00", "53 12 34 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 90 00")
	c := s.card(WithATR(yubikey), WithExtendedAPDUs())
	if err := c.Select(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GUID(); err != nil {
		t.Fatal(err)
	}
	s.done()
}

func TestATRExtended(t *testing.T) {
	tests := []struct {
		name, atr string
		want      bool
	}{
		{"YubiKey 5 NFC", "3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40", true},
		{"card capabilities without extended", "3B 8C 80 01 80 73 C0 21 80 00 00 00 00 00 00 00 00", false},
		{"no card capabilities", "3B 7F 96 00 00 80 31 80 65 B0 85 03 00 EF 12 0F FF 82 90 00", false},
		{"category 00 with status", "3B 88 80 01 00 73 C0 21 C0 00 90 00 00", true},
		{"empty", "", false},
		{"truncated", "3B FD 13 00", false},
		{"TD chain past the end", "3B 80", false},
		{"compact TLV past the end", "3B 83 80 01 80 73 C0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ATRExtended(h(tt.atr)); got != tt.want {
				t.Errorf("ATRExtended(%s) = %v, want %v", tt.atr, got, tt.want)
			}
		})
	}
}

func TestSlotObject(t *testing.T) {
	tests := []struct {
		slot Slot
		want uint32
		ok   bool
	}{
		{SlotAuthentication, 0x5FC105, true},
		{SlotSignature, 0x5FC10A, true},
		{SlotKeyManagement, 0x5FC10B, true},
		{SlotCardAuthentication, 0x5FC101, true},
		{0x82, 0x5FC10D, true},
		{0x95, 0x5FC120, true},
		{0x9B, 0, false},
	}
	for _, tt := range tests {
		got, ok := tt.slot.Object()
		if uint32(got) != tt.want || ok != tt.ok {
			t.Errorf("Slot(%s).Object() = %X %v, want %X %v", tt.slot, got, ok, tt.want, tt.ok)
		}
	}
}
