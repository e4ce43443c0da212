package api

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Access positions (docs/admin.md): an RA, or a sponsor, grants a role in
// their own role's organisation to a user they have seen, and end-dates a
// leaver's position there; a position is never deleted. A session working
// in a position that has ended is refused every call made in that role
// (role_ended) from that moment on.

// MaxRoleNameLen is the longest role name, in characters.
const MaxRoleNameLen = 80

// AdminPosition is one access position as an administrator sees it.
type AdminPosition struct {
	ID               string     `json:"id"`
	OrganisationID   string     `json:"organisation_id"`
	OrganisationName string     `json:"organisation_name"`
	Role             string     `json:"role"`
	StartsAt         time.Time  `json:"starts_at"`
	EndsAt           *time.Time `json:"ends_at,omitempty"` // absent: open-ended
	Active           bool       `json:"active"`            // held now
}

// AdminPositions is GET /v1/sessions/{id}/admin/users/{user}/positions:
// the user's positions in the administrator's organisation, current and
// ended, and how many current ones they hold elsewhere (not shown).
type AdminPositions struct {
	Holder User `json:"holder"`
	// Organisation is the administrator's organisation, where they may
	// grant and end positions.
	OrganisationID   string          `json:"organisation_id"`
	OrganisationName string          `json:"organisation_name"`
	Positions        []AdminPosition `json:"positions"`
	Elsewhere        int             `json:"elsewhere"`
}

// AdminGrantRequest is the body of POST
// /v1/sessions/{id}/admin/users/{user}/positions: a role in the
// administrator's organisation for a user they have seen. The answer is the
// new position (201).
type AdminGrantRequest struct {
	Role            string `json:"role"`
	IdentityChecked bool   `json:"identity_checked"`
	Reason          string `json:"reason"`
}

// Validate checks the request shape.
func (r *AdminGrantRequest) Validate() error {
	if !ValidRoleName(r.Role) {
		return invalid("role", "must be a role name of 2 to 80 characters on one line")
	}
	if !r.IdentityChecked {
		return invalid("identity_checked", "must be true: see the user and their identity document first")
	}
	return validateReason(r.Reason)
}

// ValidRoleName reports whether s can name a role: 2 to MaxRoleNameLen
// printable characters, no leading or trailing space.
func ValidRoleName(s string) bool {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < 2 || n > MaxRoleNameLen || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) })
}

// AdminEndPositionRequest is the body of POST
// /v1/sessions/{id}/admin/users/{user}/positions/{position}/end: the
// position ends at EndsAt (absent: now), never in the past, and an end
// already set can only be brought forward. The answer is the position.
type AdminEndPositionRequest struct {
	EndsAt *time.Time `json:"ends_at,omitempty"`
	Reason string     `json:"reason"`
}

// Validate checks the request shape.
func (r *AdminEndPositionRequest) Validate() error {
	return validateReason(r.Reason)
}
