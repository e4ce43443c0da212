package piv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader/apdu"
)

const (
	guidHex  = "00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF"
	fascnHex = "D4 32 10 D8 21 0C 2D 08 31 08 A1 68 5A 01 08 42 10 84 30 84 21 08 42 10 C3"
)

// chuidObject is a CHUID as a card stores it (part 1, table 9).
var chuidObject = cat(
	apdu.AppendTLV(nil, 0x30, h(fascnHex)),
	apdu.AppendTLV(nil, 0x34, h(guidHex)),
	apdu.AppendTLV(nil, 0x35, []byte("20301231")),
	apdu.AppendTLV(nil, 0x3E, nil),
	apdu.AppendTLV(nil, 0xFE, nil),
)

func TestCHUID(t *testing.T) {
	s := newScript(t).add(getDataCmd(ObjCHUID), cat(apdu.Encode(0x53, chuidObject), h("90 00")))
	ch, err := s.card().CHUID()
	s.done()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ch.GUID[:], h(guidHex)) || !bytes.Equal(ch.FASCN, h(fascnHex)) {
		t.Errorf("CHUID = %+v", ch)
	}
	if want := time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC); !ch.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", ch.Expiry, want)
	}
}

func TestGUID(t *testing.T) {
	tests := []struct {
		name    string
		resp    []byte
		want    string
		wantErr error
	}{
		{"ok", cat(apdu.Encode(0x53, chuidObject), h("90 00")), guidHex, nil},
		{"zero GUID", cat(apdu.Encode(0x53, apdu.Encode(0x34, make([]byte, 16))), h("90 00")), "", ErrNoGUID},
		{"no GUID", cat(apdu.Encode(0x53, apdu.Encode(0x30, h(fascnHex))), h("90 00")), "", ErrNoGUID},
		{"short GUID", h("53 06 34 04 01 02 03 04 90 00"), "", ErrMalformed},
		{"missing object", h("6A 82"), "", ErrNotFound},
		{"empty object", h("53 00 90 00"), "", ErrNotFound},
		{"no data at all", h("90 00"), "", ErrNotFound},
		{"wrong envelope", h("54 02 34 00 90 00"), "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t).add(getDataCmd(ObjCHUID), tt.resp)
			g, err := s.card().GUID()
			s.done()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("GUID: %v, want %v", err, tt.wantErr)
			}
			if tt.want != "" && !bytes.Equal(g[:], h(tt.want)) {
				t.Errorf("GUID = %X", g)
			}
		})
	}
}

// TestGetDataChaining reads an object of 700 bytes through short APDUs: the
// card answers 61xx and the client fetches the rest.
func TestGetDataChaining(t *testing.T) {
	value := bytes.Repeat([]byte{0xA5}, 700)
	obj := apdu.Encode(0x53, value)
	s := newScript(t).addLongResponse(getDataCmd(0x5FC10C), obj)
	got, err := s.card().GetData(0x5FC10C)
	s.done()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, value) {
		t.Errorf("GetData returned %d bytes, want %d", len(got), len(value))
	}
}

func TestPutData(t *testing.T) {
	s := newScript(t, "00 DB 3F FF 0A 5C 03 5F C1 09 53 03 01 01 41", "90 00")
	if err := s.card().PutData(ObjPrintedInfo, h("01 01 41")); err != nil {
		t.Fatal(err)
	}
	s.done()

	s = newScript(t, "00 DB 3F FF 0A 5C 03 5F C1 09 53 03 01 01 41", "69 82")
	if err := s.card().PutData(ObjPrintedInfo, h("01 01 41")); !errors.Is(err, ErrSecurityStatus) {
		t.Fatalf("PutData without management key: %v", err)
	}
}

var printedInfoObject = cat(
	apdu.AppendTLV(nil, 0x01, []byte("DOE, JANE")),
	apdu.AppendTLV(nil, 0x02, []byte("Nurse")),
	apdu.AppendTLV(nil, 0x04, []byte("2030DEC31")),
	apdu.AppendTLV(nil, 0x05, []byte("SN0001")),
	apdu.AppendTLV(nil, 0x06, []byte("NHS")),
	apdu.AppendTLV(nil, 0x07, []byte("Ward 7")),
	apdu.AppendTLV(nil, 0x08, []byte("St Elsewhere")),
	apdu.AppendTLV(nil, 0xFE, nil),
)

func TestPrintedInfo(t *testing.T) {
	s := newScript(t).add(getDataCmd(ObjPrintedInfo), cat(apdu.Encode(0x53, printedInfoObject), h("90 00")))
	p, err := s.card().PrintedInfo()
	s.done()
	if err != nil {
		t.Fatal(err)
	}
	want := PrintedInfo{Name: "DOE, JANE", EmployeeAffiliation: "Nurse", Expiration: "2030DEC31", CardSerial: "SN0001",
		IssuerID: "NHS", OrgAffiliation1: "Ward 7", OrgAffiliation2: "St Elsewhere"}
	if p != want {
		t.Errorf("PrintedInfo = %+v, want %+v", p, want)
	}

	s = newScript(t).add(getDataCmd(ObjPrintedInfo), h("6A 82"))
	if _, err := s.card().PrintedInfo(); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing printed info: %v", err)
	}
}

