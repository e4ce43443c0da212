package apdu

import (
	"fmt"
)

// Tag is a BER-TLV tag up to four bytes long, written as its bytes read
// big-endian: 0x53, 0x7F49, 0x5FC102.
type Tag uint32

// Bytes returns the tag's encoding.
func (t Tag) Bytes() []byte {
	switch {
	case t > 0xFFFFFF:
		return []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFFFF:
		return []byte{byte(t >> 16), byte(t >> 8), byte(t)}
	case t > 0xFF:
		return []byte{byte(t >> 8), byte(t)}
	}
	return []byte{byte(t)}
}

// Constructed reports whether the tag's value is itself a sequence of TLVs.
func (t Tag) Constructed() bool { return t.Bytes()[0]&0x20 != 0 }

func (t Tag) String() string { return fmt.Sprintf("%X", uint32(t)) }

// TLV is one decoded BER-TLV data object.
type TLV struct {
	Tag   Tag
	Value []byte
}

// ParseTLV decodes the first data object of b and returns the bytes after it.
// It accepts tags of up to four bytes and definite lengths of up to four
// length bytes (81, 82, 83, 84 forms); Value aliases b.
func ParseTLV(b []byte) (TLV, []byte, error) {
	if len(b) == 0 {
		return TLV{}, nil, malformed("TLV: empty input")
	}
	// Tag: if the low five bits of the first byte are all set, more bytes
	// follow while bit 8 is set.
	n := 1
	if b[0]&0x1F == 0x1F {
		for {
			if n >= len(b) {
				return TLV{}, nil, malformed("TLV: tag runs past the end")
			}
			n++
			if b[n-1]&0x80 == 0 {
				break
			}
			if n == 4 {
				return TLV{}, nil, malformed("TLV: tag longer than 4 bytes")
			}
		}
	}
	var tag Tag
	for _, x := range b[:n] {
		tag = tag<<8 | Tag(x)
	}
	b = b[n:]
	if len(b) == 0 {
		return TLV{}, nil, malformed("TLV %s: no length", tag)
	}
	length := int(b[0])
	b = b[1:]
	if length > 0x7F {
		k := length & 0x7F
		if k == 0 || k > 4 {
			return TLV{}, nil, malformed("TLV %s: unsupported length form %02X", tag, 0x80|k)
		}
		if len(b) < k {
			return TLV{}, nil, malformed("TLV %s: length runs past the end", tag)
		}
		length = 0
		for _, x := range b[:k] {
			length = length<<8 | int(x)
		}
		b = b[k:]
	}
	if length < 0 || length > len(b) {
		return TLV{}, nil, malformed("TLV %s: length %d exceeds the %d bytes left", tag, length, len(b))
	}
	return TLV{Tag: tag, Value: b[:length:length]}, b[length:], nil
}

// ParseAll decodes a sequence of data objects that fills b exactly.
func ParseAll(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		t, rest, err := ParseTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// Find returns the value of the first object with the given tag in a
// sequence of objects (not descending into constructed ones).
func Find(b []byte, tag Tag) ([]byte, bool, error) {
	for len(b) > 0 {
		t, rest, err := ParseTLV(b)
		if err != nil {
			return nil, false, err
		}
		if t.Tag == tag {
			return t.Value, true, nil
		}
		b = rest
	}
	return nil, false, nil
}

// Unwrap returns the value of b, which must be exactly one object with the
// given tag (e.g. the 53 container around a PIV data object).
func Unwrap(b []byte, tag Tag) ([]byte, error) {
	t, rest, err := ParseTLV(b)
	if err != nil {
		return nil, err
	}
	if t.Tag != tag {
		return nil, malformed("TLV: want tag %s, got %s", tag, t.Tag)
	}
	if len(rest) != 0 {
		return nil, malformed("TLV %s: %d trailing bytes", tag, len(rest))
	}
	return t.Value, nil
}

// AppendLength appends a BER definite length in its shortest form.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xFFFFFF:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// AppendTLV appends one encoded data object.
func AppendTLV(dst []byte, tag Tag, value []byte) []byte {
	dst = append(dst, tag.Bytes()...)
	dst = AppendLength(dst, len(value))
	return append(dst, value...)
}

// Encode returns one encoded data object; with several values they are
// concatenated first (handy for constructed objects).
func Encode(tag Tag, values ...[]byte) []byte {
	var v []byte
	for _, x := range values {
		v = append(v, x...)
	}
	return AppendTLV(nil, tag, v)
}
