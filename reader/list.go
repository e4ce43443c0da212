package reader

import (
	"errors"

	"github.com/ebfe/scard"
)

// ReaderStatus is one reader as PC/SC sees it now.
type ReaderStatus struct {
	Name    string
	Present bool   // a card is in the reader
	Mute    bool   // a card is in but does not answer (upside down, not a smartcard)
	InUse   bool   // another program holds the card exclusively
	ATR     []byte // the card's answer to reset, when present

	// Events counts insertions and removals (pcsc-lite keeps it in the upper
	// 16 bits of the event state): a card pulled and put back between two
	// looks shows up here even when everything else is the same.
	Events uint16
}

// List returns the readers and whether each holds a card. No readers is an
// empty list, not an error; pcscd not running is ErrNoService.
func List() ([]ReaderStatus, error) {
	ctx, err := establish()
	if err != nil {
		return nil, wrap("connecting to pcscd", err)
	}
	defer release(ctx)
	names, err := listReaders(ctx)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	if err := ctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, wrap("reading reader states", err)
	}
	out := make([]ReaderStatus, len(states))
	for i, s := range states {
		out[i] = statusOf(s)
	}
	return out, nil
}

func statusOf(s scard.ReaderState) ReaderStatus {
	st := ReaderStatus{
		Name:    s.Reader,
		Present: s.EventState&scard.StatePresent != 0,
		Mute:    s.EventState&scard.StateMute != 0,
		InUse:   s.EventState&scard.StateExclusive != 0,
		Events:  uint16(s.EventState >> 16),
	}
	if st.Present {
		st.ATR = append([]byte(nil), s.Atr...)
	}
	return st
}

// listReaders lists reader names; no readers is an empty list.
func listReaders(ctx *scard.Context) ([]string, error) {
	names, err := ctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("listing readers", err)
	}
	return names, nil
}
