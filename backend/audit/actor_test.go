package audit

import "testing"

func TestActorOf(t *testing.T) {
	for _, c := range []struct{ detail, want string }{
		{"by 555000000002 as Registration Authority Agent at RDEMO1 (session abc): forgot passcode", "555000000002"},
		{"renewal epADbtlcKTc; by 555000000002 as Sponsor at RDEMO1 (session x): close to expiry", "555000000002"},
		{"renewal ?; by 555000000002 as Sponsor at RDEMO1 (session x): reason; by 555000000009 as X", "555000000002"},
		{"unlock u1; by 555000000002 as Local Smartcard Administrator", ""}, // no such prefix is written
		{"by 555000000001 (session s): forged; by 555000000002 as Registration Authority Agent", ""},
		{`request refused: unknown field "; by 555000000002 as x"`, ""},
		{"renewal a b; by 555000000002 as Sponsor", ""},
		{"renewal ; by 555000000002 as Sponsor", ""},
		{"Ärzte; by 555000000002 as Sponsor", ""},
		{"by demo: Dr Ada Demo", ""},
		{"by 55500000000 as short", ""},
		{"by 55500000000x as letter", ""},
		{"login from the card", ""},
		{"renewal r; by 555000000002 asX", ""},
		{"stood by 555000000002 as a witness", ""},
		{"", ""},
	} {
		if got := ActorOf(c.detail); got != c.want {
			t.Errorf("ActorOf(%q) = %q, want %q", c.detail, got, c.want)
		}
	}
}

func FuzzActorOf(f *testing.F) {
	for _, s := range []string{"by 555000000002 as RA", "x; by 555000000002 as RA", "; by ", "by ", "by 123456789012 as "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		if id := ActorOf(detail); id != "" && (len(id) != 12 || !digitsOnly(id)) {
			t.Fatalf("ActorOf(%q) = %q", detail, id)
		}
	})
}

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
