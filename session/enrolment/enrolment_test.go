package enrolment_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/reader/vcard"
	"github.com/cardagent/cardagent/session/enrolment"
)

// conn is an in-process card for Personalise: one transaction per Do, a
// reset after it, and, with pullOn set, the card leaving in the middle of
// the first command with that instruction (and data).
type conn struct {
	card   *vcard.Card
	pullOn byte
	pulled bool
}

var errPulled = errors.New("card removed")

func (c *conn) Transmit(cmd []byte) ([]byte, error) {
	if c.pulled {
		return nil, errPulled
	}
	if c.pullOn != 0 && len(cmd) > 5 && cmd[1] == c.pullOn {
		c.pulled = true
		return nil, errPulled
	}
	return c.card.Transmit(cmd)
}

func (c *conn) Do(_ context.Context, fn func(apdu.Transmitter) error) error {
	defer c.card.Reset()
	return fn(c)
}

func (c *conn) ATR() []byte { return c.card.ATR() }

// theEnrolment is an enrolment as identityd hands it out.
func theEnrolment(t *testing.T) (api.AdminEnrolment, []byte) {
	t.Helper()
	guid, key := make([]byte, 16), make([]byte, 16)
	rand.Read(guid)
	rand.Read(key)
	return api.AdminEnrolment{CardGUID: api.FormatCardGUID(guid), Holder: api.User{ID: "555000000001", Name: "Dr Ada Demo"},
		ManagementKey: base64.StdEncoding.EncodeToString(key), PUK: "80412395",
		CardExpires: time.Date(2036, 12, 3, 0, 0, 0, 0, time.UTC), Organisation: "Demo General Hospital NHS Trust"}, key
}

