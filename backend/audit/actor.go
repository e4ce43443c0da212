package audit

import "strings"

// ActorOf is the administrator a record's detail names as the one who
// acted: the UUID of a "by UUID as ROLE" clause at the start of the detail
// or, failing that, of the first one after "; " (an admin call's detail
// behind its renewal or unlock id); "" for none. Stores keep it in a column
// of its own, so that the trail can be searched by administrator; it is not
// in the MAC, since the detail it comes from is, and Verify checks the
// column against the detail. Migration 00009 computes the same in SQL for
// the records before it.
func ActorOf(detail string) string {
	if id, ok := actorAt(detail, "by "); ok {
		return id
	}
	if i := strings.Index(detail, "; by "); i >= 0 {
		id, _ := actorAt(detail[i:], "; by ")
		return id
	}
	return ""
}

// actorAt reads "<prefix>UUID as " at the start of s.
func actorAt(s, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) < 16 || rest[12:16] != " as " {
		return "", false
	}
	for _, c := range rest[:12] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return rest[:12], true
}
