package piv

import (
	"errors"

	"github.com/cardagent/cardagent/reader/apdu"
)

// passcodeLen is the length of a PIN or PUK on the wire: shorter ones are
// padded with FF (part 2, §2.4.3).
const passcodeLen = 8

// Verify presents the PIN (VERIFY, P2 80). A wrong PIN gives an AuthError
// with the tries left; a blocked one AuthError{Blocked: true}.
//
// Verify wipes pin (sets it to zero) before it returns, whatever the
// outcome: the caller's buffer holds the passcode no longer than needed.
func (c *Card) Verify(pin []byte) error { return verify(&c.cl, keyPIN, pin) }

// Retries reports how many PIN tries are left without using one (an empty
// VERIFY, part 2 §3.2.1). A blocked PIN gives 0 and AuthError{Blocked:
// true}. If the PIN is already verified the card does not tell: Retries then
// returns ErrAlreadyVerified.
func (c *Card) Retries() (int, error) { return retries(&c.cl, keyPIN) }

// ChangePIN replaces the PIN (CHANGE REFERENCE DATA, P2 80). A wrong old PIN
// uses a try. Both buffers are wiped before ChangePIN returns.
func (c *Card) ChangePIN(oldPIN, newPIN []byte) error {
	return changeReference(&c.cl, keyPIN, oldPIN, newPIN)
}

// ChangePUK replaces the PUK (CHANGE REFERENCE DATA, P2 81). A wrong old PUK
// uses a PUK try. Both buffers are wiped before ChangePUK returns.
func (c *Card) ChangePUK(oldPUK, newPUK []byte) error {
	return changeReference(&c.cl, keyPUK, oldPUK, newPUK)
}

// Unblock sets a new PIN with the PUK and restores the PIN's tries (RESET
// RETRY COUNTER). A wrong PUK gives an AuthError about the PUK's tries.
// Both buffers are wiped before Unblock returns.
func (c *Card) Unblock(puk, newPIN []byte) error {
	return resetRetry(&c.cl, puk, newPIN)
}

// Deauthenticate clears the PIN's verified state (VERIFY with P1 FF, part 2
// §3.2.1) so the card needs the PIN again, e.g. when the session locks.
func (c *Card) Deauthenticate() error {
	_, err := c.cl.Do(apdu.Command{INS: insVerify, P1: 0xFF, P2: keyPIN})
	return err
}

// EndWithReset asks the transport to end the caller's transaction with a
// card reset, when it offers one (a ResetAtEnd method, as reader's
// transmitter has), and reports whether it did. An authenticated
// management key has no command that clears it: only a reset makes the
// card forget it, so no other program inherits it. Call it as soon as the
// management key is (or may be) authenticated.
func (c *Card) EndWithReset() bool {
	r, ok := c.cl.T.(interface{ ResetAtEnd() })
	if ok {
		r.ResetAtEnd()
	}
	return ok
}

// DropPIN makes the card forget a verified PIN before the caller's
// transaction ends, so no other program can use the card's keys without
// it: VERIFY P1=FF, or, on a card without that command, a reset as the
// transaction ends when the transport offers one (a ResetAtEnd method, as
// reader's transmitter has). Call it deferred, right after VERIFY.
func (c *Card) DropPIN() {
	if c.Deauthenticate() == nil {
		return
	}
	c.EndWithReset()
}

func verify(cl *apdu.Client, ref byte, pin []byte) error {
	defer clear(pin)
	if err := checkPasscode(pin); err != nil {
		return err
	}
	var buf [passcodeLen]byte
	defer clear(buf[:])
	pad(buf[:], pin)
	_, err := cl.Do(apdu.Command{INS: insVerify, P2: ref, Data: buf[:], Sensitive: true})
	return authError(err)
}

func retries(cl *apdu.Client, ref byte) (int, error) {
	r, err := cl.Transmit(apdu.Command{INS: insVerify, P2: ref})
	if err != nil {
		return 0, err
	}
	if r.OK() {
		return 0, ErrAlreadyVerified
	}
	err = authError(r.Err())
	var ae AuthError
	if errors.As(err, &ae) && !ae.Blocked {
		return ae.Retries, nil
	}
	return 0, err
}

func changeReference(cl *apdu.Client, ref byte, current, next []byte) error {
	defer clear(current)
	defer clear(next)
	return sendPair(cl, insChangeReference, ref, current, next)
}

func resetRetry(cl *apdu.Client, puk, newPIN []byte) error {
	defer clear(puk)
	defer clear(newPIN)
	return sendPair(cl, insResetRetry, keyPIN, puk, newPIN)
}

// sendPair sends two padded passcodes, the one checked first (part 2,
// §3.2.2 and §3.2.3).
func sendPair(cl *apdu.Client, ins, ref byte, first, second []byte) error {
	if err := checkPasscode(first); err != nil {
		return err
	}
	if err := checkPasscode(second); err != nil {
		return err
	}
	var buf [2 * passcodeLen]byte
	defer clear(buf[:])
	pad(buf[:passcodeLen], first)
	pad(buf[passcodeLen:], second)
	_, err := cl.Do(apdu.Command{INS: ins, P2: ref, Data: buf[:], Sensitive: true})
	return authError(err)
}

func checkPasscode(p []byte) error {
	if len(p) < 1 || len(p) > passcodeLen {
		return ErrPasscodeLength
	}
	return nil
}

// pad copies p into dst and fills the rest with FF.
func pad(dst, p []byte) {
	n := copy(dst, p)
	for i := n; i < len(dst); i++ {
		dst[i] = 0xFF
	}
}
