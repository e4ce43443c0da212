package policy

import (
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
)

func TestCertificateStatus(t *testing.T) {
	p := Default()
	now := time.Date(2022, 6, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		left     time.Duration
		renewals int
		days     int
		alert    bool
		allowed  bool
		refusal  api.RenewalRefusal
	}{
		{"fresh", 700 * day, 0, 700, false, false, api.RenewalOutsideWindow},
		{"one day before window", 91 * day, 0, 91, false, false, api.RenewalOutsideWindow},
		{"window opens", 90 * day, 0, 90, true, true, ""},
		{"last hour", time.Hour, 0, 1, true, true, ""},
		{"second renewal still self", 30 * day, 1, 30, true, true, ""},
		{"third renewal needs RA", 30 * day, 2, 30, true, false, api.RenewalRADue},
		{"expired", -time.Second, 0, 0, true, false, api.RenewalExpired},
		{"expired and RA due", -day, 5, 0, true, false, api.RenewalExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := p.CertificateStatus(now, now.Add(tt.left), tt.renewals)
			if s.DaysLeft != tt.days || s.ExpiryAlert != tt.alert || s.SelfRenewalAllowed != tt.allowed || s.RenewalRefusal != tt.refusal {
				t.Fatalf("got days=%d alert=%v allowed=%v refusal=%q, want %d %v %v %q",
					s.DaysLeft, s.ExpiryAlert, s.SelfRenewalAllowed, s.RenewalRefusal, tt.days, tt.alert, tt.allowed, tt.refusal)
			}
		})
	}
}

func TestSponsorRenewalRefusal(t *testing.T) {
	p := Default()
	now := time.Date(2022, 6, 27, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		left     time.Duration
		renewals int
		want     api.RenewalRefusal
	}{
		{"inside the self window, before the sponsor's", 31 * day, 0, api.RenewalOutsideSponsorWindow},
		{"sponsor window opens", 30 * day, 0, ""},
		{"last hour", time.Hour, 1, ""},
		{"third renewal is an RA's", 10 * day, 2, api.RenewalRADue},
		{"expired", -time.Second, 0, api.RenewalExpired},
	} {
		if got := p.SponsorRenewalRefusal(now, now.Add(tt.left), tt.renewals); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDefaultValidates(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.RenewalWindow = p.CertificateValidity
	if p.Validate() == nil {
		t.Fatal("a renewal window as long as the validity was accepted")
	}
}
