package piv

import (
	"bytes"
	"errors"
	"testing"
)

func isZero(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }

func TestVerify(t *testing.T) {
	const cmd = "00 20 00 80 08 31 32 33 34 35 36 FF FF"
	tests := []struct {
		name    string
		sw      string
		want    error
		wantAE  AuthError
		isAuthE bool
		plain   bool // neither nil nor an AuthError
	}{
		{name: "right", sw: "90 00"},
		{name: "wrong 2 left", sw: "63 C2", want: ErrWrongPasscode, wantAE: AuthError{Retries: 2}, isAuthE: true},
		{name: "wrong 1 left", sw: "63 C1", want: ErrWrongPasscode, wantAE: AuthError{Retries: 1}, isAuthE: true},
		{name: "last try used", sw: "63 C0", want: ErrBlocked, wantAE: AuthError{Blocked: true}, isAuthE: true},
		{name: "old YubiKey 630x", sw: "63 02", want: ErrWrongPasscode, wantAE: AuthError{Retries: 2}, isAuthE: true},
		{name: "blocked", sw: "69 83", want: ErrBlocked, wantAE: AuthError{Blocked: true}, isAuthE: true},
		{name: "other", sw: "6A 80", plain: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, cmd, tt.sw)
			pin := []byte("123456")
			err := s.card().Verify(pin)
			s.done()
			if !isZero(pin) {
				t.Error("caller's PIN not wiped")
			}
			if tt.plain {
				var ae AuthError
				if err == nil || errors.As(err, &ae) {
					t.Fatalf("Verify: %v, want a plain status error", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			var ae AuthError
			if errors.As(err, &ae) != tt.isAuthE || ae != tt.wantAE {
				t.Errorf("Verify: AuthError %+v, want %+v", ae, tt.wantAE)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	const cmd = "00 20 00 80"
	tests := []struct {
		sw      string
		want    int
		wantErr error
	}{
		{"63 C3", 3, nil},
		{"63 C2", 2, nil},
		{"63 C1", 1, nil},
		{"63 03", 3, nil}, // old YubiKeys
		{"63 C0", 0, ErrBlocked},
		{"69 83", 0, ErrBlocked},
		{"90 00", 0, ErrAlreadyVerified},
		{"6A 88", 0, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.sw, func(t *testing.T) {
			s := newScript(t, cmd, tt.sw)
			n, err := s.card().Retries()
			s.done()
			if n != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("Retries() = %d, %v; want %d, %v", n, err, tt.want, tt.wantErr)
			}
			if errors.Is(tt.wantErr, ErrBlocked) {
				var ae AuthError
				if !errors.As(err, &ae) || !ae.Blocked {
					t.Errorf("Retries() error %v is not AuthError{Blocked: true}", err)
				}
			}
		})
	}
}

func TestPasscodeLength(t *testing.T) {
	c := newScript(t).card() // no APDU may be sent
	long := []byte("123456789")
	for name, f := range map[string]func() error{
		"verify empty":     func() error { return c.Verify(nil) },
		"verify long":      func() error { return c.Verify(long) },
		"change PIN long":  func() error { return c.ChangePIN([]byte("123456"), []byte("123456789")) },
		"change PUK empty": func() error { return c.ChangePUK([]byte("12345678"), []byte{}) },
		"unblock long PUK": func() error { return c.Unblock([]byte("123456789"), []byte("123456")) },
	} {
		if err := f(); !errors.Is(err, ErrPasscodeLength) {
			t.Errorf("%s: %v, want ErrPasscodeLength", name, err)
		}
	}
	if !isZero(long) {
		t.Error("rejected PIN not wiped")
	}
}

func TestChangeReference(t *testing.T) {
	tests := []struct {
		name   string
		cmd    string
		sw     string
		f      func(c *Card, a, b []byte) error
		a, b   string
		wantAE *AuthError
	}{
		{name: "change PIN", f: (*Card).ChangePIN, a: "123456", b: "654321",
			cmd: "00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 FF FF", sw: "90 00"},
		{name: "change PIN wrong old", f: (*Card).ChangePIN, a: "123450", b: "654321",
			cmd: "00 24 00 80 10 31 32 33 34 35 30 FF FF 36 35 34 33 32 31 FF FF", sw: "63 C2", wantAE: &AuthError{Retries: 2}},
		{name: "change PUK", f: (*Card).ChangePUK, a: "12345678", b: "87654321",
			cmd: "00 24 00 81 10 31 32 33 34 35 36 37 38 38 37 36 35 34 33 32 31", sw: "90 00"},
		{name: "unblock", f: (*Card).Unblock, a: "12345678", b: "111111",
			cmd: "00 2C 00 80 10 31 32 33 34 35 36 37 38 31 31 31 31 31 31 FF FF", sw: "90 00"},
		{name: "unblock PUK blocked", f: (*Card).Unblock, a: "12345678", b: "111111",
			cmd: "00 2C 00 80 10 31 32 33 34 35 36 37 38 31 31 31 31 31 31 FF FF", sw: "69 83", wantAE: &AuthError{Blocked: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, tt.cmd, tt.sw)
			a, b := []byte(tt.a), []byte(tt.b)
			err := tt.f(s.card(), a, b)
			s.done()
			if !isZero(a) || !isZero(b) {
				t.Error("passcodes not wiped")
			}
			var ae AuthError
			switch {
			case tt.wantAE == nil && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.wantAE != nil && (!errors.As(err, &ae) || ae != *tt.wantAE):
				t.Errorf("error %v, want %+v", err, *tt.wantAE)
			}
		})
	}
}

func TestDeauthenticate(t *testing.T) {
	s := newScript(t, "00 20 FF 80", "90 00")
	if err := s.card().Deauthenticate(); err != nil {
		t.Fatal(err)
	}
	s.done()
}
