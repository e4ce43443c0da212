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
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
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

// The fixes, in the words a clinician or a help desk can act on.
const (
	fixService = "Start the smartcard service: `sudo systemctl start pcscd` " +
		"(or `sudo pcscd` where there is no systemd), then try again."
	fixNoReader = "Plug in a smartcard reader. If it is plugged in, unplug it and plug it in again, " +
		"and check that the reader driver is installed (`sudo apt-get install libccid`)."
	fixNoCard     = "Insert your smartcard, chip first and facing up."
	fixMute       = "The card does not answer: take it out and insert it chip first, with the chip facing up. If it still fails, the card may be damaged: contact your Registration Authority (RA)."
	fixNotPIV     = "This card is not an NHS smartcard (it has no PIV application). Use your own smartcard."
	fixBlocked    = "Your card is locked after too many wrong passcodes. Unlock it with self-service unlock, or take it to your Local Smartcard Administrator (LSA) to unlock it face to face."
	fixNoCert     = "The card has no login certificate. Take it to your Registration Authority (RA) to have it issued."
	fixExpired    = "The card's login certificate has expired. Certificates cannot be self-renewed after expiry: see your Registration Authority (RA) in person."
	fixBusy       = "Another program is using the card exclusively. Close other smartcard programs and try again."
	fixUnreadable = "The card could not be read. Take it out, insert it again and retry; if it keeps failing, contact your IT service desk."
)

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
		r.Service = Finding{Problem: "The smartcard service (pcscd) is not running.", Fix: fixService}
		r.Problem, r.Fix = r.Service.Problem, r.Service.Fix
		return r
	case err != nil:
		r.Service = Finding{Problem: "The smartcard service failed: " + err.Error(), Fix: fixService}
		r.Problem, r.Fix = r.Service.Problem, r.Service.Fix
		return r
	}
	r.Service.OK = true
	if len(readers) == 0 {
		r.Problem, r.Fix = "No smartcard reader is connected.", fixNoReader
		return r
	}
	for _, rs := range readers {
		rr := examineReader(ctx, rs, now)
		r.Usable = r.Usable || rr.OK
		r.Readers = append(r.Readers, rr)
	}
	if !r.Usable {
		r.Problem, r.Fix = "No usable smartcard found.", fixNoCard
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
		rr.Finding = Finding{Problem: "No card in this reader.", Fix: fixNoCard}
		return rr
	case rs.Mute:
		rr.Card = &CardReport{ATR: hex.EncodeToString(rs.ATR)}
		rr.Finding = Finding{Problem: "The card in this reader does not answer.", Fix: fixMute}
		return rr
	}
	rr.Card = &CardReport{ATR: hex.EncodeToString(rs.ATR), Certificates: []CertReport{}}
	card, err := reader.Open(rs.Name)
	if err != nil {
		rr.Finding = openProblem(err)
		return rr
	}
	defer card.Close()
	err = card.Do(ctx, func(tx apdu.Transmitter) error {
		return readCard(piv.New(tx), rr.Card, now)
	})
	switch {
	case errors.Is(err, piv.ErrNotPIV):
		rr.Finding = Finding{Problem: "This card has no PIV application.", Fix: fixNotPIV}
	case err != nil:
		rr.Finding = Finding{Problem: "Reading the card failed: " + err.Error(), Fix: fixUnreadable}
	default:
		rr.Finding = judge(rr.Card)
	}
	return rr
}

func openProblem(err error) Finding {
	switch {
	case errors.Is(err, reader.ErrUnresponsive):
		return Finding{Problem: "The card does not answer.", Fix: fixMute}
	case errors.Is(err, reader.ErrBusy):
		return Finding{Problem: "The card is in use by another program.", Fix: fixBusy}
	case errors.Is(err, reader.ErrNoCard), errors.Is(err, reader.ErrRemoved):
		return Finding{Problem: "The card was taken out while it was being read.", Fix: fixNoCard}
	}
	return Finding{Problem: "Connecting to the card failed: " + err.Error(), Fix: fixUnreadable}
}

// readCard fills cr from the PIV application: GUID, tries left (empty
// VERIFY, which uses no try) and the certificates.
func readCard(p *piv.Card, cr *CardReport, now time.Time) error {
	if err := p.Select(); err != nil {
		return err
	}
	cr.PIV = true
	if guid, err := p.GUID(); err == nil {
		cr.GUID = hex.EncodeToString(guid[:])
	}
	tries, err := p.Retries()
	var auth piv.AuthError
	switch {
	case errors.As(err, &auth) && auth.Blocked:
		cr.Blocked = true
		zero := 0
		cr.TriesLeft = &zero
	case err == nil:
		cr.TriesLeft = &tries
	}
	for _, s := range slots {
		cert, err := p.Certificate(s.slot)
		if err != nil {
			continue // absent or unreadable: judged below for 9A
		}
		cr.Certificates = append(cr.Certificates, certReport(s.slot, s.purpose, cert, now))
	}
	return nil
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
		return Finding{Problem: "The card is locked (no passcode tries left).", Fix: fixBlocked}
	}
	for _, c := range cr.Certificates {
		if c.Slot != piv.SlotAuthentication.String() {
			continue
		}
		if c.Expired {
			return Finding{Problem: "The login certificate expired on " + c.NotAfter.Format("2 January 2006") + ".", Fix: fixExpired}
		}
		return Finding{OK: true}
	}
	return Finding{Problem: "The card has no login certificate.", Fix: fixNoCert}
}
