package apdu

import (
	"errors"
	"fmt"
)

// Limits of the two APDU encodings (ISO/IEC 7816-4 §5.1).
const (
	MaxShortData    = 255   // Nc of a short command
	MaxShortNe      = 256   // Ne of a short command (Le byte 00)
	MaxExtendedData = 65535 // Nc of an extended command
	MaxExtendedNe   = 65536 // Ne of an extended command (Le bytes 0000)
)

// CLA bits this package sets or reads.
const (
	ClaChaining byte = 0x10 // more commands of this chain follow
)

// INS codes of the transport layer itself.
const (
	InsGetResponse byte = 0xC0
)

// Command is a command APDU. Ne is the number of response bytes expected:
// 0 means none (no Le field), MaxShortNe or MaxExtendedNe ask for "as many as
// available".
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int

	// Sensitive marks a command whose data (a passcode, a PUK, a
	// management-key response) must never appear in a trace.
	Sensitive bool
}

// ErrMalformed is wrapped by every error about bytes that are not a valid
// command or response APDU.
var ErrMalformed = errors.New("apdu: malformed")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// IsExtended reports whether c needs the extended encoding.
func (c Command) IsExtended() bool {
	return len(c.Data) > MaxShortData || c.Ne > MaxShortNe
}

// Bytes encodes c, short when it fits and extended otherwise.
func (c Command) Bytes() ([]byte, error) {
	return c.encode(c.IsExtended())
}

// ExtendedBytes encodes c in the extended form even when it would fit a
// short APDU (cases 2E, 3E, 4E).
func (c Command) ExtendedBytes() ([]byte, error) {
	return c.encode(true)
}

func (c Command) encode(extended bool) ([]byte, error) {
	nc := len(c.Data)
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return nil, fmt.Errorf("apdu: Ne %d out of range", c.Ne)
	}
	if nc > MaxExtendedData {
		return nil, fmt.Errorf("apdu: %d data bytes exceed an extended APDU", nc)
	}
	b := make([]byte, 0, 4+3+nc+3)
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	if !extended {
		if nc > MaxShortData || c.Ne > MaxShortNe {
			return nil, fmt.Errorf("apdu: command does not fit a short APDU (Nc %d, Ne %d)", nc, c.Ne)
		}
		if nc > 0 {
			b = append(b, byte(nc))
			b = append(b, c.Data...)
		}
		if c.Ne > 0 {
			b = append(b, byte(c.Ne)) // 256 wraps to 00 as the standard wants
		}
		return b, nil
	}
	if nc == 0 && c.Ne == 0 {
		return b, nil // case 1 has no extended form
	}
	b = append(b, 0x00)
	if nc > 0 {
		b = append(b, byte(nc>>8), byte(nc))
		b = append(b, c.Data...)
	}
	if c.Ne > 0 {
		b = append(b, byte(c.Ne>>8), byte(c.Ne)) // 65536 wraps to 0000
	}
	return b, nil
}

// ParseCommand decodes a command APDU of any of the seven cases (1, 2S, 3S,
// 4S, 2E, 3E, 4E). extended reports which encoding the sender used.
func ParseCommand(b []byte) (c Command, extended bool, err error) {
	if len(b) < 4 {
		return Command{}, false, malformed("command of %d bytes is shorter than its header", len(b))
	}
	c = Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, false, nil
	case len(body) == 1: // case 2S
		c.Ne = shortNe(body[0])
		return c, false, nil
	case body[0] != 0: // case 3S or 4S
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
		case 2 + nc:
			c.Ne = shortNe(body[1+nc])
		default:
			return Command{}, false, malformed("Lc %d does not match %d body bytes", nc, len(body))
		}
		c.Data = append([]byte(nil), body[1:1+nc]...)
		return c, false, nil
	case len(body) == 3: // case 2E
		c.Ne = extendedNe(body[1], body[2])
		return c, true, nil
	case len(body) < 3:
		return Command{}, false, malformed("extended length field of %d bytes", len(body))
	}
	// case 3E or 4E
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, false, malformed("extended Lc of zero")
	}
	switch len(body) {
	case 3 + nc:
	case 5 + nc:
		c.Ne = extendedNe(body[3+nc], body[4+nc])
	default:
		return Command{}, false, malformed("extended Lc %d does not match %d body bytes", nc, len(body))
	}
	c.Data = append([]byte(nil), body[3:3+nc]...)
	return c, true, nil
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extendedNe(hi, lo byte) int {
	if n := int(hi)<<8 | int(lo); n != 0 {
		return n
	}
	return MaxExtendedNe
}

// String shows the header and lengths, never the data: it is safe to log.
func (c Command) String() string {
	return fmt.Sprintf("%02X %02X %02X %02X Nc=%d Ne=%d", c.CLA, c.INS, c.P1, c.P2, len(c.Data), c.Ne)
}
