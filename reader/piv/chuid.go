package piv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/cardagent/cardagent/reader/apdu"
)

// CHUID is the Card Holder Unique Identifier (part 1, §3.1.2, table 9).
type CHUID struct {
	FASCN          []byte    // 30: Federal Agency Smart Credential Number, 25 bytes
	OrgID          []byte    // 32: organisational identifier
	DUNS           []byte    // 33
	GUID           [16]byte  // 34: the card's identifier (all zero if absent)
	Expiry         time.Time // 35: YYYYMMDD, zero if absent or unreadable
	CardholderUUID []byte    // 36
	Signature      []byte    // 3E: issuer's CMS signature over the CHUID
}

// CHUID reads and parses the CHUID object. It needs no PIN.
func (c *Card) CHUID() (CHUID, error) {
	b, err := getData(&c.cl, ObjCHUID, false)
	if err != nil {
		return CHUID{}, err
	}
	return parseCHUID(b)
}

// GUID returns the card's GUID from the CHUID: the card's identity for
// cardagent. A CHUID without one (or with an all-zero one, which older
// cards use) gives ErrNoGUID.
func (c *Card) GUID() ([16]byte, error) {
	ch, err := c.CHUID()
	if err != nil {
		return [16]byte{}, err
	}
	if ch.GUID == ([16]byte{}) {
		return [16]byte{}, ErrNoGUID
	}
	return ch.GUID, nil
}

func parseCHUID(b []byte) (CHUID, error) {
	tlvs, err := apdu.ParseAll(b)
	if err != nil {
		return CHUID{}, malformed("CHUID: %w", err)
	}
	var ch CHUID
	for _, t := range tlvs {
		switch t.Tag {
		case 0x30:
			ch.FASCN = bytes.Clone(t.Value)
		case 0x32:
			ch.OrgID = bytes.Clone(t.Value)
		case 0x33:
			ch.DUNS = bytes.Clone(t.Value)
		case 0x34:
			if len(t.Value) != len(ch.GUID) {
				return CHUID{}, malformed("CHUID: GUID of %d bytes", len(t.Value))
			}
			copy(ch.GUID[:], t.Value)
		case 0x35:
			if d, err := time.Parse("20060102", string(t.Value)); err == nil {
				ch.Expiry = d
			}
		case 0x36:
			ch.CardholderUUID = bytes.Clone(t.Value)
		case 0x3E:
			ch.Signature = bytes.Clone(t.Value)
		}
	}
	return ch, nil
}

// fascN is the FASC-N yubico-piv-tool writes into a CHUID: agency code
// 9999, system 9999, credential 999999, organisational category 3
// (commercial), i.e. a non-federal issuer (part 1 §3.1.2; TIG SCEPACS).
// Tag 30 is mandatory, and readers that expect a federal card can tell this
// one is not. The same bytes as reader/vcard's fascN.
var fascN = []byte{
	0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
	0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
}

// EncodeCHUID builds the content of a CHUID object (part 1, table 9) the
// way yubico-piv-tool does: the non-federal FASC-N, guid, the expiry date
// (YYYYMMDD, in expiry's own location), an empty issuer signature and the
// error detection code. It is the value PutData wraps in 53; an unsigned
// CHUID is all a card that is not issued by a federal agency can have.
func EncodeCHUID(guid [16]byte, expiry time.Time) []byte {
	b := apdu.AppendTLV(nil, 0x30, fascN)
	b = apdu.AppendTLV(b, 0x34, guid[:])
	b = apdu.AppendTLV(b, 0x35, []byte(expiry.Format("20060102")))
	b = apdu.AppendTLV(b, 0x3E, nil)
	return apdu.AppendTLV(b, tagLRC, nil)
}

// PutCHUID writes a new CHUID with guid and expiry (see EncodeCHUID). The
// GUID is the card's identity for cardagent, so an all-zero one (which
// GUID reports as ErrNoGUID) and a zero expiry are refused before anything
// reaches the card. It needs an authenticated management key
// (AuthenticateMgmtKey or BeginMgmtAuth/FinishMgmtAuth); without one the
// card answers ErrSecurityStatus.
func (c *Card) PutCHUID(guid [16]byte, expiry time.Time) error {
	if guid == ([16]byte{}) {
		return fmt.Errorf("piv: writing CHUID: %w: all-zero GUID", ErrInvalidField)
	}
	if expiry.IsZero() || len(expiry.Format("20060102")) != 8 {
		return fmt.Errorf("piv: writing CHUID: %w: expiry %v is not a date YYYYMMDD", ErrInvalidField, expiry)
	}
	return putData(&c.cl, ObjCHUID, EncodeCHUID(guid, expiry), false)
}

