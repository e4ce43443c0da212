package piv

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

// TestErrors maps the card's status words, per command, to what callers
// test with errors.Is and errors.As.
func TestErrors(t *testing.T) {
	ops := map[string]struct {
		cmd string
		run func(*Card) error
	}{
		"verify":   {"00 20 00 80 08 31 32 33 34 35 36 FF FF", func(c *Card) error { return c.Verify([]byte("123456")) }},
		"get data": {"00 CB 3F FF 05 5C 03 5F C1 02 00", func(c *Card) error { _, err := c.CHUID(); return err }},
		"put data": {"00 DB 3F FF 07 5C 03 5F C1 09 53 00", func(c *Card) error { return c.PutData(ObjPrintedInfo, nil) }},
		"keygen":   {"00 47 00 9A 05 AC 03 80 01 11 00", func(c *Card) error { _, err := c.GenerateKey(SlotAuthentication, AlgECCP256); return err }},
		"unblock": {"00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF",
			func(c *Card) error { return c.Unblock([]byte("12345678"), []byte("123456")) }},
		"select": {selectFull, func(c *Card) error { return c.Select() }},
	}
	tests := []struct {
		op, sw string
		is     []error
		auth   *AuthError
	}{
		{"verify", "63 C2", []error{ErrWrongPasscode, apdu.ErrVerifyFailed}, &AuthError{Retries: 2}},
		{"verify", "63 02", []error{ErrWrongPasscode}, &AuthError{Retries: 2}},
		{"verify", "63 C0", []error{ErrBlocked}, &AuthError{Blocked: true}},
		{"verify", "69 83", []error{ErrBlocked, apdu.ErrAuthBlocked}, &AuthError{Blocked: true}},
		{"verify", "6A 88", []error{ErrNotFound}, nil},
		{"unblock", "63 C1", []error{ErrWrongPasscode}, &AuthError{Retries: 1}},
		{"unblock", "69 83", []error{ErrBlocked}, &AuthError{Blocked: true}},
		{"get data", "6A 82", []error{ErrNotFound, apdu.ErrNotFound}, nil},
		{"get data", "69 82", []error{ErrSecurityStatus}, nil},
		{"get data", "6D 00", []error{ErrNotSupported}, nil},
		{"put data", "69 82", []error{ErrSecurityStatus}, nil},
		{"put data", "6A 84", []error{apdu.ErrNotEnoughMemory}, nil},
		{"keygen", "69 82", []error{ErrSecurityStatus}, nil},
		{"keygen", "6A 80", []error{apdu.ErrWrongData}, nil},
		{"keygen", "6A 86", []error{apdu.ErrIncorrectP1P2}, nil},
		{"select", "6A 82", []error{ErrNotPIV, ErrNotFound}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.sw, func(t *testing.T) {
			op := ops[tt.op]
			s := newScript(t, op.cmd, tt.sw)
			if tt.op == "select" {
				s.add(h(selectTrunc), h(tt.sw))
			}
			err := op.run(s.card())
			s.done()
			for _, want := range tt.is {
				if !errors.Is(err, want) {
					t.Errorf("%v is not %v", err, want)
				}
			}
			var ae AuthError
			if got := errors.As(err, &ae); got != (tt.auth != nil) || (got && ae != *tt.auth) {
				t.Errorf("%v: AuthError %v %+v, want %+v", err, got, ae, tt.auth)
			}
		})
	}
}

func TestAuthErrorText(t *testing.T) {
	for _, tt := range []struct {
		e    AuthError
		want string
	}{
		{AuthError{Retries: 2}, "piv: wrong passcode, 2 tries left"},
		{AuthError{Retries: 1}, "piv: wrong passcode, 1 try left"},
		{AuthError{Blocked: true}, "piv: passcode blocked"},
	} {
		if got := fmt.Sprint(tt.e); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
}
