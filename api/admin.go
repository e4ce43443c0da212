package api

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The admin API (docs/admin.md): a Local Smartcard Administrator, Registration
// Authority agent or sponsor, logged in with their own card and working in
// that role, services another person's card in a second reader of the same
// workstation. Every call is made with the admin's session (its token and
// workstation) and authorised by identityd for the role and its
// organisation: an admin serves people who hold a position there.

// AdminRole is what an access position lets its holder do for others' cards.
type AdminRole string

const (
	AdminLSA     AdminRole = "lsa"     // Local Smartcard Administrator: unlock face to face
	AdminRA      AdminRole = "ra"      // Registration Authority: unlock, and the card work of later versions
	AdminSponsor AdminRole = "sponsor" // sponsor: renewals close to expiry, positions
)

// CardState is a card's state as identityd keeps it.
type CardState string

const (
	CardActive    CardState = "active"
	CardLocked    CardState = "locked"    // locked by an administrator
	CardCancelled CardState = "cancelled" // for good
)

// AdminCard is GET /v1/sessions/{id}/admin/cards/{guid}: the card in the
// second reader as the admin sees it.
type AdminCard struct {
	GUID  string    `json:"guid"`
	State CardState `json:"state"`
	// Holder is whose card it is (id and name), shown only to an admin
	// who may service it.
	Holder *User `json:"holder,omitempty"`
	// CertificateNotAfter is when the card's login certificate expires.
	CertificateNotAfter *time.Time `json:"certificate_not_after,omitempty"`
	// InScope says the holder holds a position in the admin role's
	// organisation, so this admin may service the card.
	InScope bool `json:"in_scope"`
	// Enrolling says the card was assigned by an enrolment that has not
	// finished: it has no certificates yet, and an RA may go on with it
	// (AdminEnrolRequest.CardGUID).
	Enrolling bool `json:"enrolling,omitempty"`
}

// Sizes of an admin's reason.
const (
	MinReasonLen = 3
	MaxReasonLen = 200
)

// AdminUnlockRequest is the body of POST /v1/sessions/{id}/admin/unlocks:
// a face-to-face unlock of the holder's blocked card. The answer is an
// Unlock past its code (code_accepted) with its token: the card proves
// itself and takes its new passcode and PUK as in a self-service unlock
// (POST /v1/unlocks/{id}/witness, …/puk, …/complete).
type AdminUnlockRequest struct {
	CardGUID string `json:"card_guid"`
	// IdentityChecked says the admin has seen the holder and their
	// identity document, face to face.
	IdentityChecked bool   `json:"identity_checked"`
	Reason          string `json:"reason"` // typed by the admin, audited
}

// Validate checks the request shape.
func (r *AdminUnlockRequest) Validate() error {
	if _, err := ParseCardGUID(r.CardGUID); err != nil {
		return err
	}
	if !r.IdentityChecked {
		return invalid("identity_checked", "must be true: see the holder and their identity document first")
	}
	return validateReason(r.Reason)
}

func validateReason(s string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if !utf8.ValidString(s) || n < MinReasonLen || n > MaxReasonLen || strings.ContainsAny(s, "\r\n") {
		return invalid("reason", "must be one line of 3 to 200 characters")
	}
	return nil
}

// AdminRenewalRequest is the body of POST /v1/sessions/{id}/admin/renewals:
// an RA or sponsor renews the certificates of the holder's card face to
// face. An RA renews whenever asked (expired certificates and the
// every-third renewal too); a sponsor only inside the sponsor window before
// expiry. With Repair (RA only) the card is repaired: its passcode is set
// anew by the holder as well, and the answer carries a face-to-face unlock
// for that, to run on the card before the renewal.
type AdminRenewalRequest struct {
	CardGUID        string `json:"card_guid"`
	IdentityChecked bool   `json:"identity_checked"`
	Reason          string `json:"reason"`
	Repair          bool   `json:"repair,omitempty"`
}