// personalised checks the card holds enrolment e: its GUID, its own
// management key (not the factory one), its PUK, the passcode, and the
// printed information, with the passcode no longer verified.
func personalised(t *testing.T, card *vcard.Card, e api.AdminEnrolment, key []byte, passcode string) {
	t.Helper()
	p := piv.New(card)
	must(t, p.Select())
	guid, err := p.GUID()
	if err != nil || api.FormatCardGUID(guid[:]) != e.CardGUID {
		t.Fatalf("the card's GUID %x (%v), want %s", guid, err, e.CardGUID)
	}
	if n, err := p.Retries(); err != nil || n != 3 {
		t.Fatalf("passcode tries %d (%v): the passcode is left verified or not set", n, err)
	}
	if err := p.AuthenticateMgmtKey(piv.Alg3DES, []byte{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}); err == nil {
		t.Fatal("the card still takes the factory management key")
	}
	must(t, p.AuthenticateMgmtKey(piv.AlgAES128, key))
	must(t, p.ChangePUK([]byte(e.PUK), []byte(e.PUK))) // wipes what it is given
	must(t, p.Verify([]byte(passcode)))
	info, err := p.PrintedInfo()
	if err != nil || info.Name != "Dr Ada Demo" || info.Expiration != "2036DEC03" || info.OrgAffiliation1 != "Demo General" ||
		info.OrgAffiliation2 != "Hospital NHS Trust" {
		t.Fatalf("printed information %+v, %v", info, err)
	}
	card.Reset()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPersonaliseFactoryFresh(t *testing.T) {
	card, err := vcard.New(vcard.Options{})
	must(t, err)
	must(t, enrolment.Check(context.Background(), &conn{card: card}, enrolment.Options{}))
	e, key := theEnrolment(t)
	want := e
	guid, err := enrolment.Personalise(context.Background(), &conn{card: card}, &e, []byte("246810"), enrolment.Options{})
	must(t, err)
	if api.FormatCardGUID(guid[:]) != want.CardGUID || e.PUK != "" || e.ManagementKey != "" {
		t.Fatalf("GUID %x; the enrolment's secrets left in it: %q %q", guid, e.PUK, e.ManagementKey)
	}
	personalised(t, card, want, key, "246810")
}

// TestPersonaliseGoesOnAfterPull: pulled in the middle of each kind of
// write, the card is personalised by the next try, from whatever it holds.
func TestPersonaliseGoesOnAfterPull(t *testing.T) {
	for _, c := range []struct {
		name string
		ins  byte
	}{{"PUT DATA", 0xDB}, {"SET MANAGEMENT KEY", 0xFF}, {"CHANGE REFERENCE DATA", 0x24}, {"RESET RETRY COUNTER", 0x2C}} {
		t.Run(c.name, func(t *testing.T) {
			card, err := vcard.New(vcard.Options{})
			must(t, err)
			e, key := theEnrolment(t)
			first := e
			if _, err := enrolment.Personalise(context.Background(), &conn{card: card, pullOn: c.ins}, &first, []byte("246810"), enrolment.Options{}); !errors.Is(err, errPulled) {
				t.Fatalf("pulled: %v", err)
			}
			card.Reset()
			again := e
			_, err = enrolment.Personalise(context.Background(), &conn{card: card}, &again, []byte("135790"), enrolment.Options{})
			must(t, err)
			personalised(t, card, e, key, "135790")
		})
	}
}

// TestPersonaliseRefusesAnotherIssuersCard: a card with a management key
// of its own and another GUID is not touched.
func TestPersonaliseRefusesAnotherIssuersCard(t *testing.T) {
	card, err := vcard.New(vcard.Options{})
	must(t, err)
	other := make([]byte, 16)
	rand.Read(other)
	must(t, card.SetManagementKey(vcard.MgmtAlgAES128, other))
	before := card.GUID()
	if err := enrolment.Check(context.Background(), &conn{card: card}, enrolment.Options{}); !errors.Is(err, enrolment.ErrNotFactoryFresh) {
		t.Fatalf("another issuer's card checked: %v", err)
	}
	e, _ := theEnrolment(t)
	if _, err := enrolment.Personalise(context.Background(), &conn{card: card}, &e, []byte("246810"), enrolment.Options{}); !errors.Is(err, enrolment.ErrNotFactoryFresh) {
		t.Fatalf("another issuer's card: %v", err)
	}
	p := piv.New(card)
	must(t, p.Select())
	must(t, p.Verify([]byte("123456"))) // the factory passcode still
	if after := card.GUID(); !bytes.Equal(after[:], before[:]) {
		t.Fatal("the card's GUID changed")
	}
}

func TestPersonaliseRefusesABadEnrolment(t *testing.T) {
	card, err := vcard.New(vcard.Options{})
	must(t, err)
	e, _ := theEnrolment(t)
	e.PUK = "123"
	if _, err := enrolment.Personalise(context.Background(), &conn{card: card}, &e, []byte("246810"), enrolment.Options{}); !errors.Is(err, enrolment.ErrBadEnrolment) {
		t.Fatalf("a short PUK: %v", err)
	}
}

// TestCheckRefusesACardWithoutPIV: a card that has no PIV application is
// not a card to issue.
func TestCheckRefusesACardWithoutPIV(t *testing.T) {
	if err := enrolment.Check(context.Background(), notPIV{}, enrolment.Options{}); !errors.Is(err, piv.ErrNotPIV) {
		t.Fatalf("a card without PIV checked: %v", err)
	}
}

// notPIV is a card that knows no application: every SELECT is 6A82.
type notPIV struct{}

func (notPIV) Transmit([]byte) ([]byte, error) { return []byte{0x6A, 0x82}, nil }
func (c notPIV) Do(_ context.Context, fn func(apdu.Transmitter) error) error {
	return fn(c)
}
func (notPIV) ATR() []byte { return []byte{0x3B, 0x00} }

// TestPrintedOrganisation: an organisation's name goes on the card's two
// affiliation lines of 20 bytes, cut at a space where it can be.
func TestPrintedOrganisation(t *testing.T) {
	for _, c := range []struct{ org, line1, line2 string }{
		{"Demo General Hospital NHS Trust", "Demo General", "Hospital NHS Trust"},
		{"Sheerwater Health", "Sheerwater Health", ""},
		{"Averyveryverylongsinglewordtrust", "Averyveryverylongsin", "glewordtrust"},
		{"Ysbyty Gwynedd Bangor Betsi Cadwaladr", "Ysbyty Gwynedd", "Bangor Betsi"},
		{"Gofal Iechyd Cymreig", "Gofal Iechyd Cymreig", ""},
		{"Ärztezentrum Süd-Öst München", "Ärztezentrum", "Süd-Öst München"},
	} {
		e, _ := theEnrolment(t)
		e.Organisation = c.org
		card, err := vcard.New(vcard.Options{})
		must(t, err)
		if _, err := enrolment.Personalise(context.Background(), &conn{card: card}, &e, []byte("246810"), enrolment.Options{}); err != nil {
			t.Fatal(err)
		}
		p := piv.New(card)
		must(t, p.Select())
		must(t, p.Verify([]byte("246810")))
		info, err := p.PrintedInfo()
		if err != nil || info.OrgAffiliation1 != c.line1 || info.OrgAffiliation2 != c.line2 {
			t.Errorf("%q printed as %q / %q (%v), want %q / %q", c.org, info.OrgAffiliation1, info.OrgAffiliation2, err, c.line1, c.line2)
		}
	}
}
