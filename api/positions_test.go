package api

import (
	"strings"
	"testing"
)

func TestValidRoleName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Ward Clerk", true}, {"Clinical Practitioner Access Role", true}, {"Ärztin", true}, {strings.Repeat("r", MaxRoleNameLen), true},
		{"", false}, {"x", false}, {" Ward Clerk", false}, {"Ward Clerk ", false}, {"Ward\nClerk", false}, {"Ward\u0007", false},
		{strings.Repeat("r", MaxRoleNameLen+1), false}, {"\xff\xfe", false},
	} {
		if got := ValidRoleName(c.name); got != c.ok {
			t.Errorf("ValidRoleName(%q) = %v, want %v", c.name, got, c.ok)
		}
	}
}
