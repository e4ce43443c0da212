// Package enrolment is the card's part of issuing a factory-fresh card
// (docs/admin.md) before its keys: in one exclusive transaction the card
// takes the identity identityd assigned (CHUID with the new GUID, printed
// information), its own management key, its PUK and the passcode the holder
// typed. The keys and certificates then come as in any renewal
// (session/renewal), with the enrolment's renewal. session runs both.
//
// Every step can be interrupted by a pulled card and run again: the CHUID
// and printed information go first, under the factory management key, so
// a card that left before its new key still answers to the factory one and
// already carries the GUID identityd knows it by; one that left after
// answers to its new key, which identityd proves. The PUK is the factory's
// or the new one, and RESET RETRY COUNTER sets the passcode whatever it was.
package enrolment

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
)

// The factory settings of PIV cards (YubiKey and most others): the
// well-known management key (3DES, or AES-192 on newer YubiKeys with the
// same bytes), PUK and PIN. Public knowledge, not secrets.
var (
	factoryMgmtKey = []byte{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}
	factoryPUK     = []byte("12345678")
)

// Errors of Personalise, besides the card's own.
var (
	// ErrNotFactoryFresh: the card answers neither to the factory
	// management key nor carries the GUID of this enrolment: someone else
	// personalised it. Reset it (or use another card); nothing was changed.
	ErrNotFactoryFresh = errors.New("enrolment: the card is not factory-fresh: its management key is not the factory one")
	// ErrPUKUnknown: the card took neither the factory PUK nor the one
	// identityd gave it.
	ErrPUKUnknown = errors.New("enrolment: the card refused both the factory PUK and the enrolment's")
	// ErrBadEnrolment: identityd's answer cannot be written to a card.
	ErrBadEnrolment = errors.New("enrolment: identityd's enrolment is not usable")
)

// Card is an open card: one exclusive transaction per Do (*reader.Card).
type Card interface {
	Do(ctx context.Context, fn func(apdu.Transmitter) error) error
	ATR() []byte
}

// Options for Personalise.
type Options struct {
	Trace piv.Option // the card's APDU trace (keys, PUKs and passcodes never appear)
}

// Check reads, in one transaction that changes nothing, whether the card
// can be issued, before identityd is asked for an enrolment: a PIV card
// that takes the factory management key (a factory CHUID, if it has one,
// is overwritten). An error wrapping piv.ErrNotPIV is a card without PIV;
// ErrNotFactoryFresh one that someone else personalised.
func Check(ctx context.Context, card Card, o Options) error {
	return card.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(card.ATR()), o.Trace)
		if err := p.Select(); err != nil {
			return err
		}
		p.EndWithReset() // the factory key ends up authenticated
		fresh, err := factoryKey(p)
		if err == nil && !fresh {
			err = ErrNotFactoryFresh
		}
		return err
	})
}

