package api

import (
	"regexp"
	"time"
)

// SessionState is where a backend session stands.
type SessionState string

// Session states. An ended session never comes back.
const (
	SessionActive    SessionState = "active"
	SessionSuspended SessionState = "suspended"
	SessionEnded     SessionState = "ended"
)

// Session is returned by login, resume and GET /v1/sessions/{id}. Token is
// present only in the login and resume responses: the backend stores only
// its hash. Send it as "Authorization: Bearer <token>" together with the
// Cardagent-Workstation header on every session call.
type Session struct {
	ID            string            `json:"id"`
	Token         string            `json:"token,omitempty"`
	State         SessionState      `json:"state"`
	ExpiresAt     time.Time         `json:"expires_at"`
	WorkstationID string            `json:"workstation_id"`
	CardGUID      string            `json:"card_guid"`
	User          User              `json:"user"`
	Roles         []Role            `json:"roles"`
	RoleID        string            `json:"role_id,omitempty"` // the selected role, once chosen
	TermsRequired bool              `json:"terms_required"`
	Terms         *Terms            `json:"terms,omitempty"` // the text to accept, when required
	Certificate   CertificateStatus `json:"certificate"`
	// Renewal is the card's open renewal, if it has one (id and state, no
	// token): reopen it (POST /v1/renewals) to go on.
	Renewal *Renewal `json:"renewal,omitempty"`
}

// User is the person a card belongs to.
type User struct {
	ID     string `json:"id"` // 12-digit UUID
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
	Mobile string `json:"mobile,omitempty"`
}

// Role is an access position: a role name the user holds at one organisation.
type Role struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	OrganisationID   string     `json:"organisation_id"`
	OrganisationName string     `json:"organisation_name"`
	EndsAt           *time.Time `json:"ends_at,omitempty"`
	// Admin is what working in this role lets its holder do for others'
	// cards (docs/admin.md); empty for a role without.
	Admin AdminRole `json:"admin,omitempty"`
}

// Terms is one version of the terms and conditions of smartcard use.
type Terms struct {
	Version int    `json:"version"`
	Text    string `json:"text"`
}

// RenewalRefusal says why self-renewal is not allowed now.
type RenewalRefusal string

// Reasons self-renewal is refused.
const (
	RenewalOutsideWindow RenewalRefusal = "outside_window" // too early: more days left than the window
	RenewalExpired       RenewalRefusal = "expired"        // expired certificates need an RA
	RenewalRADue         RenewalRefusal = "ra_due"         // this renewal must be done by an RA in person
	// RenewalOutsideSponsorWindow: a sponsor renews only in the last days
	// before expiry (Policy.SponsorRenewalWindowDays).
	RenewalOutsideSponsorWindow RenewalRefusal = "outside_sponsor_window"
)

// CertificateStatus describes the slot 9A certificate used to log in.
type CertificateStatus struct {
	Serial             string         `json:"serial"` // hex
	NotAfter           time.Time      `json:"not_after"`
	DaysLeft           int            `json:"days_left"`
	ExpiryAlert        bool           `json:"expiry_alert"` // inside the renewal window: alert at every login
	SelfRenewalAllowed bool           `json:"self_renewal_allowed"`
	RenewalRefusal     RenewalRefusal `json:"renewal_refusal,omitempty"`
}

// AcceptTermsRequest is the body of POST /v1/sessions/{id}/terms.
type AcceptTermsRequest struct {
	Version int `json:"version"`
}

// Validate checks the request shape.
func (r *AcceptTermsRequest) Validate() error {
	if r.Version < 1 {
		return invalid("version", "must be a published terms version (≥ 1)")
	}
	return nil
}

// SelectRoleRequest is the body of PUT /v1/sessions/{id}/role.
type SelectRoleRequest struct {
	RoleID string `json:"role_id"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate checks the request shape.
func (r *SelectRoleRequest) Validate() error {
	if !idPattern.MatchString(r.RoleID) {
		return invalid("role_id", "must be a role id")
	}
	return nil
}

// ValidID reports whether s has the shape of a session or role id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// Policy is the public policy the agent applies (GET /v1/policy).
type Policy struct {
	PasscodeMinLength  int  `json:"passcode_min_length"`
	PasscodeMaxLength  int  `json:"passcode_max_length"`
	PasscodeDigitsOnly bool `json:"passcode_digits_only"`
	PasscodeRetries    int  `json:"passcode_retries"`
	// A new passcode must not be one repeated character or a run up or
	// down (111111, 123456, 8765): checked by the agent before the card.
	PasscodeRefuseSimple bool `json:"passcode_refuse_simple"`
	// A new passcode must differ from the current one.
	PasscodeRefuseCurrent    bool   `json:"passcode_refuse_current"`
	RenewalWindowDays        int    `json:"renewal_window_days"`
	SponsorRenewalWindowDays int    `json:"sponsor_renewal_window_days"`
	CertificateValidityDays  int    `json:"certificate_validity_days"`
	RenewalsBeforeRA         int    `json:"renewals_before_ra"`
	SelfServiceUnlock        string `json:"self_service_unlock"` // "off", "email", "email+questions"
	UnlockCodeLifetimeSecs   int    `json:"unlock_code_lifetime_seconds"`
	UnlockAttempts           int    `json:"unlock_attempts"`
	SessionLockPersistence   bool   `json:"session_lock_persistence"` // suspend instead of end on removal
	ChallengeLifetimeSecs    int    `json:"challenge_lifetime_seconds"`
	RenewalOpenTTLSecs       int    `json:"renewal_open_ttl_seconds"` // an opened renewal nobody touched expires after this long
	// What pulling the card does to the desktop ("" is lock-agent); an
	// agent's own configuration may override it.
	RemovalAction RemovalAction `json:"removal_action,omitempty"`
	// The programs logout closes, by exact executable name.
	CloseApplications []string `json:"close_applications,omitempty"`
}

// Pong is the body of GET /v1/ping, a no-op used to measure the server.
type Pong struct {
	OK bool `json:"ok"`
}
