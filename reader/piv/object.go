package piv

import (
	"fmt"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Tags of the GET DATA / PUT DATA envelope (part 2, §3.1.2 and §3.3.1).
const (
	tagTagList   apdu.Tag = 0x5C // the object's tag
	tagContainer apdu.Tag = 0x53 // the object's content
	tagLRC       apdu.Tag = 0xFE // error detection code, always empty
)

// GetData reads a data object (GET DATA) and returns its content, without
// the 53 envelope. A missing or empty object gives an error matching
// ErrNotFound. Some objects need a verified PIN (printed information,
// facial image, fingerprints): the card then answers ErrSecurityStatus.
func (c *Card) GetData(tag apdu.Tag) ([]byte, error) { return getData(&c.cl, tag, false) }

// PutData writes a data object (PUT DATA), wrapping value in the 53
// envelope. It needs an authenticated management key.
func (c *Card) PutData(tag apdu.Tag, value []byte) error { return putData(&c.cl, tag, value, false) }

// getData reads one object; personal marks data that must stay out of the
// trace (printed information, facial image).
func getData(cl *apdu.Client, tag apdu.Tag, personal bool) ([]byte, error) {
	cmd := apdu.Command{
		INS: insGetData, P1: 0x3F, P2: 0xFF,
		Data:      apdu.AppendTLV(nil, tagTagList, tag.Bytes()),
		Ne:        apdu.MaxExtendedNe, // the client caps it at 256 for short APDUs
		Sensitive: personal,
	}
	b, err := cl.Do(cmd)
	if err != nil {
		return nil, fmt.Errorf("piv: reading object %s: %w", tag, err)
	}
	v, err := unwrapObject(b, tag)
	if err != nil {
		return nil, fmt.Errorf("piv: reading object %s: %w", tag, err)
	}
	return v, nil
}

// unwrapObject takes the content out of a GET DATA answer: 53 {…} for the
// BER-TLV objects, 7E {…} for the discovery object. Bytes after the object
// (padding some cards add) are ignored; an empty object counts as missing.
func unwrapObject(b []byte, tag apdu.Tag) ([]byte, error) {
	if len(b) == 0 {
		return nil, ErrNotFound
	}
	t, _, err := apdu.ParseTLV(b)
	if err != nil {
		return nil, malformed("%w", err)
	}
	if t.Tag != tagContainer && t.Tag != tag {
		return nil, malformed("object in tag %s", t.Tag)
	}
	if len(t.Value) == 0 {
		return nil, ErrNotFound
	}
	return t.Value, nil
}

// putData writes one object; personal, as for getData, keeps value out of
// the trace (and wipes our copy of it once sent).
func putData(cl *apdu.Client, tag apdu.Tag, value []byte, personal bool) error {
	data := apdu.AppendTLV(nil, tagTagList, tag.Bytes())
	data = apdu.AppendTLV(data, tagContainer, value)
	if personal {
		defer clear(data)
	}
	if _, err := cl.Do(apdu.Command{INS: insPutData, P1: 0x3F, P2: 0xFF, Data: data, Sensitive: personal}); err != nil {
		return fmt.Errorf("piv: writing object %s: %w", tag, err)
	}
	return nil
}
