package apdu

// Response is a response APDU: data followed by the status word SW1 SW2.
type Response struct {
	Data []byte
	SW   uint16
}

// Common status words (ISO/IEC 7816-4 §5.6, NIST SP 800-73-4 part 2 §5.6).
const (
	SWSuccess            uint16 = 0x9000
	SWWrongLength        uint16 = 0x6700
	SWSecurityStatus     uint16 = 0x6982 // security status not satisfied
	SWAuthBlocked        uint16 = 0x6983 // authentication method blocked
	SWConditionsNotMet   uint16 = 0x6985
	SWCommandNotAllowed  uint16 = 0x6986
	SWWrongData          uint16 = 0x6A80
	SWFuncNotSupported   uint16 = 0x6A81
	SWNotFound           uint16 = 0x6A82 // file or application not found
	SWNotEnoughMemory    uint16 = 0x6A84
	SWIncorrectP1P2      uint16 = 0x6A86
	SWRefDataNotFound    uint16 = 0x6A88
	SWInsNotSupported    uint16 = 0x6D00
	SWClaNotSupported    uint16 = 0x6E00
	SWUnknown            uint16 = 0x6F00
	SWLastChainMissing   uint16 = 0x6883 // last command of a chain expected
	SWChainingNotAllowed uint16 = 0x6884
	SWMemoryFailure      uint16 = 0x6581
)

// ParseResponse splits a response APDU into data and status word.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, malformed("response of %d bytes has no status word", len(b))
	}
	n := len(b) - 2
	return Response{Data: append([]byte(nil), b[:n]...), SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// Bytes encodes r as it travels: data then SW1 SW2.
func (r Response) Bytes() []byte {
	b := make([]byte, 0, len(r.Data)+2)
	b = append(b, r.Data...)
	return append(b, byte(r.SW>>8), byte(r.SW))
}

// SW1 and SW2 are the two status bytes.
func (r Response) SW1() byte { return byte(r.SW >> 8) }
func (r Response) SW2() byte { return byte(r.SW) }

// OK reports whether the card answered 9000.
func (r Response) OK() bool { return r.SW == SWSuccess }

// Err is nil for 9000 and a *StatusError otherwise.
func (r Response) Err() error {
	if r.OK() {
		return nil
	}
	return &StatusError{SW: r.SW}
}
