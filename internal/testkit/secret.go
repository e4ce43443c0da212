package testkit

import (
	"encoding/hex"
	"strings"
)

// HoldsSecret reports whether text shows secret as typed or as the hex of
// its bytes (how an APDU trace would show it). As typed it must stand on
// its own: a digits-only secret is found inside hex data by chance (a
// certificate's bytes), and that is not a leak.
func HoldsSecret(text, secret string) bool {
	if strings.Contains(strings.ToLower(text), hex.EncodeToString([]byte(secret))) {
		return true
	}
	for i := 0; ; {
		j := strings.Index(text[i:], secret)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(secret)
		if (start == 0 || !isHex(text[start-1])) && (end == len(text) || !isHex(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
