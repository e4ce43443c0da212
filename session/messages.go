package session

import (
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/wording"
)

// Which of the wording package's situations a failure is: the session
// decides, wording words it.

// trouble puts t on the State being built.
func trouble(s *State, t wording.Trouble) { s.Problem, s.Fix = t.Problem, t.Fix }

// ruleProblem says why a passcode does not match the rule, without
// sending it to the card (which would cost a try).
func ruleProblem(p []byte, r PasscodeRule) string {
	if len(p) < r.MinLength || len(p) > r.MaxLength {
		return wording.PasscodeWrongLength(r.Describe())
	}
	if r.DigitsOnly && !allDigits(p) {
		return wording.PasscodeNotDigits(r.Describe())
	}
	return ""
}

// CardTrouble explains an error from opening, reading or using the card;
// retry says whether trying again may help. An error it does not know is
// wording.Unreadable. The doctor words its findings with it too.
func CardTrouble(err error) (t wording.Trouble, retry bool) {
	switch {
	case errors.Is(err, piv.ErrNotPIV):
		return wording.NotPIV, false
	case errors.Is(err, errNoLoginCert):
		return wording.NoLoginCert, false
	case errors.Is(err, reader.ErrUnresponsive):
		return wording.CardMute, true
	case errors.Is(err, reader.ErrBusy):
		return wording.CardBusy, true
	case errors.Is(err, reader.ErrTimeout):
		return wording.CardSlow, true
	case errors.Is(err, reader.ErrNoCard), errors.Is(err, reader.ErrRemoved):
		return wording.CardPulled, true
	}
	return wording.Unreadable, true
}

// refusal explains a backend refusal of a login; retryable says whether a
// new attempt may succeed (network, server trouble) or the card itself is
// the problem.
func refusal(err error) (t wording.Trouble, retryable bool) {
	var ae *client.APIError
	switch {
	case errors.Is(err, client.ErrUntrusted):
		return wording.Untrusted, false
	case errors.Is(err, client.ErrRedirected):
		return wording.Redirected, false
	case errors.Is(err, client.ErrUnreachable):
		return wording.Unreachable, true
	case !errors.As(err, &ae):
		return wording.LoginFailed(err.Error()), true
	}
	switch ae.Code {
	case api.CodeCardCancelled:
		return wording.CardCancelled, false
	case api.CodeCardLocked:
		return wording.CardLockedByRA, false
	case api.CodeCertificateExpired:
		return wording.CertExpired, false
	case api.CodeCardUnknown, api.CodeCertificateUntrusted, api.CodeCertificateInvalid, api.CodeCertificateMismatch:
		return wording.CardNotRegistered, false
	case api.CodeUserDisabled:
		return wording.AccountDisabled, false
	case api.CodeSignatureInvalid:
		return wording.SignatureRejected, true
	case api.CodeCertificateSuperseded:
		return wording.CertsSuperseded, false
	case api.CodeRenewalIncomplete:
		return wording.RenewalStuck, false
	case api.CodeUnavailable:
		return wording.Unavailable, true
	}
	if ae.Status >= 500 || ae.Code == api.CodeChallengeExpired || ae.Code == api.CodeChallengeReplayed || ae.Code == api.CodeChallengeInvalid {
		return wording.LoginIncomplete, true
	}
	return wording.Refused(ae.Message), true
}

// expiryNotice turns the backend's certificate status into the alert shown
// at every login inside the renewal window (and after expiry).
func expiryNotice(c api.CertificateStatus, login uint64) *ExpiryNotice {
	if !c.ExpiryAlert && c.DaysLeft >= 0 {
		return nil
	}
	return &ExpiryNotice{Login: login, DaysLeft: c.DaysLeft, NotAfter: c.NotAfter, CanSelfRenew: c.SelfRenewalAllowed,
		Reason: refusalReason(c.RenewalRefusal)}
}

// refusalReason words why self-renewal is not allowed ("" when it is).
func refusalReason(r api.RenewalRefusal) string {
	switch r {
	case api.RenewalExpired:
		return wording.RenewalExpired
	case api.RenewalRADue:
		return wording.RenewalRADue
	case api.RenewalOutsideWindow:
		return wording.RenewalOutsideWindow
	}
	return ""
}

// notOffered is the renewal popup's trouble when renewal is refused for r.
func notOffered(r api.RenewalRefusal) wording.Trouble {
	fix := refusalReason(r)
	if fix == "" {
		fix = wording.RenewalOutsideWindow
	}
	return wording.Trouble{Problem: wording.RenewalNotOffered, Fix: fix}
}
