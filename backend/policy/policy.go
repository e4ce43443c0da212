// Package policy holds the rules identityd applies — passcode rule, renewal
// window, certificate validity, when an RA must renew, unlock limits — with
// defaults taken from the NHS smartcard guidance, and the pure decisions
// made from them.
package policy

import (
	"errors"
	"fmt"
	"time"

	"github.com/cardagent/cardagent/api"
)

// Self-service unlock modes.
const (
	UnlockOff            = "off"
	UnlockEmail          = "email"
	UnlockEmailQuestions = "email+questions"
)

// Policy is every configurable rule. The zero value is not useful: start
// from Default.
type Policy struct {
	PasscodeMinLength     int
	PasscodeMaxLength     int
	PasscodeDigitsOnly    bool
	PasscodeRetries       int
	PasscodeRefuseSimple  bool          // a new passcode must not be 111111, 123456, 8765…
	PasscodeRefuseCurrent bool          // a new passcode must differ from the current one
	RenewalWindow         time.Duration // self-renewal allowed this close to expiry
	SponsorRenewalWindow  time.Duration // a sponsor may renew this close to expiry
	CertificateValidity   time.Duration
	RenewalsBeforeRA      int              // every Nth renewal needs an RA in person
	RenewalOpenTTL        time.Duration    // an opened renewal nobody touched expires after this long
	RenewalKeyAlgorithm   api.KeyAlgorithm // the key pairs a renewal generates on the card
	SelfServiceUnlock     string
	UnlockCodeLifetime    time.Duration
	UnlockAttempts        int      // wrong codes (or failed security questions) before face to face only
	UnlockEmailDomains    []string // only addresses in these domains (or their subdomains) receive codes
	UnlockPerCardPerHour  int      // code requests a card may make in an hour
	UnlockPerUserPerDay   int      // code requests a user may make in a day, all cards
	// UnlockPerAddressPerHour bounds unlock requests from one client
	// address (anyone can name a GUID: one host must not cycle through
	// many holders' cards), per identityd instance.
	UnlockPerAddressPerHour int
	TermsResignInterval     time.Duration // 0: only when a new version is published
	SessionLifetime         time.Duration
	RoleIdleLimit           time.Duration // a session that chose no role ends after this long unused
	SessionLockPersistence  bool
	ChallengeLifetime       time.Duration
	AssertionLifetime       time.Duration // an assertion for a local application; at most api.AssertionLifetime
	RemovalAction           api.RemovalAction
	CloseApplications       []string // logout closes these programs, by exact executable name
}

const day = 24 * time.Hour

// Default is the policy from the seeds: passcode 4–8 characters, 3 tries,
// certificates valid 2 years, self-renewal in the last 90 days, a sponsor in
// the last 30, every third renewal with an RA, unlock codes valid 15 minutes
// with 3 attempts.
func Default() Policy {
	return Policy{
		PasscodeMinLength: 4,
		PasscodeMaxLength: 8,
		PasscodeRetries:   3,
		// Changing to the same passcode changes nothing and uses the card's
		// write; the seeds set no rule against simple ones, so that is opt-in.
		PasscodeRefuseCurrent:   true,
		RenewalWindow:           90 * day,
		SponsorRenewalWindow:    30 * day,
		CertificateValidity:     730 * day,
		RenewalsBeforeRA:        3,
		RenewalOpenTTL:          15 * time.Minute,
		RenewalKeyAlgorithm:     api.KeyECCP256,
		SelfServiceUnlock:       UnlockEmail,
		UnlockCodeLifetime:      15 * time.Minute,
		UnlockAttempts:          3,
		UnlockEmailDomains:      []string{"nhs.net", "nhs.uk", "gov.uk", "mod.uk"},
		UnlockPerCardPerHour:    3,
		UnlockPerUserPerDay:     10,
		UnlockPerAddressPerHour: 20,
		TermsResignInterval:     365 * day,
		SessionLifetime:         12 * time.Hour,
		RoleIdleLimit:           5 * time.Minute,
		ChallengeLifetime:       60 * time.Second,
		AssertionLifetime:       api.AssertionLifetime,
		RemovalAction:           api.RemovalLockAgent,
	}
}

