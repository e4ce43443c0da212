package wording

import (
	"fmt"
	"strings"
	"time"
)

// Access positions in admin mode (docs/admin.md).
const (
	AdminPositionsButton   = "Access positions"
	AdminPositionsExplain  = "Type the UUID of the person whose access positions you manage. They need not be here, nor their card."
	AdminPositionsSend     = "Show their positions"
	AdminReadingPositions  = "Reading their positions…"
	AdminGrantButton       = "Grant a role"
	AdminGrantExplain      = "Check the person's identity in person, then choose or type the role. It starts now, in your organisation."
	AdminRoleLabel         = "Role"
	AdminRoleNeeded        = "Choose or type a role of 2 to 80 characters."
	AdminGrantSend         = "Grant the role"
	AdminGranting          = "Granting the role…"
	AdminEndButton         = "End"
	AdminEndExplain        = "The position ends now, or at the end of the last day you type. It is kept on record; it cannot be undone."
	AdminEndConfirm        = "I have checked that they leave this role"
	AdminEndConfirmFirst   = "Confirm that they leave this role first."
	AdminLastDayLabel      = "Last day"
	AdminLastDayHint       = "YYYY-MM-DD, or empty to end it now"
	AdminLastDayNeeded     = "Type the last day as YYYY-MM-DD, today or later, or leave it empty to end the position now."
	AdminEndSend           = "End the position"
	AdminEnding            = "Ending the position…"
	AdminPositionsBack     = "Back to the card"
	AdminPositionsNone     = "No positions in your organisation."
	AdminPositionsInvalid  = "identityd did not take this."
	AdminPositionsOpenEnds = "open-ended"
)

// AdminPositionsOf heads a user's positions in the administrator's
// organisation.
func AdminPositionsOf(name, uuid, organisation string) string {
	return name + " (UUID " + uuid + ") at " + organisation
}

// AdminPositionsElsewhere counts the positions a user holds in other
// organisations.
func AdminPositionsElsewhere(n int) string {
	switch n {
	case 0:
		return "No positions in other organisations."
	case 1:
		return "Holds 1 position in another organisation."
	}
	return fmt.Sprintf("Holds %d positions in other organisations.", n)
}

// AdminEndingPosition says which position the end form ends.
func AdminEndingPosition(role, name string) string {
	return "End " + role + " for " + name + "."
}

// AdminGranted says a role was granted.
func AdminGranted(role string) string { return role + " is granted, from now." }

// AdminEnded says a position ended, or when it will.
func AdminEnded(role string, stillHeld bool, until string) string {
	if stillHeld {
		return role + " ends at the end of " + until + "."
	}
	return role + " has ended. Sessions working in it have lost it."
}

// GrantableRoles are the role names offered for a grant; an RA's list
// includes the administrator roles, which only an RA may grant. Others may
// be typed.
func GrantableRoles(ra bool) []string {
	roles := []string{"Clinical Practitioner", "Nurse", "Pharmacist", "Healthcare Assistant", "Ward Clerk", "Receptionist"}
	if ra {
		roles = append(roles, "Sponsor", "Local Smartcard Administrator", "Registration Authority Agent")
	}
	return roles
}

// Why a positions call was not done.
var (
	AdminPositionsUserUnknown = Trouble{"No user has this UUID.", "Check the UUID on the person's record."}
	AdminOwnPosition          = Trouble{"Administrators do not change their own positions.", "Ask another administrator."}
	AdminPositionHeld         = Trouble{"They hold this role in your organisation already.", "Nothing needs doing."}
	AdminPositionEnded        = Trouble{"This position has ended already.", "Nothing needs doing; it stays on record."}
	AdminUserDisabled         = Trouble{"This person's access is disabled.", "No role can be granted until it is enabled again."}
)

// The audit view (admin mode, RA).
const (
	AuditButton        = "Audit trail"
	AuditExplain       = "Search the audit trail for a user, a card or an administrator; the dates narrow it. Read only, and the search is itself recorded."
	AuditUserLabel     = "User's UUID"
	AuditCardLabel     = "Card"
	AuditAdminLabel    = "Administrator's UUID"
	AuditFromLabel     = "From"
	AuditToLabel       = "To"
	AuditDayHint       = "YYYY-MM-DD"
	AuditSend          = "Search"
	AuditSearching     = "Searching the audit trail…"
	AuditSubjectNeeded = "Type a user's UUID, a card or an administrator's UUID to search for."
	AuditCardNeeded    = "Type the card's GUID: 32 hexadecimal digits."
	AuditDayNeeded     = "Type days as YYYY-MM-DD, or leave them empty."
	AuditDaysOrder     = "The first day must come before the last."
	AuditOlderButton   = "Older"
	AuditNewSearch     = "New search"
	AuditNone          = "No records."
)

// AuditSearch says what an audit search looked for.
func AuditSearch(user, card, admin string, from, to time.Time) string {
	var parts []string
	for _, p := range []struct{ label, v string }{{"user", user}, {"card", card}, {"administrator", admin}} {
		if p.v != "" {
			parts = append(parts, p.label+" "+p.v)
		}
	}
	s := "Records of " + strings.Join(parts, " and ")
	if !from.IsZero() {
		s += " from " + from.Local().Format("2 January 2006")
	}
	if !to.IsZero() {
		s += " until " + to.Local().AddDate(0, 0, -1).Format("2 January 2006")
	}
	return s
}

// AuditPageOf numbers a page of results.
func AuditPageOf(n, records int) string {
	return fmt.Sprintf("Page %d: %d records, newest first", n, records)
}

// AuditChainIntact says the chain verified.
func AuditChainIntact(records int64, at time.Time) string {
	return fmt.Sprintf("The audit chain is intact: %d records verified at %s.", records, at.Local().Format("15:04 on 2 January"))
}

// AuditChainBroken says where the chain does not hold.
func AuditChainBroken(seq int64, problem string) string {
	return fmt.Sprintf("The audit chain is BROKEN at record %d: %s. Tell your information governance lead.", seq, problem)
}

// AuditChainUnchecked says the chain has not been verified yet.
const AuditChainUnchecked = "The audit chain has not been verified yet: its first verification is under way."

// AuditChainUnverified says the last verification could not finish.
func AuditChainUnverified(problem string) string {
	return "The audit chain could not be verified (" + problem + "); it is tried again in a few minutes."
}

// Why an audit search was not answered.
var (
	AuditOutOfScope  = Trouble{"This person never held a position in your organisation.", "An RA of their organisation can search their records."}
	AuditCardUnknown = Trouble{"No card has this GUID.", "Check the GUID, or search by the holder's UUID."}
)