// PrintedInfo is the Printed Information object (part 1, §3.1.6, table 14):
// what is printed on the card. Reading it needs a verified PIN.
type PrintedInfo struct {
	Name                string // 01
	EmployeeAffiliation string // 02
	Expiration          string // 04: as printed, YYYYMMMDD
	CardSerial          string // 05: agency card serial number
	IssuerID            string // 06
	OrgAffiliation1     string // 07
	OrgAffiliation2     string // 08
}

// PrintedInfo reads the Printed Information object; ErrNotFound if the card
// has none. Its bytes never appear in the trace.
func (c *Card) PrintedInfo() (PrintedInfo, error) {
	b, err := getData(&c.cl, ObjPrintedInfo, true)
	if err != nil {
		return PrintedInfo{}, err
	}
	return parsePrintedInfo(b)
}

func parsePrintedInfo(b []byte) (PrintedInfo, error) {
	tlvs, err := apdu.ParseAll(b)
	if err != nil {
		return PrintedInfo{}, malformed("printed information: %w", err)
	}
	var p PrintedInfo
	for _, t := range tlvs {
		v := string(t.Value)
		switch t.Tag {
		case 0x01:
			p.Name = v
		case 0x02:
			p.EmployeeAffiliation = v
		case 0x04:
			p.Expiration = v
		case 0x05:
			p.CardSerial = v
		case 0x06:
			p.IssuerID = v
		case 0x07:
			p.OrgAffiliation1 = v
		case 0x08:
			p.OrgAffiliation2 = v
		}
	}
	return p, nil
}

// printedFields are the fields of the Printed Information object in tag
// order, with the longest value part 1, table 14 allows, in bytes.
var printedFields = []struct {
	tag  apdu.Tag
	name string
	max  int
	get  func(*PrintedInfo) string
}{
	{0x01, "name", 125, func(p *PrintedInfo) string { return p.Name }},
	{0x02, "employee affiliation", 20, func(p *PrintedInfo) string { return p.EmployeeAffiliation }},
	{0x04, "expiration date", 9, func(p *PrintedInfo) string { return p.Expiration }},
	{0x05, "agency card serial number", 20, func(p *PrintedInfo) string { return p.CardSerial }},
	{0x06, "issuer identification", 15, func(p *PrintedInfo) string { return p.IssuerID }},
	{0x07, "organisation affiliation line 1", 20, func(p *PrintedInfo) string { return p.OrgAffiliation1 }},
	{0x08, "organisation affiliation line 2", 20, func(p *PrintedInfo) string { return p.OrgAffiliation2 }},
}

// printedDate is the layout of the printed expiration date, YYYYMMMDD;
// PrintedExpiration upper-cases the month.
const printedDate = "2006Jan02"

// PrintedExpiration gives t's date (in t's own location) the way the
// Printed Information object carries it: YYYYMMMDD with the month in
// upper-case English, e.g. 2031DEC03. Years outside 0000–9999 do not fit
// and EncodePrintedInfo refuses them.
func PrintedExpiration(t time.Time) string {
	return strings.ToUpper(t.Format(printedDate))
}

