package identity

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// clip makes caller-supplied text fit an audit column: invalid UTF-8 and
// control characters become U+FFFD (PostgreSQL refuses both in TEXT), and
// the result is cut to at most max bytes on a rune boundary.
func clip(s string, max int) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return utf8.RuneError
			}
			return r
		}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// Refusal audit writes get what is left of the request's deadline, and at
// least auditFloor, so that a refusal of a timed-out request is still
// written but a hung store cannot hold the request much past its deadline.
const (
	auditFloor   = 500 * time.Millisecond
	auditNoLimit = 5 * time.Second // a context without a deadline
)

// auditBudget is how long a refusal's audit write may take.
func auditBudget(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return auditNoLimit
	}
	return max(time.Until(dl), auditFloor)
}
