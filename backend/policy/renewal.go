package policy

import (
	"math"
	"time"

	"github.com/cardagent/cardagent/api"
)

// CertificateStatus decides what the agent tells the user about the login
// certificate: days left (rounded up, so the last day reads 1), the expiry
// alert inside the renewal window, and whether self-renewal is allowed now.
// renewalsSinceRA counts self-renewals since the last RA check: every
// RenewalsBeforeRA-th renewal must be done by an RA in person.
func (p *Policy) CertificateStatus(now, notAfter time.Time, renewalsSinceRA int) api.CertificateStatus {
	left := notAfter.Sub(now)
	s := api.CertificateStatus{NotAfter: notAfter.UTC()}
	if left > 0 {
		s.DaysLeft = int(math.Ceil(left.Hours() / 24))
	}
	s.ExpiryAlert = left <= p.RenewalWindow
	switch {
	case left <= 0:
		s.RenewalRefusal = api.RenewalExpired
	case left > p.RenewalWindow:
		s.RenewalRefusal = api.RenewalOutsideWindow
	case renewalsSinceRA+1 >= p.RenewalsBeforeRA:
		s.RenewalRefusal = api.RenewalRADue
	default:
		s.SelfRenewalAllowed = true
	}
	return s
}

// SponsorRenewalRefusal says why a sponsor may not renew the certificates
// now ("" when they may): only unexpired ones inside the sponsor window,
// and never the renewal that must be an RA's.
func (p *Policy) SponsorRenewalRefusal(now, notAfter time.Time, renewalsSinceRA int) api.RenewalRefusal {
	left := notAfter.Sub(now)
	switch {
	case left <= 0:
		return api.RenewalExpired
	case left > p.SponsorRenewalWindow:
		return api.RenewalOutsideSponsorWindow
	case renewalsSinceRA+1 >= p.RenewalsBeforeRA:
		return api.RenewalRADue
	}
	return ""
}
