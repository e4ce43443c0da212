package vcard

import (
	"bytes"
	"crypto/subtle"

	"github.com/cardagent/cardagent/reader/apdu"
)

// PIN and PUK travel padded with FF to 8 bytes (SP 800-73-4 Part 2 §2.4.3).
const passcodeLen = 8

func pad8(p []byte) hexBytes {
	b := bytes.Repeat([]byte{0xFF}, passcodeLen)
	copy(b, p)
	return b
}

// unpad strips the FF padding; ok is false if an FF is followed by anything
// but padding, or the value is not 8 bytes.
func unpad(b []byte) ([]byte, bool) {
	if len(b) != passcodeLen {
		return nil, false
	}
	i := bytes.IndexByte(b, 0xFF)
	if i < 0 {
		return b, true
	}
	for _, x := range b[i:] {
		if x != 0xFF {
			return nil, false
		}
	}
	return b[:i], true
}

// pinAcceptable applies the configured passcode rule to a new PIN.
func (c *Card) pinAcceptable(padded []byte) bool {
	p, ok := unpad(padded)
	if !ok || len(p) < c.st.PINMinLen || len(p) > c.st.PINMaxLen {
		return false
	}
	for _, x := range p {
		if c.st.PINDigitsOnly && (x < '0' || x > '9') {
			return false
		}
		if x < 0x20 || x > 0x7E {
			return false
		}
	}
	return true
}

// pukAcceptable: 6–8 bytes of anything but the padding, as a YubiKey takes.
func pukAcceptable(padded []byte) bool {
	p, ok := unpad(padded)
	return ok && len(p) >= 6
}

// counter names a reference's tries counter and value.
type counter struct {
	value *hexBytes
	tries *int
	max   int
}

func (c *Card) ref(p2 byte) (counter, bool) {
	switch p2 {
	case keyPIN:
		return counter{&c.st.PIN, &c.st.PINTries, c.st.PINRetries}, true
	case keyPUK:
		return counter{&c.st.PUK, &c.st.PUKTries, c.st.PUKRetries}, true
	}
	return counter{}, false
}

// check compares a presented value with the reference. A wrong value costs a
// try, persisted before the card answers so that cutting the power cannot
// undo it. Returns 9000, 63Cx, 6983 or a memory failure.
func (c *Card) check(r counter, presented []byte) status {
	if *r.tries == 0 {
		return apdu.SWAuthBlocked
	}
	if subtle.ConstantTimeCompare(presented, *r.value) == 1 {
		if *r.tries != r.max {
			*r.tries = r.max
			if sw := c.save(); sw != apdu.SWSuccess {
				return sw
			}
		}
		return apdu.SWSuccess
	}
	*r.tries--
	if sw := c.save(); sw != apdu.SWSuccess {
		return sw
	}
	return triesLeft(*r.tries)
}

func triesLeft(n int) status {
	if n == 0 {
		return apdu.SWAuthBlocked
	}
	return 0x63C0 | status(min(n, 15))
}

// verify implements VERIFY (SP 800-73-4 Part 2 §3.2.1) for the PIV PIN.
// No data asks for the status; P1 FF resets it.
func (c *Card) verify(cmd apdu.Command) status {
	if cmd.P2 != keyPIN {
		if cmd.P2 == keyPUK || cmd.P2 == 0x00 || cmd.P2 == 0x96 || cmd.P2 == 0x97 {
			return apdu.SWRefDataNotFound // not verifiable on this card
		}
		return apdu.SWIncorrectP1P2
	}
	switch cmd.P1 {
	case 0xFF:
		if c.st.NoPINReset {
			return apdu.SWIncorrectP1P2
		}
		if len(cmd.Data) != 0 {
			return apdu.SWWrongLength
		}
		c.pinVerified, c.pinAlways = false, false
		return apdu.SWSuccess
	case 0x00:
	default:
		return apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) == 0 {
		switch {
		case c.st.PINTries == 0:
			return apdu.SWAuthBlocked
		case c.pinVerified:
			return apdu.SWSuccess
		}
		return triesLeft(c.st.PINTries)
	}
	if len(cmd.Data) != passcodeLen {
		return apdu.SWWrongLength
	}
	r, _ := c.ref(keyPIN)
	sw := c.check(r, cmd.Data)
	c.pinVerified = sw == apdu.SWSuccess
	c.pinAlways = c.pinVerified
	return sw
}

// changeReference implements CHANGE REFERENCE DATA (SP 800-73-4 Part 2
// §3.2.2): old and new value, 8 padded bytes each, for the PIN or the PUK.
func (c *Card) changeReference(cmd apdu.Command) status {
	if cmd.P1 != 0x00 {
		return apdu.SWIncorrectP1P2
	}
	r, ok := c.ref(cmd.P2)
	if !ok {
		return apdu.SWRefDataNotFound
	}
	if len(cmd.Data) != 2*passcodeLen {
		return apdu.SWWrongLength
	}
	old, next := cmd.Data[:passcodeLen], cmd.Data[passcodeLen:]
	if *r.tries == 0 {
		return apdu.SWAuthBlocked
	}
	if (cmd.P2 == keyPIN && !c.pinAcceptable(next)) || (cmd.P2 == keyPUK && !pukAcceptable(next)) {
		return apdu.SWWrongData
	}
	if sw := c.check(r, old); sw != apdu.SWSuccess {
		if cmd.P2 == keyPIN {
			c.pinVerified, c.pinAlways = false, false
		}
		return sw
	}
	*r.value = append(hexBytes(nil), next...)
	return c.save()
}

// resetRetryCounter implements RESET RETRY COUNTER (SP 800-73-4 Part 2
// §3.2.3): PUK and new PIN unblock the PIN.
func (c *Card) resetRetryCounter(cmd apdu.Command) status {
	if cmd.P1 != 0x00 || cmd.P2 != keyPIN {
		return apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) != 2*passcodeLen {
		return apdu.SWWrongLength
	}
	puk, next := cmd.Data[:passcodeLen], cmd.Data[passcodeLen:]
	if c.st.PUKTries == 0 {
		return apdu.SWAuthBlocked
	}
	if !c.pinAcceptable(next) {
		return apdu.SWWrongData
	}
	r, _ := c.ref(keyPUK)
	if sw := c.check(r, puk); sw != apdu.SWSuccess {
		return sw
	}
	c.st.PIN = append(hexBytes(nil), next...)
	c.st.PINTries = c.st.PINRetries
	c.pinVerified, c.pinAlways = false, false
	return c.save()
}
