package testkit

import "testing"

func TestHoldsSecret(t *testing.T) {
	for text, want := range map[string]bool{
		"passcode 482916 typed":           true,
		"482916":                          true,
		"data=0a1b4829163e5f":             false, // inside hex data by chance
		"apdu=00200080083438323931364646": true,  // as the hex of its bytes
		"nothing here":                    false,
	} {
		if got := HoldsSecret(text, "482916"); got != want {
			t.Errorf("HoldsSecret(%q) = %v, want %v", text, got, want)
		}
	}
}
