package apdu

import (
	"encoding/hex"
	"strings"
	"testing"
)

// h decodes spaced hex ("00 A4 04 00") for table tests.
func h(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
