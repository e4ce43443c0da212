package reader

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"
)

// Errors callers test with errors.Is. Each names what a person can act on.
var (
	ErrNoService    = errors.New("the smartcard service (pcscd) is not running")
	ErrNoReader     = errors.New("no smartcard reader found")
	ErrNoCard       = errors.New("no card in the reader")
	ErrRemoved      = errors.New("the card was removed")
	ErrReset        = errors.New("the card was reset by another program")
	ErrUnresponsive = errors.New("the card does not answer (inserted the wrong way round, or not a smartcard)")
	ErrCommFailed   = errors.New("the card stopped answering in the middle of an exchange")
	ErrBusy         = errors.New("another program is using the card exclusively")
	ErrCancelled    = errors.New("cancelled")
	ErrTimeout      = errors.New("timed out")
)

// Error is a PC/SC failure: the operation, the PC/SC code and the typed error
// it means (Unwrap). An exchange its context ended has no code and carries
// the context's error (context.Canceled, context.DeadlineExceeded) in Err;
// errors.Is finds both Kind and Err.
type Error struct {
	Op   string
	Code uint32
	Kind error // one of the Err values above, or nil when none fits
	Err  error // the cause when it is not PC/SC's, or nil
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Kind != nil:
		return fmt.Sprintf("%s: %v (%v)", e.Op, e.Kind, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	case e.Kind != nil:
		return fmt.Sprintf("%s: %v (PC/SC 0x%08X)", e.Op, e.Kind, e.Code)
	}
	return fmt.Sprintf("%s: %v", e.Op, scard.Error(e.Code))
}

func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// wrap turns an ebfe/scard error into an *Error; other errors pass through.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	var code scard.Error
	if !errors.As(err, &code) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return &Error{Op: op, Code: uint32(code), Kind: kindOf(code)}
}

func kindOf(code scard.Error) error {
	switch code {
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrInvalidHandle, scard.ErrCommError, scard.ErrShutdown:
		return ErrNoService
	case scard.ErrNoReadersAvailable, scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		return ErrNoReader
	case scard.ErrNoSmartcard:
		return ErrNoCard
	case scard.ErrRemovedCard:
		return ErrRemoved
	case scard.ErrResetCard:
		return ErrReset
	case scard.ErrUnresponsiveCard, scard.ErrUnpoweredCard, scard.ErrUnsupportedCard, scard.ErrProtoMismatch:
		return ErrUnresponsive
	case scard.ErrNotTransacted:
		return ErrCommFailed
	case scard.ErrSharingViolation:
		return ErrBusy
	case scard.ErrCancelled, scard.ErrSystemCancelled:
		return ErrCancelled
	case scard.ErrTimeout:
		return ErrTimeout
	}
	return nil
}
