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

func TestValidPositionID(t *testing.T) {
	for _, c := range []struct {
		id string
		ok bool
	}{
		{"demo-ada-clinician", true}, {"pos-0a1b2c3d4e5f", true}, {"", false}, {"a/b", false}, {"..", false}, {strings.Repeat("p", 65), false},
	} {
		if got := ValidPositionID(c.id); got != c.ok {
			t.Errorf("ValidPositionID(%q) = %v, want %v", c.id, got, c.ok)
		}
	}
}