// Personalise writes enrolment e to the card and sets the holder's
// passcode, then leaves the card with nothing verified. It returns the
// card's GUID. e's management key and PUK, and passcode, are wiped.
func Personalise(ctx context.Context, card Card, e *api.AdminEnrolment, passcode []byte, o Options) (guid [16]byte, err error) {
	defer clear(passcode)
	key, err := base64.StdEncoding.DecodeString(e.ManagementKey)
	puk := []byte(e.PUK)
	e.ManagementKey, e.PUK = "", ""
	defer clear(key)
	defer clear(puk)
	if err != nil || len(key) != 16 || len(puk) != 8 {
		return guid, fmt.Errorf("%w: a management key of 16 bytes and a PUK of 8 digits", ErrBadEnrolment)
	}
	g, err := api.ParseCardGUID(e.CardGUID)
	if err != nil || e.CardExpires.IsZero() {
		return guid, fmt.Errorf("%w: GUID %q, card expiry %v", ErrBadEnrolment, e.CardGUID, e.CardExpires)
	}
	copy(guid[:], g)
	printed := piv.PrintedInfo{Name: e.Holder.Name, Expiration: piv.PrintedExpiration(e.CardExpires)}
	printed.OrgAffiliation1, printed.OrgAffiliation2 = printedLines(e.Organisation, 20)
	if _, err := piv.EncodePrintedInfo(printed); err != nil {
		return guid, fmt.Errorf("%w: %w", ErrBadEnrolment, err)
	}
	err = card.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(card.ATR()), o.Trace)
		if err := p.Select(); err != nil {
			return err
		}
		p.EndWithReset() // the management key ends up authenticated: nobody else may inherit it
		defer p.DropPIN()
		current, err := p.GUID()
		if err != nil && !errors.Is(err, piv.ErrNotFound) && !errors.Is(err, piv.ErrNoGUID) {
			return fmt.Errorf("reading the card's id: %w", err)
		}
		fresh, err := factoryKey(p)
		switch {
		case err != nil:
			return err
		case fresh:
			if err := identify(p, guid, e.CardExpires, printed, key); err != nil {
				return err
			}
		case current != guid:
			return ErrNotFactoryFresh
		} // else: the card took its identity and key before it was pulled
		if err := setPUK(p, puk); err != nil {
			return err
		}
		if err := p.Unblock(slices.Clone(puk), passcode); err != nil {
			return fmt.Errorf("setting the passcode: %w", err)
		}
		return nil
	})
	return guid, err
}

// identify gives the card its identity and then its own management key,
// under the factory one.
func identify(p *piv.Card, guid [16]byte, expires time.Time, printed piv.PrintedInfo, key []byte) error {
	if err := p.PutCHUID(guid, expires); err != nil {
		return fmt.Errorf("writing the card's id: %w", err)
	}
	if err := p.PutPrintedInfo(printed); err != nil {
		return fmt.Errorf("writing the printed information: %w", err)
	}
	if err := p.SetManagementKey(piv.AlgAES128, key); err != nil {
		return fmt.Errorf("setting the card's management key: %w", err)
	}
	return nil
}

// factoryKey authenticates the factory management key, 3DES then AES-192;
// false when the card takes neither (it has another key). Errors are the
// card's being gone or broken.
func factoryKey(p *piv.Card) (bool, error) {
	for _, alg := range []piv.Algorithm{piv.Alg3DES, piv.AlgAES192} {
		err := p.AuthenticateMgmtKey(alg, factoryMgmtKey)
		if err == nil {
			return true, nil
		}
		var se *apdu.StatusError
		if !errors.Is(err, piv.ErrMgmtKeyRejected) && !errors.As(err, &se) && !errors.Is(err, piv.ErrUnsupported) &&
			!errors.Is(err, apdu.ErrIncorrectP1P2) && !errors.Is(err, piv.ErrNotSupported) {
			return false, err
		}
	}
	return false, nil
}

// setPUK changes the factory PUK to puk; a card that already took puk
// proves it holds it by the same change from puk (one PUK try, given
// back by the success). (The card calls wipe what they are given.)
func setPUK(p *piv.Card, puk []byte) error {
	err := p.ChangePUK(slices.Clone(factoryPUK), slices.Clone(puk))
	var auth piv.AuthError
	if errors.As(err, &auth) && !auth.Blocked {
		err = p.ChangePUK(slices.Clone(puk), slices.Clone(puk))
	}
	if errors.As(err, &auth) {
		return fmt.Errorf("%w (%d PUK tries left)", ErrPUKUnknown, auth.Retries)
	}
	if err != nil {
		return fmt.Errorf("setting the PUK: %w", err)
	}
	return nil
}

// printedLines cuts s into two lines of at most n bytes each (PIV's
// organisation affiliation lines), at a space where there is one.
func printedLines(s string, n int) (string, string) {
	first := cutAt(s, n)
	return first, cutAt(strings.TrimSpace(s[len(first):]), n)
}

// cutAt is the longest start of s of at most n bytes that ends at a space
// (or, if there is none, on a rune boundary), or all of s if it fits.
func cutAt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndexByte(s[:n+1], ' '); i > 0 {
		return strings.TrimRight(s[:i], " ")
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
