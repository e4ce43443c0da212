package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The audit view (docs/admin.md): an RA searches the audit trail, read
// only, by user, card or administrator — someone who holds or held a
// position in the RA's organisation, or a card of theirs — narrowed by a
// date range, a page at a time, newest first; each page says how the last
// verification of the whole chain went.

// Page sizes of the audit view.
const (
	AuditPageDefault = 50
	AuditPageMax     = 200
)

// AuditQuery is GET /v1/sessions/{id}/admin/audit's query: at least one of
// User, Card and Admin; From inclusive and To exclusive; Before the Next of
// the page before.
type AuditQuery struct {
	User, Card, Admin string
	From, To          time.Time
	Before            string
	Limit             int
}

// Values is the query string of q.
func (q AuditQuery) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"user": q.User, "card": q.Card, "admin": q.Admin, "before": q.Before} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// ParseAuditQuery reads and checks a query string.
func ParseAuditQuery(v url.Values) (AuditQuery, error) {
	q := AuditQuery{User: v.Get("user"), Card: strings.ToLower(v.Get("card")), Admin: v.Get("admin"), Before: v.Get("before"),
		Limit: AuditPageDefault}
	for k := range v {
		switch k {
		case "user", "card", "admin", "from", "to", "before", "limit":
		default:
			return q, invalid(k, "is not a search parameter")
		}
	}
	switch {
	case q.User == "" && q.Card == "" && q.Admin == "":
		return q, invalid("user", "name a user, card or administrator to search for")
	case q.User != "" && !ValidUserID(q.User):
		return q, invalid("user", "must be a 12-digit UUID")
	case q.Admin != "" && !ValidUserID(q.Admin):
		return q, invalid("admin", "must be a 12-digit UUID")
	}
	if q.Card != "" {
		if _, err := ParseCardGUID(q.Card); err != nil {
			return q, invalid("card", "must be a card GUID, 32 hex digits")
		}
	}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, invalid(f.name, "must be a time in RFC 3339, as 2026-12-04T00:00:00Z")
			}
			*f.to = t
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, invalid("to", "must be after from")
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > AuditPageMax {
			return q, invalid("limit", fmt.Sprintf("must be 1 to %d", AuditPageMax))
		}
		q.Limit = n
	}
	if q.Before != "" {
		if _, _, err := ParseAuditCursor(q.Before); err != nil {
			return q, err
		}
	}
	return q, nil
}

// AuditCursor is where a page ends: its last record's time and sequence
// number, as "microseconds.seq".
func AuditCursor(at time.Time, seq int64) string {
	return strconv.FormatInt(at.UnixMicro(), 10) + "." + strconv.FormatInt(seq, 10)
}

// ParseAuditCursor reads an AuditCursor.
func ParseAuditCursor(s string) (time.Time, int64, error) {
	a, b, ok := strings.Cut(s, ".")
	us, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || seq < 1 {
		return time.Time{}, 0, invalid("before", "must be the next of an earlier page")
	}
	return time.UnixMicro(us).UTC(), seq, nil
}

// AuditEntry is one record as the audit view shows it (no hashes).
type AuditEntry struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	Action        string    `json:"action"`
	Outcome       string    `json:"outcome"`
	UserID        string    `json:"user_id,omitempty"`
	CardGUID      string    `json:"card_guid,omitempty"`
	WorkstationID string    `json:"workstation_id,omitempty"`
	SessionID     string    `json:"session_id,omitempty"`
	AdminID       string    `json:"admin_id,omitempty"` // the administrator who acted, if one did
	Detail        string    `json:"detail"`
}

// AuditChain is how the last verification of the whole chain went.
type AuditChain struct {
	Intact    bool      `json:"intact"`
	Records   int64     `json:"records"`    // verified, from the first
	CheckedAt time.Time `json:"checked_at"` // zero: not yet checked since identityd started
	BrokenAt  int64     `json:"broken_at,omitempty"`
	Problem   string    `json:"problem,omitempty"`
}

// AdminAuditPage answers GET /v1/sessions/{id}/admin/audit: a page of
// records, newest first; Next, if set, is the Before of the next page.
type AdminAuditPage struct {
	Records []AuditEntry `json:"records"`
	Next    string       `json:"next,omitempty"`
	Chain   AuditChain   `json:"chain"`
}
