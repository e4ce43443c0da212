package identity

import (
	"context"
	"strings"
	"testing"
)

// TestAnswerHash: a hash matches its answer only; it carries its cost, so
// one made at another cost still checks; a tampered or hostile hash is
// refused before any work.
func TestAnswerHash(t *testing.T) {
	ctx := context.Background()
	h := newAnswerHasher()
	phc, err := h.hash(ctx, "biscuit")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", phc)
	}
	again, _ := h.hash(ctx, "biscuit")
	if again == phc {
		t.Fatal("two hashes of one answer are equal: no salt")
	}
	for answer, want := range map[string]bool{"biscuit": true, "biscuits": false, "": false} {
		if ok, err := h.matches(ctx, phc, answer); err != nil || ok != want {
			t.Fatalf("matches(%q) = %v, %v", answer, ok, err)
		}
	}
	cheap := answerHasher{cost: AnswerHashCost{Time: 1, MemoryKiB: 64, Threads: 1}, slots: make(chan struct{}, 1)}
	old, _ := cheap.hash(ctx, "lisbon")
	if ok, err := h.matches(ctx, old, "lisbon"); err != nil || !ok {
		t.Fatalf("a hash of another cost: %v, %v", ok, err)
	}
	for _, bad := range []string{"", "biscuit", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // 4 GiB
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA"} {
		if _, err := h.matches(ctx, bad, "biscuit"); err == nil {
			t.Errorf("matches accepted the hash %q", bad)
		}
	}
}

// BenchmarkAnswerHash is one answer hashed at the default cost, on one
// core: what a registration pays four times, an unlock's check twice, and
// an attacker with a copy of the store once per guess.
func BenchmarkAnswerHash(b *testing.B) {
	h := newAnswerHasher()
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.hash(ctx, "hillsideprimary"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNormaliseAnswer: how an answer is typed does not matter; what it
// says does.
func TestNormaliseAnswer(t *testing.T) {
	same := [][]string{
		{"St. Mary's", "st marys", "ST MARYS!", "  St Mary’s  "},
		{"Jean-Luc", "jean luc", "JEANLUC"},
		{"ＬＩＳＢＯＮ", "lisbon"},        // full-width letters
		{"Zoë", "Zoe\u0308", "ZOË"}, // composed and decomposed
		{"Ward 7", "ward7"},
		{"ΟΔΥΣΣΕΥΣ", "οδυσσευς"}, // the final sigma folds like the others
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if normaliseAnswer(s) != normaliseAnswer(group[0]) {
				t.Errorf("%q and %q normalise to %q and %q", s, group[0], normaliseAnswer(s), normaliseAnswer(group[0]))
			}
		}
	}
	if normaliseAnswer("Lisbon") == normaliseAnswer("Lisboa") {
		t.Error("different answers normalise alike")
	}
}

// TestAddressBlock: a client is counted by its IPv4 address or IPv6 /64.
func TestAddressBlock(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.7": "192.0.2.7", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64", "::ffff:192.0.2.7": "::ffff:192.0.2.7", "not an address": "not an address"} {
		if got := addressBlock(in); got != want {
			t.Errorf("addressBlock(%q) = %q, want %q", in, got, want)
		}
	}
}
