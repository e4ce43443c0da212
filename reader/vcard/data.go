package vcard

import (
	"crypto/rand"

	"github.com/cardagent/cardagent/reader/apdu"
)

// getData implements GET DATA (SP 800-73-4 Part 2 §3.1.2): data is
// 5C <tag>, the answer the stored object (53 … or, for discovery, 7E …).
func (c *Card) getData(cmd apdu.Command) ([]byte, status) {
	if uint16(cmd.P1)<<8|uint16(cmd.P2) != pivDataP1P2 {
		return nil, apdu.SWIncorrectP1P2
	}
	tag, rest, ok := parseTagList(cmd.Data)
	if !ok || len(rest) != 0 {
		return nil, apdu.SWWrongData
	}
	if pinProtected(tag) && !c.pinVerified {
		return nil, apdu.SWSecurityStatus
	}
	obj, found := c.st.Objects[tagName(tag)]
	if !found {
		return nil, apdu.SWNotFound
	}
	return append([]byte(nil), obj...), apdu.SWSuccess
}

// putData implements PUT DATA (SP 800-73-4 Part 2 §3.3.1): 5C <tag> then
// the object (53 …). It needs the management key. An empty 53 deletes the
// object, as YubiKeys do.
func (c *Card) putData(cmd apdu.Command) status {
	if uint16(cmd.P1)<<8|uint16(cmd.P2) != pivDataP1P2 {
		return apdu.SWIncorrectP1P2
	}
	if !c.mgmtAuthed {
		return apdu.SWSecurityStatus
	}
	tag, rest, ok := parseTagList(cmd.Data)
	if !ok || !writableTag(tag) {
		return apdu.SWWrongData
	}
	obj, after, err := apdu.ParseTLV(rest)
	if err != nil || len(after) != 0 || obj.Tag != tagObject {
		return apdu.SWWrongData
	}
	if len(rest) > maxObjectSize {
		return apdu.SWNotEnoughMemory
	}
	if len(obj.Value) == 0 {
		delete(c.st.Objects, tagName(tag))
	} else {
		c.st.Objects[tagName(tag)] = append(hexBytes(nil), rest...)
	}
	if tag == tagCHUID {
		c.st.GUID = chuidGUID(obj.Value, c.st.GUID)
	}
	return c.save()
}

// chuidGUID is the GUID (tag 34) of CHUID content b: a card issuer that
// writes a new CHUID gives the card a new identity. Without one it stays
// old.
func chuidGUID(b []byte, old hexBytes) hexBytes {
	tlvs, err := apdu.ParseAll(b)
	if err != nil {
		return old
	}
	for _, t := range tlvs {
		if t.Tag == 0x34 && len(t.Value) == 16 {
			return append(hexBytes(nil), t.Value...)
		}
	}
	return old
}

// pinProtected: objects whose read access rule is "PIN" (SP 800-73-4 Part 1
// Table 3): fingerprints, facial image, printed information, iris images,
// pairing code. Everything else is readable always.
func pinProtected(tag uint32) bool {
	switch tag {
	case 0x5FC103, tagFacialImage, tagPrintedInfo, 0x5FC121, 0x5FC123:
		return true
	}
	return false
}

// parseTagList reads the 5C tag list of GET/PUT DATA: one tag of one to
// three bytes.
func parseTagList(b []byte) (uint32, []byte, bool) {
	t, rest, err := apdu.ParseTLV(b)
	if err != nil || t.Tag != tagTagList || len(t.Value) == 0 || len(t.Value) > 3 {
		return 0, nil, false
	}
	var tag uint32
	for _, x := range t.Value {
		tag = tag<<8 | uint32(x)
	}
	return tag, rest, true
}

// writableTag: the PIV objects (5FC101–5FC123), the biometric group
// template and Yubico's vendor objects (5FFF00–5FFF15), not discovery.
func writableTag(tag uint32) bool {
	switch {
	case tag >= 0x5FC101 && tag <= 0x5FC123:
		return true
	case tag >= 0x5FFF00 && tag <= 0x5FFF15:
		return true
	}
	return tag == tagBiometricGrp
}

// fascN is the FASC-N yubico-piv-tool puts in a CHUID: agency 9999, a
// non-federal issuer (SP 800-73-4 Part 1 §3.3.1, TIG SCEPACS).
var fascN = []byte{
	0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
	0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
}

// newCHUID builds the Card Holder Unique Identifier (SP 800-73-4 Part 1
// §3.3.1 Table 9): FASC-N, GUID, expiry, an empty issuer signature and the
// error detection code.
func newCHUID(guid []byte) hexBytes {
	return apdu.Encode(tagObject,
		apdu.Encode(0x30, fascN),
		apdu.Encode(0x34, guid),
		apdu.Encode(0x35, []byte("20991231")),
		apdu.Encode(0x3E, nil),
		apdu.Encode(0xFE, nil),
	)
}

// newCCC builds a Card Capability Container (SP 800-73-4 Part 1 §3.3.2) as
// yubico-piv-tool writes it, with a random card identifier.
func newCCC() (hexBytes, error) {
	id := []byte{0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02}
	rnd := make([]byte, 14)
	if _, err := rand.Read(rnd); err != nil {
		return nil, err
	}
	return apdu.Encode(tagObject,
		apdu.Encode(0xF0, append(id, rnd...)),
		apdu.Encode(0xF1, []byte{0x21}),
		apdu.Encode(0xF2, []byte{0x21}),
		apdu.Encode(0xF3, nil),
		apdu.Encode(0xF4, []byte{0x00}),
		apdu.Encode(0xF5, []byte{0x10}),
		apdu.Encode(0xF6, nil),
		apdu.Encode(0xF7, nil),
		apdu.Encode(0xFA, nil),
		apdu.Encode(0xFB, nil),
		apdu.Encode(0xFC, nil),
		apdu.Encode(0xFD, nil),
		apdu.Encode(0xFE, nil),
	), nil
}

// discoveryObject (SP 800-73-4 Part 1 §3.3.2 Table 11): the AID and a PIN
// usage policy of "PIV PIN only" (40 00).
func discoveryObject() hexBytes {
	return apdu.Encode(tagDiscovery,
		apdu.Encode(0x4F, pivAID),
		apdu.Encode(0x5F2F, []byte{0x40, 0x00}),
	)
}

// certObject wraps a DER certificate as PIV stores it (SP 800-73-4 Part 1
// Table 10): 53 { 70 cert, 71 CertInfo (00: not compressed), FE LRC }.
func certObject(der []byte) hexBytes {
	return apdu.Encode(tagObject,
		apdu.Encode(0x70, der),
		apdu.Encode(0x71, []byte{0x00}),
		apdu.Encode(0xFE, nil),
	)
}