// EncodePrintedInfo builds the content of a Printed Information object
// (part 1, table 14), the value PutData wraps in 53. Name and Expiration
// are mandatory, empty optional fields are left out, and nothing longer
// than the table allows is written: an ErrInvalidField or ErrFieldTooLong
// error says which field is wrong. Expiration must be in the form
// PrintedExpiration gives.
func EncodePrintedInfo(p PrintedInfo) ([]byte, error) {
	if p.Name == "" {
		return nil, fmt.Errorf("piv: printed information: %w: name is mandatory", ErrInvalidField)
	}
	if p.Expiration == "" {
		return nil, fmt.Errorf("piv: printed information: %w: expiration date is mandatory", ErrInvalidField)
	}
	if d, err := time.Parse(printedDate, p.Expiration); err != nil || PrintedExpiration(d) != p.Expiration {
		return nil, fmt.Errorf("piv: printed information: %w: expiration date %q is not YYYYMMMDD (e.g. 2031DEC03)", ErrInvalidField, p.Expiration)
	}
	var b []byte
	for _, f := range printedFields {
		v := f.get(&p)
		if v == "" {
			continue
		}
		if len(v) > f.max {
			return nil, fmt.Errorf("piv: printed information: %w: %s is %d bytes, at most %d", ErrFieldTooLong, f.name, len(v), f.max)
		}
		b = apdu.AppendTLV(b, f.tag, []byte(v))
	}
	return apdu.AppendTLV(b, tagLRC, nil), nil
}

// PutPrintedInfo writes the Printed Information object (see
// EncodePrintedInfo). It needs an authenticated management key; without
// one the card answers ErrSecurityStatus. Like PrintedInfo, its bytes never
// appear in the trace.
func (c *Card) PutPrintedInfo(p PrintedInfo) error {
	b, err := EncodePrintedInfo(p)
	if err != nil {
		return err
	}
	defer clear(b)
	return putData(&c.cl, ObjPrintedInfo, b, true)
}

// FacialImage returns the cardholder's photo (a JPEG or JPEG 2000 file)
// from the Cardholder Facial Image object (part 1, §3.1.5); ErrNotFound if
// the card has none. Reading it needs a verified PIN. Its bytes never
// appear in the trace.
func (c *Card) FacialImage() ([]byte, error) {
	b, err := getData(&c.cl, ObjFacialImage, true)
	if err != nil {
		return nil, err
	}
	return parseFacialImage(b)
}

// Sizes of the records around the image (SP 800-76-2 §6 and ISO/IEC
// 19794-5:2005 §5).
const (
	cbeffHeaderLen = 88 // SP 800-76-2 table 7, "PIV patron format"
	facRecordLen   = 14 // "FAC\0", version, record length, number of faces
	facInfoLen     = 20 // facial information block
	facPointLen    = 8  // one feature point
	facImageLen    = 12 // image information block
)

// parseFacialImage takes BC {CBEFF header, ISO 19794-5 record, signature}
// apart and returns the image data. Content that is already a bare JPEG or
// JPEG 2000 image is accepted as such.
func parseFacialImage(b []byte) ([]byte, error) {
	rec, ok, err := apdu.Find(b, 0xBC)
	if err != nil {
		return nil, malformed("facial image: %w", err)
	}
	if !ok || len(rec) == 0 {
		return nil, ErrNotFound
	}
	if isImage(rec) {
		return bytes.Clone(rec), nil
	}
	if len(rec) < cbeffHeaderLen {
		return nil, malformed("facial image: CBEFF header of %d bytes", len(rec))
	}
	bdbLen := binary.BigEndian.Uint32(rec[2:6])
	bdb := rec[cbeffHeaderLen:]
	if uint64(bdbLen) > uint64(len(bdb)) {
		return nil, malformed("facial image: biometric data of %d bytes in %d", bdbLen, len(bdb))
	}
	bdb = bdb[:bdbLen]
	if len(bdb) < facRecordLen+facInfoLen || !bytes.HasPrefix(bdb, []byte("FAC\x00")) {
		return nil, malformed("facial image: not an ISO 19794-5 record")
	}
	face := bdb[facRecordLen:]
	faceLen := int(binary.BigEndian.Uint32(face[0:4]))
	points := int(binary.BigEndian.Uint16(face[4:6]))
	head := facInfoLen + points*facPointLen + facImageLen
	if faceLen > len(face) || head > faceLen {
		return nil, malformed("facial image: face block of %d bytes", faceLen)
	}
	img := face[head:faceLen]
	if !isImage(img) {
		return nil, malformed("facial image: image is neither JPEG nor JPEG 2000")
	}
	return bytes.Clone(img), nil
}

// isImage recognises JPEG (SOI marker), JPEG 2000 codestreams and JP2 files.
func isImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) ||
		bytes.HasPrefix(b, []byte{0xFF, 0x4F, 0xFF, 0x51}) ||
		bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' '})
}
