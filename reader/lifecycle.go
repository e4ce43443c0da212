package reader

import (
	"sync"

	"github.com/ebfe/scard"
)

// pcsc-lite's client library keeps process-wide lists of contexts and card
// handles. Establishing, cancelling or releasing a context on one thread
// while another disconnects a card has crashed it (SIGSEGV inside
// SCardDisconnect, seen when the agent stopped just as it let a card go).
// These calls are rare and never wait on a card, so they are serialised;
// the calls that do wait (transactions, APDUs, GetStatusChange) are not.
var lifecycle sync.Mutex

func establish() (*scard.Context, error) {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	return scard.EstablishContext()
}

func release(c *scard.Context) error {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	return c.Release()
}

func cancelWait(c *scard.Context) error {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	return c.Cancel()
}

func disconnect(card *scard.Card, d scard.Disposition) error {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	return card.Disconnect(d)
}
