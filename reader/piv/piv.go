// Package piv is the host side of the PIV card application (NIST SP 800-73-4,
// "Interfaces for Personal Identity Verification"): select, passcode
// handling, data objects (CHUID, certificates, facial image, printed
// information), signing as a crypto.Signer, on-card key generation and
// management-key (9B) authentication split in two steps so that the key can
// stay on a backend.
//
// It works with any PIV card over any apdu.Transmitter: short APDUs by
// default (with command and response chaining), extended APDUs only when the
// caller allows them and the card advertises them. A Card never prompts for
// anything and never verifies a PIN on its own: the caller decides when.
//
// References are to SP 800-73-4 part 1 (data model) and part 2 (card
// command interface), and to SP 800-78-4 for algorithm identifiers.
package piv

import (
	"bytes"
	"log/slog"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Instructions of the PIV card command interface.
const (
	insSelect          byte = 0xA4 // part 2 §3.1.1 SELECT
	insGetData         byte = 0xCB // part 2 §3.1.2 GET DATA
	insVerify          byte = 0x20 // part 2 §3.2.1 VERIFY
	insChangeReference byte = 0x24 // part 2 §3.2.2 CHANGE REFERENCE DATA
	insResetRetry      byte = 0x2C // part 2 §3.2.3 RESET RETRY COUNTER
	insGeneralAuth     byte = 0x87 // part 2 §3.2.4 GENERAL AUTHENTICATE
	insPutData         byte = 0xDB // part 2 §3.3.1 PUT DATA
	insGenerateKey     byte = 0x47 // part 2 §3.3.2 GENERATE ASYMMETRIC KEY PAIR
	insSetMgmtKey      byte = 0xFF // YubiKey extension: SET MANAGEMENT KEY
)

// Key references of the card's passcodes and management key (part 1,
// table 4b).
const (
	keyPIN  byte = 0x80 // PIV Card Application PIN
	keyPUK  byte = 0x81 // PIN Unblocking Key
	keyMgmt byte = 0x9B // PIV Card Application Administration Key
)

// aidPIV is the PIV Card Application AID (part 1, §2.2). The first 9 bytes
// (without the version) are the right-truncated form every card must accept.
var aidPIV = []byte{0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}

const aidTruncatedLen = 9

// Slot is a key reference of an asymmetric key and its certificate (part 1,
// table 4b).
type Slot byte

// The four standard key slots. Retired key management slots 82 to 95 work
// too: Slot(0x82) ... Slot(0x95).
const (
	SlotAuthentication     Slot = 0x9A // PIV Authentication: login
	SlotSignature          Slot = 0x9C // Digital Signature: PIN always
	SlotKeyManagement      Slot = 0x9D // Key Management
	SlotCardAuthentication Slot = 0x9E // Card Authentication: no PIN
)

func (s Slot) String() string { return hex2(byte(s)) }

// Object returns the tag of the data object that holds the slot's X.509
// certificate (part 1, table 3).
func (s Slot) Object() (apdu.Tag, bool) {
	switch {
	case s == SlotAuthentication:
		return ObjCertAuthentication, true
	case s == SlotSignature:
		return ObjCertSignature, true
	case s == SlotKeyManagement:
		return ObjCertKeyManagement, true
	case s == SlotCardAuthentication:
		return ObjCertCardAuthentication, true
	case s >= 0x82 && s <= 0x95:
		return apdu.Tag(0x5FC10D + uint32(s-0x82)), true
	}
	return 0, false
}

// Data object tags (part 1, table 3). Read with GetData, write with PutData.
const (
	ObjCHUID                  apdu.Tag = 0x5FC102 // Card Holder Unique Identifier
	ObjCCC                    apdu.Tag = 0x5FC107 // Card Capability Container
	ObjCertAuthentication     apdu.Tag = 0x5FC105 // X.509 certificate of 9A
	ObjCertSignature          apdu.Tag = 0x5FC10A // X.509 certificate of 9C
	ObjCertKeyManagement      apdu.Tag = 0x5FC10B // X.509 certificate of 9D
	ObjCertCardAuthentication apdu.Tag = 0x5FC101 // X.509 certificate of 9E
	ObjFingerprints           apdu.Tag = 0x5FC103 // Cardholder Fingerprints
	ObjSecurityObject         apdu.Tag = 0x5FC106 // Security Object
	ObjFacialImage            apdu.Tag = 0x5FC108 // Cardholder Facial Image
	ObjPrintedInfo            apdu.Tag = 0x5FC109 // Printed Information
	ObjKeyHistory             apdu.Tag = 0x5FC10C // Key History Object
	ObjDiscovery              apdu.Tag = 0x7E     // Discovery Object
)

// Algorithm is a cryptographic algorithm identifier (SP 800-78-4 table 6-2,
// part 1 table 5).
type Algorithm byte

// Algorithms this package knows. RSA 3072/4096 are YubiKey 5.7 extensions.
const (
	Alg3DES    Algorithm = 0x03 // 3-key Triple DES, ECB (0x00 is its old alias)
	AlgAES128  Algorithm = 0x08
	AlgAES192  Algorithm = 0x0A
	AlgAES256  Algorithm = 0x0C
	AlgRSA1024 Algorithm = 0x06
	AlgRSA2048 Algorithm = 0x07
	AlgRSA3072 Algorithm = 0x05
	AlgRSA4096 Algorithm = 0x16
	AlgECCP256 Algorithm = 0x11
	AlgECCP384 Algorithm = 0x14
)

func (a Algorithm) String() string {
	switch a {
	case Alg3DES:
		return "3DES"
	case AlgAES128:
		return "AES-128"
	case AlgAES192:
		return "AES-192"
	case AlgAES256:
		return "AES-256"
	case AlgRSA1024:
		return "RSA-1024"
	case AlgRSA2048:
		return "RSA-2048"
	case AlgRSA3072:
		return "RSA-3072"
	case AlgRSA4096:
		return "RSA-4096"
	case AlgECCP256:
		return "ECC P-256"
	case AlgECCP384:
		return "ECC P-384"
	}
	return "algorithm " + hex2(byte(a))
}

// rsaBits is the modulus size of an RSA algorithm, 0 for the others.
func (a Algorithm) rsaBits() int {
	switch a {
	case AlgRSA1024:
		return 1024
	case AlgRSA2048:
		return 2048
	case AlgRSA3072:
		return 3072
	case AlgRSA4096:
		return 4096
	}
	return 0
}

// Card is a PIV card application reached through a Transmitter. It keeps no
// secrets. A Card is not safe for concurrent use, and neither is the card.
type Card struct {
	cl apdu.Client

	allowExtended bool // the caller lets us use extended APDUs
	atrExtended   bool // the ATR advertises extended Lc/Le
	app           Application
}

// Option configures a Card.
type Option func(*Card)

// WithTrace logs every APDU at debug level to l, for support staff. The data
// of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, management-key
// responses and personal data objects never appear in it.
func WithTrace(l *slog.Logger) Option {
	return func(c *Card) { c.cl.Trace = l }
}

// WithExtendedAPDUs lets the Card use extended APDUs when the card
// advertises them (in the ATR given by WithATR, or in its SELECT answer).
// Without it every command is a short APDU, which every card understands.
func WithExtendedAPDUs() Option {
	return func(c *Card) { c.allowExtended = true }
}

// WithATR gives the card's Answer To Reset, whose historical bytes may
// advertise extended APDUs (ISO/IEC 7816-4 §12.1.1.9, card capabilities).
func WithATR(atr []byte) Option {
	return func(c *Card) { c.atrExtended = ATRExtended(atr) }
}

// New returns a Card talking over t. Call Select before anything else.
// A nil option is skipped (an optional trace left unset).
func New(t apdu.Transmitter, opts ...Option) *Card {
	c := &Card{cl: apdu.Client{T: t}}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Extended reports whether the Card sends extended APDUs.
func (c *Card) Extended() bool { return c.cl.Extended }

// Application is what the card said about its PIV application on SELECT
// (the application property template, part 2 §3.1.1). Every field may be
// empty: cards differ, and we do not insist.
type Application struct {
	AID        []byte      // tag 4F: full or partial AID
	Label      string      // tag 50
	URL        string      // tag 5F50
	Algorithms []Algorithm // tag AC/80: algorithms the card supports
}

// Select makes the PIV application current. It accepts any 9000 answer,
// with or without a property template, and falls back to the
// right-truncated AID for cards that want it. A card without PIV gives an
// error matching ErrNotPIV.
func (c *Card) Select() error {
	app, ext, err := selectPIV(&c.cl)
	if err != nil {
		return err
	}
	c.app = app
	c.cl.Extended = c.allowExtended && (c.atrExtended || ext)
	return nil
}

// Application returns what the last Select learnt about the application.
func (c *Card) Application() Application { return c.app }

func selectPIV(cl *apdu.Client) (Application, bool, error) {
	cmd := apdu.Command{INS: insSelect, P1: 0x04, Data: aidPIV, Ne: apdu.MaxShortNe}
	r, err := cl.Transmit(cmd)
	if err != nil {
		return Application{}, false, err
	}
	if !r.OK() {
		// Some cards know the application only by its truncated AID.
		cmd.Data = aidPIV[:aidTruncatedLen]
		r2, err := cl.Transmit(cmd)
		if err != nil {
			return Application{}, false, err
		}
		if !r2.OK() {
			return Application{}, false, notPIV(r.Err())
		}
		r = r2
	}
	app, ext := parseAPT(r.Data)
	return app, ext, nil
}

// parseAPT reads what it can of a SELECT answer: normally 61 {4F, 79, 50,
// AC, 5F50}; sometimes the template's content alone, sometimes nothing. It
// also looks for extended length information (7F66, ISO/IEC 7816-4 §12.7.1).
// It never fails: a card that answered 9000 to SELECT is a PIV card to us.
func parseAPT(b []byte) (app Application, extended bool) {
	if v, ok, err := apdu.Find(b, 0x61); err == nil && ok {
		b = v
	}
	for _, t := range parsePrefix(b) {
		switch t.Tag {
		case 0x4F:
			app.AID = bytes.Clone(t.Value)
		case 0x79:
			if aid, ok, err := apdu.Find(t.Value, 0x4F); err == nil && ok && app.AID == nil {
				app.AID = bytes.Clone(aid)
			}
		case 0x50:
			app.Label = string(t.Value)
		case 0x5F50:
			app.URL = string(t.Value)
		case 0xAC:
			for _, a := range parsePrefix(t.Value) {
				if a.Tag == 0x80 && len(a.Value) == 1 {
					app.Algorithms = append(app.Algorithms, Algorithm(a.Value[0]))
				}
			}
		case 0x7F66:
			extended = true
		}
	}
	return app, extended
}

const hexDigits = "0123456789ABCDEF"

func hex2(b byte) string { return string([]byte{hexDigits[b>>4], hexDigits[b&0x0F]}) }

// parsePrefix decodes data objects until the end or the first broken one.
func parsePrefix(b []byte) []apdu.TLV {
	var out []apdu.TLV
	for len(b) > 0 {
		t, rest, err := apdu.ParseTLV(b)
		if err != nil {
			break
		}
		out = append(out, t)
		b = rest
	}
	return out
}
