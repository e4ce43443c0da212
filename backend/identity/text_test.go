package identity

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "ward-7-pc-3", 128, "ward-7-pc-3"},
		{"invalid bytes", "ws\xff\xfe-1", 128, "ws\uFFFD-1"},
		{"NUL and controls", "a\x00b\x1bc", 128, "a\uFFFDb\uFFFDc"},
		{"cut inside a rune", strings.Repeat("a", 63) + "é", 64, strings.Repeat("a", 63)},
		{"cut after a rune", strings.Repeat("a", 62) + "é", 64, strings.Repeat("a", 62) + "é"},
		{"cut inside a 4-byte rune", strings.Repeat("a", 126) + "😀", 128, strings.Repeat("a", 126)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := clip(tt.in, tt.max)
			if got != tt.want || !utf8.ValidString(got) || len(got) > tt.max {
				t.Fatalf("clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// TestAuditBudget: a refusal's audit write shares the request's deadline,
// with a small floor once it has passed, instead of adding 5 s to it.
func TestAuditBudget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if b := auditBudget(ctx); b > 2*time.Second || b <= auditFloor {
		t.Fatalf("budget with 2 s left = %v", b)
	}
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if b := auditBudget(past); b != auditFloor {
		t.Fatalf("budget past the deadline = %v, want the floor %v", b, auditFloor)
	}
	if b := auditBudget(context.Background()); b != auditNoLimit {
		t.Fatalf("budget without a deadline = %v", b)
	}
}
