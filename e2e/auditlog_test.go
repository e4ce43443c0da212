//go:build e2e

package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
)

// auditLine is one record of `identityd audit tail` and the line it came
// as (to look for secrets in all of it).
type auditLine struct {
	Action, Outcome, Card, Detail string
	User                          string `json:"user"`
	Line                          string `json:"-"`
}

// auditTail reads identityd's newest n audit records, oldest first.
func auditTail(t *testing.T, id *testkit.Identityd, n int) []auditLine {
	t.Helper()
	var recs []auditLine
	for _, line := range strings.Split(strings.TrimSpace(id.Admin(t, "audit", "tail", "-n", strconv.Itoa(n))), "\n") {
		rec := auditLine{Line: line}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit tail line %q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	return recs
}