// Validate reports the first rule that makes no sense.
func (p *Policy) Validate() error {
	switch {
	case p.PasscodeMinLength < 4 || p.PasscodeMaxLength > 8 || p.PasscodeMinLength > p.PasscodeMaxLength:
		return errors.New("policy: passcode length must be within 4–8 (PIV PIN) and min ≤ max")
	case p.PasscodeRetries < 1 || p.PasscodeRetries > 15:
		return errors.New("policy: passcode retries must be 1–15")
	case p.CertificateValidity < day:
		return errors.New("policy: certificate validity must be at least a day")
	case p.RenewalWindow <= 0 || p.RenewalWindow >= p.CertificateValidity:
		return errors.New("policy: renewal window must be positive and shorter than the validity")
	case p.SponsorRenewalWindow <= 0 || p.SponsorRenewalWindow > p.RenewalWindow:
		return errors.New("policy: sponsor renewal window must be positive and within the renewal window")
	case p.RenewalsBeforeRA < 1:
		return errors.New("policy: renewals before RA must be at least 1")
	case p.RenewalOpenTTL < time.Minute || p.RenewalOpenTTL > 24*time.Hour:
		return errors.New("policy: renewal open TTL must be 1 minute – 24 hours")
	case p.RenewalKeyAlgorithm != api.KeyECCP256 && p.RenewalKeyAlgorithm != api.KeyRSA2048:
		return fmt.Errorf("policy: renewal key algorithm %q is not %s or %s", p.RenewalKeyAlgorithm, api.KeyECCP256, api.KeyRSA2048)
	case p.SelfServiceUnlock != UnlockOff && p.SelfServiceUnlock != UnlockEmail && p.SelfServiceUnlock != UnlockEmailQuestions:
		return fmt.Errorf("policy: self-service unlock %q is not off, email or email+questions", p.SelfServiceUnlock)
	case p.UnlockCodeLifetime < time.Minute || p.UnlockAttempts < 1:
		return errors.New("policy: unlock code lifetime ≥ 1 minute and attempts ≥ 1")
	case p.UnlockPerCardPerHour < 1 || p.UnlockPerUserPerDay < 1 || p.UnlockPerAddressPerHour < 1:
		return errors.New("policy: unlock rate limits must be at least 1")
	case p.TermsResignInterval < 0:
		return errors.New("policy: terms re-sign interval must not be negative")
	case p.SessionLifetime < time.Minute:
		return errors.New("policy: session lifetime must be at least a minute")
	case p.RoleIdleLimit < 10*time.Second || p.RoleIdleLimit > p.SessionLifetime:
		return errors.New("policy: role idle limit must be 10 s or more and within the session lifetime")
	case p.ChallengeLifetime < 5*time.Second || p.ChallengeLifetime > 10*time.Minute:
		return errors.New("policy: challenge lifetime must be 5 s – 10 min")
	case p.AssertionLifetime < time.Second || p.AssertionLifetime > api.AssertionLifetime:
		return errors.New("policy: assertion lifetime must be 1 s – 5 min")
	case !p.RemovalAction.Valid():
		return fmt.Errorf("policy: removal action %q is not lock-agent, lock-desktop or logout", p.RemovalAction)
	case len(p.CloseApplications) > api.MaxCloseApplications:
		return fmt.Errorf("policy: at most %d applications to close", api.MaxCloseApplications)
	}
	for _, name := range p.CloseApplications {
		if !api.ValidExecutableName(name) {
			return fmt.Errorf("policy: %q is not an executable name (no directory, no pattern)", name)
		}
	}
	return nil
}

// API is the public view the agent receives.
func (p *Policy) API() api.Policy {
	return api.Policy{
		PasscodeMinLength:        p.PasscodeMinLength,
		PasscodeMaxLength:        p.PasscodeMaxLength,
		PasscodeDigitsOnly:       p.PasscodeDigitsOnly,
		PasscodeRetries:          p.PasscodeRetries,
		PasscodeRefuseSimple:     p.PasscodeRefuseSimple,
		PasscodeRefuseCurrent:    p.PasscodeRefuseCurrent,
		RenewalWindowDays:        int(p.RenewalWindow / day),
		SponsorRenewalWindowDays: int(p.SponsorRenewalWindow / day),
		CertificateValidityDays:  int(p.CertificateValidity / day),
		RenewalsBeforeRA:         p.RenewalsBeforeRA,
		SelfServiceUnlock:        p.SelfServiceUnlock,
		UnlockCodeLifetimeSecs:   int(p.UnlockCodeLifetime / time.Second),
		UnlockAttempts:           p.UnlockAttempts,
		SessionLockPersistence:   p.SessionLockPersistence,
		RemovalAction:            p.RemovalAction,
		CloseApplications:        p.CloseApplications,
		ChallengeLifetimeSecs:    int(p.ChallengeLifetime / time.Second),
		RenewalOpenTTLSecs:       int(p.RenewalOpenTTL / time.Second),
	}
}