// Validate checks the request shape.
func (r *AdminRenewalRequest) Validate() error {
	u := AdminUnlockRequest{CardGUID: r.CardGUID, IdentityChecked: r.IdentityChecked, Reason: r.Reason}
	return u.Validate()
}

// AdminRenewal answers POST /v1/sessions/{id}/admin/renewals: the renewal
// with its token, driven as a self-renewal is (POST /v1/renewals/{id}/…),
// and for a repair the unlock past its code that sets the new passcode
// first (POST /v1/unlocks/{id}/…).
type AdminRenewal struct {
	Renewal Renewal `json:"renewal"`
	Unlock  *Unlock `json:"unlock,omitempty"`
}

// AdminCancelRequest is the body of POST /v1/sessions/{id}/admin/cancellations:
// an RA cancels a holder's card reported lost or stolen, for good, by its
// GUID (the card need not be there) or from the card itself. identityd
// then refuses any login, renewal or unlock with it and ends its live
// sessions. The answer is the card as the admin now sees it.
type AdminCancelRequest struct {
	CardGUID string `json:"card_guid"`
	// Confirmed says the admin knows a cancelled card never comes back.
	Confirmed bool   `json:"confirmed"`
	Reason    string `json:"reason"`
}

// Validate checks the request shape.
func (r *AdminCancelRequest) Validate() error {
	if _, err := ParseCardGUID(r.CardGUID); err != nil {
		return err
	}
	if !r.Confirmed {
		return invalid("confirmed", "must be true: a cancelled card can never be used again")
	}
	return validateReason(r.Reason)
}

// ValidUserID reports whether s is a user's UUID: 12 digits.
func ValidUserID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// AdminEnrolRequest is the body of POST /v1/sessions/{id}/admin/enrolments:
// an RA issues a factory-fresh card to an existing user whom they have
// seen. identityd assigns the card a new GUID; CardGUID names instead a
// card whose enrolment did not finish (AdminCard.Enrolling), to go on with
// it.
type AdminEnrolRequest struct {
	UserID          string `json:"user_id"`
	CardGUID        string `json:"card_guid,omitempty"`
	IdentityChecked bool   `json:"identity_checked"`
	Reason          string `json:"reason"`
}

// Validate checks the request shape.
func (r *AdminEnrolRequest) Validate() error {
	if !ValidUserID(r.UserID) {
		return invalid("user_id", "must be the holder's 12-digit UUID")
	}
	if r.CardGUID != "" {
		if _, err := ParseCardGUID(r.CardGUID); err != nil {
			return err
		}
	}
	if !r.IdentityChecked {
		return invalid("identity_checked", "must be true: see the holder and their identity document first")
	}
	return validateReason(r.Reason)
}

// AdminEnrolment answers POST /v1/sessions/{id}/admin/enrolments: what the
// agent writes to the card before its keys (docs/admin.md). PIV can load a
// management key or PUK only in the clear, so both are handed out once,
// for this card, to go straight to it and be wiped; identityd keeps the
// PUK sealed and derives the key again whenever the card must prove
// itself. The renewal (kind ra, with its token) then makes the card's keys
// and certificates as any renewal does (POST /v1/renewals/{id}/…); its
// completion makes the card usable.
type AdminEnrolment struct {
	CardGUID string `json:"card_guid"` // the card's new GUID, for its CHUID
	Holder   User   `json:"holder"`
	// ManagementKey is the card's own AES-128 management key (9B), 16
	// bytes, standard base64.
	ManagementKey string `json:"management_key"`
	// PUK is the card's PUK: 8 digits.
	PUK string `json:"puk"`
	// CardExpires is the card's own expiry (CHUID and printed
	// information), a date; its certificates expire sooner.
	CardExpires time.Time `json:"card_expires"`
	// Organisation is the issuing organisation's name, printed on the card.
	Organisation string  `json:"organisation"`
	Renewal      Renewal `json:"renewal"`
}
