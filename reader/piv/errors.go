package piv

import (
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Errors callers test with errors.Is. Several are the reader/apdu sentinels
// themselves, so either name matches.
var (
	// ErrNotPIV: the card has no PIV application (SELECT failed).
	ErrNotPIV = errors.New("piv: no PIV application on the card")
	// ErrNotFound: the data object or key is not on the card.
	ErrNotFound = apdu.ErrNotFound
	// ErrSecurityStatus: the command needs a verified PIN (for 9C, verified
	// right before each signature) or an authenticated management key.
	ErrSecurityStatus = apdu.ErrSecurityStatus
	// ErrBlocked: the PIN or PUK is blocked. The error is also an AuthError.
	ErrBlocked = apdu.ErrAuthBlocked
	// ErrWrongPasscode: VERIFY or a passcode change failed. The error is
	// also an AuthError, with the tries left.
	ErrWrongPasscode = apdu.ErrVerifyFailed
	// ErrNotSupported: the card does not know the instruction or option.
	ErrNotSupported = apdu.ErrNotSupported

	// ErrAlreadyVerified: an empty VERIFY answered 9000, so the PIN is
	// verified for this card session and the card does not say how many
	// tries are left.
	ErrAlreadyVerified = errors.New("piv: PIN already verified")
	// ErrPasscodeLength: a PIN or PUK is not 1 to 8 bytes long. Checked
	// before anything reaches the card, so no try is used.
	ErrPasscodeLength = errors.New("piv: passcode must be 1 to 8 bytes")
	// ErrMgmtKeyRejected: the card refused the management-key response.
	ErrMgmtKeyRejected = errors.New("piv: management key rejected")
	// ErrUnsupported: an algorithm, key type, slot or hash this package (or
	// the card) cannot use.
	ErrUnsupported = errors.New("piv: unsupported")
	// ErrMalformed: the card's answer does not parse.
	ErrMalformed = errors.New("piv: malformed card data")
	// ErrNoGUID: the CHUID has no usable GUID (absent or all zero).
	ErrNoGUID = errors.New("piv: CHUID has no GUID")
	// ErrInvalidField: a field of an object to write is missing or not in
	// the form SP 800-73-4 prescribes. Checked before anything reaches the
	// card.
	ErrInvalidField = errors.New("piv: invalid data object field")
	// ErrFieldTooLong: a field of an object to write is longer than SP
	// 800-73-4 allows; the card might accept it but readers would choke.
	ErrFieldTooLong = errors.New("piv: data object field too long")
	// ErrBadSignature: the card's signature does not verify with the public
	// key given to Signer: the slot holds another key than the caller thinks.
	ErrBadSignature = errors.New("piv: card signature does not match the public key")
)

// MismatchError is ErrBadSignature with the signature the card made: a
// caller that knows the slot may hold a newer key than its certificate (a
// renewal interrupted after key generation) can still hand it to whoever
// knows that key.
type MismatchError struct {
	Slot      Slot
	Signature []byte
}

func (e *MismatchError) Error() string { return fmt.Sprintf("%v (slot %s)", ErrBadSignature, e.Slot) }
func (e *MismatchError) Unwrap() error { return ErrBadSignature }

// AuthError is a failed verification of the PIN or PUK: wrong (Retries
// tries left) or Blocked. It is returned by value, so look for a value:
//
//	var ae piv.AuthError
//	if errors.As(err, &ae) { … ae.Retries … }
//
// It also matches ErrWrongPasscode or ErrBlocked with errors.Is.
type AuthError struct {
	Retries int  // tries left
	Blocked bool // no tries left: the PIN needs the PUK, the PUK a new card
}

func (e AuthError) Error() string {
	if e.Blocked {
		return "piv: passcode blocked"
	}
	if e.Retries == 1 {
		return "piv: wrong passcode, 1 try left"
	}
	return fmt.Sprintf("piv: wrong passcode, %d tries left", e.Retries)
}

func (e AuthError) Unwrap() error {
	if e.Blocked {
		return ErrBlocked
	}
	return ErrWrongPasscode
}

// authError turns the card's 63Cx (or old YubiKeys' 630x) and 6983 into an
// AuthError and leaves other errors alone.
func authError(err error) error {
	var se *apdu.StatusError
	if !errors.As(err, &se) {
		return err
	}
	if se.SW == apdu.SWAuthBlocked {
		return AuthError{Blocked: true}
	}
	if n, ok := se.RetriesLeft(); ok {
		return AuthError{Retries: n, Blocked: n == 0}
	}
	return err
}

func notPIV(err error) error {
	return fmt.Errorf("%w: %w", ErrNotPIV, err)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