var fakeJPEG = cat(h("FF D8 FF E0 00 10"), []byte("JFIF\x00 a tiny picture"), h("FF D9"))

// facialRecord builds BC {CBEFF header, ISO 19794-5 record} with n feature
// points around img.
func facialRecord(img []byte, points int) []byte {
	face := make([]byte, facInfoLen+points*facPointLen+facImageLen)
	binary.BigEndian.PutUint32(face[0:4], uint32(len(face)+len(img)))
	binary.BigEndian.PutUint16(face[4:6], uint16(points))
	face = append(face, img...)
	rec := cat([]byte("FAC\x00010\x00"), make([]byte, 4), []byte{0, 1}, face)
	binary.BigEndian.PutUint32(rec[8:12], uint32(len(rec)))
	hdr := make([]byte, cbeffHeaderLen)
	hdr[0] = 0x03
	binary.BigEndian.PutUint32(hdr[2:6], uint32(len(rec)))
	return cat(apdu.Encode(0xBC, hdr, rec), apdu.AppendTLV(nil, 0xFE, nil))
}

func TestFacialImage(t *testing.T) {
	tests := []struct {
		name    string
		obj     []byte
		want    []byte
		wantErr error
	}{
		{"CBEFF record", facialRecord(fakeJPEG, 0), fakeJPEG, nil},
		{"with feature points", facialRecord(fakeJPEG, 3), fakeJPEG, nil},
		{"bare JPEG", cat(apdu.Encode(0xBC, fakeJPEG), h("FE 00")), fakeJPEG, nil},
		{"not an image", facialRecord([]byte("hello"), 0), nil, ErrMalformed},
		{"short header", apdu.Encode(0xBC, []byte("short")), nil, ErrMalformed},
		{"no BC", h("FE 00"), nil, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t).addLongResponse(getDataCmd(ObjFacialImage), cat(apdu.Encode(0x53, tt.obj)))
			got, err := s.card().FacialImage()
			if !errors.Is(err, tt.wantErr) || !bytes.Equal(got, tt.want) {
				t.Errorf("FacialImage() = %X, %v; want %X, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestEncodeCHUID(t *testing.T) {
	var guid [16]byte
	copy(guid[:], h(guidHex))
	expiry := time.Date(2031, 12, 3, 0, 0, 0, 0, time.UTC)
	b := EncodeCHUID(guid, expiry)
	want := cat(
		apdu.AppendTLV(nil, 0x30, fascN),
		apdu.AppendTLV(nil, 0x34, guid[:]),
		apdu.AppendTLV(nil, 0x35, []byte("20311203")),
		h("3E 00 FE 00"),
	)
	if !bytes.Equal(b, want) {
		t.Errorf("EncodeCHUID =\n% X\nwant\n% X", b, want)
	}
	ch, err := parseCHUID(b)
	if err != nil {
		t.Fatal(err)
	}
	if ch.GUID != guid || !ch.Expiry.Equal(expiry) || !bytes.Equal(ch.FASCN, fascN) || len(ch.Signature) != 0 {
		t.Errorf("round trip: %+v", ch)
	}
	// The date is the one in expiry's own location.
	late := time.Date(2031, 12, 3, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	if v, _, _ := apdu.Find(EncodeCHUID(guid, late), 0x35); string(v) != "20311203" {
		t.Errorf("expiry in UTC-5 written as %q", v)
	}
}

func TestPutCHUID(t *testing.T) {
	var guid [16]byte
	copy(guid[:], h(guidHex))
	expiry := time.Date(2031, 12, 3, 0, 0, 0, 0, time.UTC)
	obj := EncodeCHUID(guid, expiry)
	cmd := cat(h("00 DB 3F FF"), []byte{byte(5 + 2 + len(obj))}, h("5C 03 5F C1 02 53"), []byte{byte(len(obj))}, obj)
	s := newScript(t).add(cmd, h("90 00"))
	if err := s.card().PutCHUID(guid, expiry); err != nil {
		t.Fatal(err)
	}
	s.done()

	s = newScript(t).add(cmd, h("69 82"))
	if err := s.card().PutCHUID(guid, expiry); !errors.Is(err, ErrSecurityStatus) {
		t.Errorf("PutCHUID without management key: %v", err)
	}
	s.done()

	// Refused before anything reaches the card.
	s = newScript(t)
	if err := s.card().PutCHUID([16]byte{}, expiry); !errors.Is(err, ErrInvalidField) {
		t.Errorf("PutCHUID with a zero GUID: %v", err)
	}
	if err := s.card().PutCHUID(guid, time.Time{}); !errors.Is(err, ErrInvalidField) {
		t.Errorf("PutCHUID with a zero expiry: %v", err)
	}
	s.done()
}

func TestPrintedExpiration(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2031, 12, 3, 0, 0, 0, 0, time.UTC), "2031DEC03"},
		{time.Date(2030, 1, 31, 12, 0, 0, 0, time.UTC), "2030JAN31"},
		{time.Date(2029, 9, 1, 0, 0, 0, 0, time.UTC), "2029SEP01"},
	} {
		if got := PrintedExpiration(tt.t); got != tt.want {
			t.Errorf("PrintedExpiration(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestEncodePrintedInfo(t *testing.T) {
	full := PrintedInfo{Name: "DOE, JANE", EmployeeAffiliation: "Nurse", Expiration: "2030DEC31", CardSerial: "SN0001",
		IssuerID: "NHS", OrgAffiliation1: "Ward 7", OrgAffiliation2: "St Elsewhere"}
	b, err := EncodePrintedInfo(full)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, printedInfoObject) {
		t.Errorf("EncodePrintedInfo =\n% X\nwant\n% X", b, printedInfoObject)
	}
	if p, err := parsePrintedInfo(b); err != nil || p != full {
		t.Errorf("round trip: %+v, %v", p, err)
	}

	// Optional fields left empty are left out.
	minimal := PrintedInfo{Name: "DOE, JANE", Expiration: PrintedExpiration(time.Date(2031, 12, 3, 0, 0, 0, 0, time.UTC))}
	b, err = EncodePrintedInfo(minimal)
	if err != nil {
		t.Fatal(err)
	}
	if want := cat(apdu.AppendTLV(nil, 0x01, []byte("DOE, JANE")), apdu.AppendTLV(nil, 0x04, []byte("2031DEC03")), h("FE 00")); !bytes.Equal(b, want) {
		t.Errorf("EncodePrintedInfo(minimal) = % X, want % X", b, want)
	}
	if p, err := parsePrintedInfo(b); err != nil || p != minimal {
		t.Errorf("round trip: %+v, %v", p, err)
	}

	// The longest values the table allows fit.
	longest := PrintedInfo{Name: strings.Repeat("N", 125), EmployeeAffiliation: strings.Repeat("E", 20), Expiration: "2031DEC03",
		CardSerial: strings.Repeat("5", 20), IssuerID: strings.Repeat("I", 15),
		OrgAffiliation1: strings.Repeat("1", 20), OrgAffiliation2: strings.Repeat("2", 20)}
	b, err = EncodePrintedInfo(longest)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := parsePrintedInfo(b); err != nil || p != longest {
		t.Errorf("round trip of the longest fields: %+v, %v", p, err)
	}
}

func TestEncodePrintedInfoErrors(t *testing.T) {
	ok := PrintedInfo{Name: "DOE, JANE", Expiration: "2031DEC03"}
	tests := []struct {
		name    string
		edit    func(*PrintedInfo)
		wantErr error
		field   string
	}{
		{"no name", func(p *PrintedInfo) { p.Name = "" }, ErrInvalidField, "name"},
		{"no expiration", func(p *PrintedInfo) { p.Expiration = "" }, ErrInvalidField, "expiration"},
		{"lower-case month", func(p *PrintedInfo) { p.Expiration = "2031Dec03" }, ErrInvalidField, "expiration"},
		{"numeric date", func(p *PrintedInfo) { p.Expiration = "20311203" }, ErrInvalidField, "expiration"},
		{"no such day", func(p *PrintedInfo) { p.Expiration = "2031FEB30" }, ErrInvalidField, "expiration"},
		{"long name", func(p *PrintedInfo) { p.Name = strings.Repeat("N", 126) }, ErrFieldTooLong, "name is 126 bytes, at most 125"},
		{"long affiliation", func(p *PrintedInfo) { p.EmployeeAffiliation = strings.Repeat("E", 21) }, ErrFieldTooLong, "employee affiliation"},
		{"long serial", func(p *PrintedInfo) { p.CardSerial = strings.Repeat("5", 21) }, ErrFieldTooLong, "serial"},
		{"long issuer", func(p *PrintedInfo) { p.IssuerID = strings.Repeat("I", 16) }, ErrFieldTooLong, "issuer"},
		{"long line 1", func(p *PrintedInfo) { p.OrgAffiliation1 = strings.Repeat("1", 21) }, ErrFieldTooLong, "line 1"},
		{"long line 2", func(p *PrintedInfo) { p.OrgAffiliation2 = strings.Repeat("2", 21) }, ErrFieldTooLong, "line 2"},
		// Bytes, not characters: 63 two-byte letters are 126 bytes.
		{"long UTF-8 name", func(p *PrintedInfo) { p.Name = strings.Repeat("é", 63) }, ErrFieldTooLong, "name is 126 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			b, err := EncodePrintedInfo(p)
			if !errors.Is(err, tt.wantErr) || b != nil {
				t.Fatalf("EncodePrintedInfo: % X, %v; want %v", b, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %q", err, tt.field)
			}
			// PutPrintedInfo sends nothing.
			s := newScript(t)
			if err := s.card().PutPrintedInfo(p); !errors.Is(err, tt.wantErr) {
				t.Errorf("PutPrintedInfo: %v", err)
			}
			s.done()
		})
	}
}
