// Package unlock is the card's part of a self-service unlock
// (docs/unlock.md): one exclusive transaction that proves the card to
// identityd, unblocks it with the PUK identityd releases and sets the new
// PUK. session runs it as a step; the benchmarks run it alone.
package unlock

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
)

// ErrPUKRefused: the card took neither PUK identityd holds for it.
var ErrPUKRefused = errors.New("the card refused the PUK identityd holds for it")

// Backend is identityd's self-service unlock; *client.Client implements it.
type Backend interface {
	RequestUnlock(ctx context.Context, cardGUID []byte) (api.Unlock, error)
	UnlockAnswers(ctx context.Context, t client.Ticket, answers []api.SecurityAnswer) (api.Unlock, error)
	UnlockCode(ctx context.Context, t client.Ticket, code string) (api.Unlock, error)
	UnlockWitness(ctx context.Context, t client.Ticket, encrypted []byte) (witness, challenge []byte, err error)
	UnlockPUK(ctx context.Context, t client.Ticket, cardAnswer []byte) (api.UnlockPUK, error)
	CompleteUnlock(ctx context.Context, t client.Ticket, usedPrevious bool) (api.Unlock, error)
}

var _ Backend = (*client.Client)(nil)

// Card is an open card: one exclusive transaction per Do (*reader.Card).
type Card interface {
	Do(ctx context.Context, fn func(apdu.Transmitter) error) error
	ATR() []byte
}

// Options for OnCard.
type Options struct {
	Trace piv.Option // the card's APDU trace (passcodes and PUKs never appear)
}

// OnCard is the card's part of an unlock, in one exclusive
// transaction: the mutual 9B authentication relayed to identityd proves the
// card, identityd releases the PUK, RESET RETRY COUNTER sets the new
// passcode and CHANGE REFERENCE DATA the new PUK. usedPrevious says the
// card held the PUK of an earlier unlock that did not finish. passcode is
// wiped; the PUKs live only in this call.
//
// A card pulled at any point holds either PUK identityd keeps (the new one
// only after the change succeeded), so the next unlock finds it.
func OnCard(ctx context.Context, conn Card, b Backend, t client.Ticket, passcode []byte, o Options) (usedPrevious bool, err error) {
	defer clear(passcode)
	err = conn.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(conn.ATR()), o.Trace)
		if err := p.Select(); err != nil {
			return err
		}
		w, err := p.BeginMutualAuth(piv.AlgAES128)
		if err != nil {
			return err
		}
		p.EndWithReset() // the management key ends up authenticated: nobody else may inherit it
		witness, challenge, err := b.UnlockWitness(ctx, t, w.Encrypted)
		if err != nil {
			return err
		}
		answer, err := p.FinishMutualAuth(w, witness, challenge)
		if err != nil {
			return fmt.Errorf("the card refused identityd's witness: %w", err)
		}
		puks, err := b.UnlockPUK(ctx, t, answer)
		if err != nil {
			return err
		}
		defer p.DropPIN() // some cards leave the new PIN verified
		used := puks.PUK
		err = p.Unblock([]byte(used), slices.Clone(passcode))
		var auth piv.AuthError
		if errors.As(err, &auth) && puks.PreviousPUK != "" {
			used, usedPrevious = puks.PreviousPUK, true
			err = p.Unblock([]byte(used), slices.Clone(passcode))
		}
		if errors.As(err, &auth) {
			return fmt.Errorf("%w (%d PUK tries left)", ErrPUKRefused, auth.Retries)
		}
		if err != nil {
			return err
		}
		if used == puks.NewPUK {
			return nil
		}
		if err := p.ChangePUK([]byte(used), []byte(puks.NewPUK)); err != nil {
			return fmt.Errorf("setting the new PUK: %w", err)
		}
		return nil
	})
	return usedPrevious, err
}
