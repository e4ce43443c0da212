// Package doctor diagnoses a workstation's smartcard setup the way support
// staff would: is pcscd running, which readers and cards are there, does the
// card hold a PIV application with usable certificates, how many passcode
// tries are left (asked without using one). Each problem comes with a fix in
// plain language.
package doctor

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"time"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/wording"
)

// Report is what the doctor found. Usable is true when at least one reader
// holds a card someone could log in with.
type Report struct {
	Service Finding         `json:"service"`
	Backend *BackendFinding `json:"backend,omitempty"` // when a backend is configured
	Readers []ReaderReport  `json:"readers"`
	Usable  bool            `json:"usable"`
	Problem string          `json:"problem,omitempty"` // the overall problem when not usable
	Fix     string          `json:"fix,omitempty"`
}

// Finding is one check: ok, or a problem and how to fix it.
type Finding struct {
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"`
	Fix     string `json:"fix,omitempty"`
}

// ReaderReport is one reader and the card in it, if any.
type ReaderReport struct {
	Name string      `json:"name"`
	Card *CardReport `json:"card,omitempty"`
	Finding
}

// CardReport is what the card's PIV application says about itself.
type CardReport struct {
	ATR          string       `json:"atr"`
	PIV          bool         `json:"piv"`
	GUID         string       `json:"guid,omitempty"`
	TriesLeft    *int         `json:"passcode_tries_left,omitempty"`
	Blocked      bool         `json:"blocked"`
	Certificates []CertReport `json:"certificates"`
}

// CertReport is one certificate on the card.
type CertReport struct {
	Slot     string    `json:"slot"`
	Purpose  string    `json:"purpose"`
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
	Expired  bool      `json:"expired"`
}

// finding is a problem found, in the wording package's words.
func finding(t wording.Trouble) Finding { return Finding{Problem: t.Problem, Fix: t.Fix} }

var slots = []struct {
	slot    piv.Slot
	purpose string
}{
	{piv.SlotAuthentication, "authentication (login)"},
	{piv.SlotSignature, "digital signature"},
}

// Run examines every reader. It never verifies a passcode and never uses a
// passcode try. now is the time certificates are judged against.
func Run(ctx context.Context, now time.Time) Report {
	r := Report{Readers: []ReaderReport{}}
	readers, err := reader.List()
	switch {
	case errors.Is(err, reader.ErrNoService):
		r.Service = finding(wording.SetupNoService)
		r.Problem, r.Fix = r.Service.Problem, r.Service.Fix
		return r
	case err != nil:
		r.Service = finding(wording.ServiceFailed(err.Error()))
		r.Problem, r.Fix = r.Service.Problem, r.Service.Fix
		return r
	}
	r.Service.OK = true
	if len(readers) == 0 {
		r.Problem, r.Fix = wording.SetupNoReader.Problem, wording.SetupNoReader.Fix
		return r
	}
	for _, rs := range readers {
		rr := examineReader(ctx, rs, now)
		r.Usable = r.Usable || rr.OK
		r.Readers = append(r.Readers, rr)
	}
	if !r.Usable {
		r.Problem, r.Fix = wording.SetupNoUsable.Problem, wording.SetupNoUsable.Fix
		for _, rr := range r.Readers {
			if rr.Card != nil { // the most specific problem wins
				r.Problem, r.Fix = rr.Problem, rr.Fix
				break
			}
		}
	}
	return r
}

func examineReader(ctx context.Context, rs reader.ReaderStatus, now time.Time) ReaderReport {
	rr := ReaderReport{Name: rs.Name}
	switch {
	case !rs.Present:
		rr.Finding = finding(wording.NoCard)
		return rr
	case rs.Mute:
		rr.Card = &CardReport{ATR: hex.EncodeToString(rs.ATR)}
		rr.Finding = finding(wording.CardMute)
		return rr
	}
	rr.Card = &CardReport{ATR: hex.EncodeToString(rs.ATR), Certificates: []CertReport{}}
	card, err := reader.Open(rs.Name)
	if err != nil {
		rr.Finding = openProblem(err)
		return rr
	}
	defer card.Close()
	facts, err := session.ReadCardFacts(ctx, card)
	switch {
	case errors.Is(err, piv.ErrNotPIV):
		rr.Finding = finding(wording.NotPIV)
	case err != nil:
		rr.Finding = finding(wording.ReadFailed(err.Error()))
	default:
		describe(facts, rr.Card, now)
		rr.Finding = judge(rr.Card)
	}
	return rr
}

func openProblem(err error) Finding {
	if t, _ := session.CardTrouble(err); t != wording.Unreadable {
		return finding(t)
	}
	return finding(wording.ConnectFailed(err.Error()))
}

// describe fills cr from what the session's card read found.
func describe(f session.CardFacts, cr *CardReport, now time.Time) {
	cr.PIV = true
	cr.GUID = hex.EncodeToString(f.GUID[:])
	cr.Blocked = f.Blocked
	if f.TriesLeft >= 0 {
		tries := f.TriesLeft
		cr.TriesLeft = &tries
	}
	for _, s := range slots {
		if cert := f.Certificates[s.slot]; cert != nil {
			cr.Certificates = append(cr.Certificates, certReport(s.slot, s.purpose, cert, now))
		}
	}
}

func certReport(slot piv.Slot, purpose string, c *x509.Certificate, now time.Time) CertReport {
	left := c.NotAfter.Sub(now)
	return CertReport{
		Slot:     slot.String(),
		Purpose:  purpose,
		Subject:  c.Subject.String(),
		Issuer:   c.Issuer.String(),
		NotAfter: c.NotAfter.UTC(),
		DaysLeft: int(left.Hours() / 24),
		Expired:  now.After(c.NotAfter),
	}
}

// judge decides whether a readable PIV card is one someone can log in with.
func judge(cr *CardReport) Finding {
	if cr.Blocked {
		return finding(wording.Blocked)
	}
	for _, c := range cr.Certificates {
		if c.Slot != piv.SlotAuthentication.String() {
			continue
		}
		if c.Expired {
			return finding(wording.LoginCertExpired(c.NotAfter.Format("2 January 2006")))
		}
		return Finding{OK: true}
	}
	return finding(wording.NoLoginCert)
}
