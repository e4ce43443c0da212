package session

import (
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
)

// What the agent says to people, in one place. Words follow the NHS leaflets.
const (
	msgNoService     = "The smartcard service is not running on this computer."
	fixNoService     = "Ask your IT service desk to start the smartcard service (pcscd). It usually starts by itself when a reader is plugged in."
	msgNoReader      = "No smartcard reader is connected."
	fixNoReader      = "Plug in your smartcard reader. If it is plugged in, unplug it and plug it in again."
	msgMute          = "The card does not answer."
	fixMute          = "Take the card out and insert it chip first, with the chip facing up. If it still fails, contact your Registration Authority (RA)."
	msgNotPIV        = "This is not an NHS smartcard."
	fixNotPIV        = "Insert your own NHS smartcard."
	msgNoCert        = "This smartcard has no login certificate."
	fixRA            = "Contact your Registration Authority (RA): they will issue your certificates."
	msgForeignCard   = "This card was not issued by your organisation's identity service."
	fixForeignCard   = "Do not enter your passcode. Take the card out and insert your own NHS smartcard; if this is yours, contact your Registration Authority (RA)."
	msgUnreadable    = "The card could not be read."
	fixUnreadable    = "Take the card out and insert it again. If it keeps failing, contact your IT service desk."
	msgBlocked       = "Your smartcard is locked after too many wrong passcodes."
	fixBlocked       = "Unlock it with self-service unlock (a code is emailed to you), or ask your Local Smartcard Administrator (LSA) to unlock it with you face to face."
	msgTermsDeclined = "You must accept the terms and conditions to use your smartcard: no session was started."
	msgLoggedOut     = "You have logged out."
	msgResumeEnded   = "Your previous session has ended. Enter your passcode to log in again."
	msgNoRoles       = "You have no role at any organisation on this system."
	fixNoRoles       = "Ask your Registration Authority (RA) or sponsor to give you the access you need."
	fixRetry         = "Check the network connection and try again. No passcode attempt was used."
)

// wrongPasscode is the notice after a wrong passcode; the prompt shows the
// tries left beside it.
func wrongPasscode(left int) string {
	if left == 1 {
		return "Wrong passcode. One more wrong passcode locks your card."
	}
	return "Wrong passcode."
}

// ruleProblem says why a passcode does not match the rule, without
// sending it to the card (which would cost a try).
func ruleProblem(p []byte, r PasscodeRule) string {
	if len(p) < r.MinLength || len(p) > r.MaxLength {
		return "Your passcode has " + r.Describe() + "."
	}
	if r.DigitsOnly {
		for _, c := range p {
			if c < '0' || c > '9' {
				return "Your passcode has only digits (" + r.Describe() + ")."
			}
		}
	}
	return ""
}

// cardProblem explains an error from reading or using the card; retry says
// whether reading it again may help.
func cardProblem(err error) (problem, fix string, retry bool) {
	switch {
	case errors.Is(err, piv.ErrNotPIV):
		return msgNotPIV, fixNotPIV, false
	case errors.Is(err, errNoLoginCert):
		return msgNoCert, fixRA, false
	case errors.Is(err, reader.ErrUnresponsive):
		return msgMute, fixMute, true
	}
	return msgUnreadable, fixUnreadable, true
}

// refusal explains a backend refusal of a login; retryable says whether a
// new attempt may succeed (network, server trouble) or the card itself is
// the problem.
func refusal(err error) (problem, fix string, retryable bool) {
	var ae *client.APIError
	switch {
	case errors.Is(err, client.ErrUntrusted):
		return "This computer does not trust the identity service it reached.", "Contact your IT service desk: the identity service's certificate is not the expected one.", false
	case errors.Is(err, client.ErrRedirected):
		return "The identity service sent this computer somewhere else, which it does not follow.", "Contact your IT service desk: the identity service's address may be wrong.", false
	case errors.Is(err, client.ErrUnreachable):
		return "The identity service cannot be reached.", fixRetry, true
	case !errors.As(err, &ae):
		return "Logging in failed: " + err.Error(), fixRetry, true
	}
	switch ae.Code {
	case api.CodeCardCancelled:
		return "This smartcard has been cancelled and can no longer be used.", "Contact your Registration Authority (RA) for a new card.", false
	case api.CodeCardLocked:
		return "This smartcard has been locked by the Registration Authority.", "Contact your Registration Authority (RA).", false
	case api.CodeCertificateExpired:
		return "Your smartcard certificates have expired.", "Certificates cannot be renewed by yourself after they expire: see your Registration Authority (RA) in person.", false
	case api.CodeCardUnknown, api.CodeCertificateUntrusted, api.CodeCertificateInvalid, api.CodeCertificateMismatch:
		return "This smartcard is not registered with this identity service.", fixRA, false
	case api.CodeUserDisabled:
		return "Your account is disabled.", "Contact your Registration Authority (RA).", false
	case api.CodeSignatureInvalid:
		return "The card's signature was not accepted.", fixUnreadable, true
	case api.CodeCertificateSuperseded:
		return "This smartcard's certificates have been replaced by newer ones that are not on the card.", "Take the card to your Registration Authority (RA).", false
	case api.CodeUnavailable:
		return "The identity service is unavailable for a moment.", fixRetry, true
	}
	if ae.Status >= 500 || ae.Code == api.CodeChallengeExpired || ae.Code == api.CodeChallengeReplayed || ae.Code == api.CodeChallengeInvalid {
		return "The identity service could not complete the login.", fixRetry, true
	}
	return "The identity service refused the request: " + ae.Message, fixRetry, true
}

// expiryNotice turns the backend's certificate status into the alert shown
// at every login inside the renewal window (and after expiry).
func expiryNotice(c api.CertificateStatus, login uint64) *ExpiryNotice {
	if !c.ExpiryAlert && c.DaysLeft >= 0 {
		return nil
	}
	n := &ExpiryNotice{Login: login, DaysLeft: c.DaysLeft, NotAfter: c.NotAfter, CanSelfRenew: c.SelfRenewalAllowed}
	switch c.RenewalRefusal {
	case api.RenewalExpired:
		n.Reason = "Certificates cannot be renewed by yourself after they expire: see your Registration Authority (RA) in person."
	case api.RenewalRADue:
		n.Reason = "Every third renewal must be done by your Registration Authority (RA): please arrange a visit."
	case api.RenewalOutsideWindow:
		n.Reason = "Renewal opens 90 days before expiry."
	}
	return n
}
