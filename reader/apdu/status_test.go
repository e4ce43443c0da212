package apdu

import (
	"errors"
	"testing"
)

func TestErrors(t *testing.T) {
	tests := []struct {
		sw      uint16
		want    error
		retries int
		hasTry  bool
	}{
		{0x63C3, ErrVerifyFailed, 3, true},
		{0x63C0, ErrVerifyFailed, 0, true},
		{0x6302, ErrVerifyFailed, 2, true}, // old YubiKeys (piv-go #60)
		{0x6983, ErrAuthBlocked, 0, false},
		{0x6982, ErrSecurityStatus, 0, false},
		{0x6A82, ErrNotFound, 0, false},
		{0x6A88, ErrNotFound, 0, false},
		{0x6A80, ErrWrongData, 0, false},
		{0x6700, ErrWrongLength, 0, false},
		{0x6D00, ErrNotSupported, 0, false},
		{0x6E00, ErrNotSupported, 0, false},
		{0x6A86, ErrIncorrectP1P2, 0, false},
		{0x6884, ErrChainingNotAllowed, 0, false},
		{0x6985, ErrConditionsNotMet, 0, false},
		{0x6F00, nil, 0, false},
	}
	for _, tc := range tests {
		err := Response{SW: tc.sw}.Err()
		var se *StatusError
		if !errors.As(err, &se) || se.Status() != tc.sw {
			t.Fatalf("%04X: not a StatusError: %v", tc.sw, err)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%04X: errors.Is(%v) false", tc.sw, tc.want)
		}
		if tc.want == nil && se.Unwrap() != nil {
			t.Errorf("%04X: unwraps to %v, want nil", tc.sw, se.Unwrap())
		}
		n, ok := se.RetriesLeft()
		if ok != tc.hasTry || n != tc.retries {
			t.Errorf("%04X: RetriesLeft = %d,%v want %d,%v", tc.sw, n, ok, tc.retries, tc.hasTry)
		}
		if err.Error() == "" {
			t.Errorf("%04X: empty message", tc.sw)
		}
	}
	if (Response{SW: 0x9000}).Err() != nil {
		t.Error("9000 is an error")
	}
}

func TestParseResponse(t *testing.T) {
	r, err := ParseResponse(h(t, "01 02 90 00"))
	if err != nil || r.SW != 0x9000 || len(r.Data) != 2 || !r.OK() {
		t.Fatalf("got %+v %v", r, err)
	}
	if _, err := ParseResponse([]byte{0x90}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("1-byte response: %v", err)
	}
}
