package apdu

import (
	"errors"
	"fmt"
)

// Sentinel errors a StatusError unwraps to, so callers use errors.Is and never
// compare status words themselves.
var (
	ErrWrongLength        = errors.New("wrong length")
	ErrSecurityStatus     = errors.New("security status not satisfied")
	ErrAuthBlocked        = errors.New("authentication method blocked")
	ErrVerifyFailed       = errors.New("verification failed")
	ErrConditionsNotMet   = errors.New("conditions of use not satisfied")
	ErrCommandNotAllowed  = errors.New("command not allowed")
	ErrWrongData          = errors.New("incorrect data")
	ErrNotFound           = errors.New("not found")
	ErrNotEnoughMemory    = errors.New("not enough memory")
	ErrIncorrectP1P2      = errors.New("incorrect parameters P1-P2")
	ErrNotSupported       = errors.New("instruction or function not supported")
	ErrChainingNotAllowed = errors.New("command chaining not supported")
	ErrMemoryFailure      = errors.New("memory failure")
)

// StatusError is a status word other than 9000. It unwraps to one of the
// sentinel errors above where one fits.
type StatusError struct {
	SW uint16
}

func (e *StatusError) Error() string {
	if s := e.Unwrap(); s != nil {
		if n, ok := e.RetriesLeft(); ok {
			return fmt.Sprintf("card status %04X: %v (%d tries left)", e.SW, s, n)
		}
		return fmt.Sprintf("card status %04X: %v", e.SW, s)
	}
	return fmt.Sprintf("card status %04X", e.SW)
}

// Status returns the status word.
func (e *StatusError) Status() uint16 { return e.SW }

// RetriesLeft decodes the tries counter of a failed verification: 63Cx as
// the standard says, and 630x as some older cards send it.
func (e *StatusError) RetriesLeft() (int, bool) {
	if e.SW&0xFFF0 == 0x63C0 || e.SW&0xFFF0 == 0x6300 {
		return int(e.SW & 0x000F), true
	}
	return 0, false
}

func (e *StatusError) Unwrap() error {
	if _, ok := e.RetriesLeft(); ok {
		return ErrVerifyFailed
	}
	switch e.SW {
	case SWWrongLength:
		return ErrWrongLength
	case SWSecurityStatus:
		return ErrSecurityStatus
	case SWAuthBlocked:
		return ErrAuthBlocked
	case SWConditionsNotMet:
		return ErrConditionsNotMet
	case SWCommandNotAllowed:
		return ErrCommandNotAllowed
	case SWWrongData:
		return ErrWrongData
	case SWNotFound, SWRefDataNotFound:
		return ErrNotFound
	case SWNotEnoughMemory:
		return ErrNotEnoughMemory
	case SWIncorrectP1P2:
		return ErrIncorrectP1P2
	case SWInsNotSupported, SWClaNotSupported, SWFuncNotSupported:
		return ErrNotSupported
	case SWChainingNotAllowed, SWLastChainMissing:
		return ErrChainingNotAllowed
	case SWMemoryFailure:
		return ErrMemoryFailure
	}
	return nil
}
