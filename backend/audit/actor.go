package audit

import "regexp"

// actorClause is how an administrator's call names them, at the very start
// of its detail, behind its renewal's id if it has one (identity.adminDetail,
// withRenewal). Anchored: text a caller typed (a reason, a field name echoed
// in a refusal) comes later in a detail and cannot pass for it.
var actorClause = regexp.MustCompile(`^(?:renewal [A-Za-z0-9_?-]{1,64}; )?by ([0-9]{12}) as `)

// ActorOf is the administrator a record's detail names as the one who
// acted (the UUID of its actorClause), or "" for none. Stores keep it in a
// column of its own, so that the trail can be searched by administrator; it
// is not in the MAC, since the detail it comes from is, and Verify checks
// the column against the detail. Migration 00009 computes the same in SQL
// for the records before it.
func ActorOf(detail string) string {
	if m := actorClause.FindStringSubmatch(detail); m != nil {
		return m[1]
	}
	return ""
}
