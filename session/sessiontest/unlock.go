package sessiontest

import (
	"context"
	"crypto/aes"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// UnlockCode is the code the fake "emails" for every unlock: tests type it.
const UnlockCode = "24681357"

// FactoryPUK is the PUK of every test card until an unlock rotates it
// (vcard's default); the fake's next PUK is NextPUK.
const (
	FactoryPUK = "12345678"
	NextPUK    = "87654321"
)

// fakeUnlock is one unlock as identityd keeps it.
type fakeUnlock struct {
	api.Unlock
	guid      string
	challenge []byte
	wrong     int
}

// cardPUKs is what the fake holds of a card's PUK: the current one and the
// one handed out but not yet confirmed.
type cardPUKs struct{ current, next string }

// RequestUnlock opens an unlock of the card ("unlock-request"); the code is
// always UnlockCode.
func (b *Backend) RequestUnlock(ctx context.Context, guid []byte) (api.Unlock, error) {
	b.record("unlock-request")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailUnlock != nil {
		return api.Unlock{}, b.FailUnlock
	}
	b.n++
	u := &fakeUnlock{Unlock: api.Unlock{ID: fmt.Sprintf("un%d", b.n), Token: fmt.Sprintf("utoken-%d", b.n),
		State: api.UnlockStateCodeSent, SentTo: "a•••@nhs.net", CodeExpiresAt: time.Now().Add(15 * time.Minute), CodeAttemptsLeft: 3},
		guid: api.FormatCardGUID(guid)}
	if b.Rules.SelfServiceUnlock == "email+questions" {
		switch {
		case len(b.Registered) < 2:
			return api.Unlock{}, &client.APIError{Status: 403, Code: api.CodeUnlockNoQuestions}
		case b.answerFails >= 3:
			return api.Unlock{}, &client.APIError{Status: 403, Code: api.CodeUnlockFaceToFace}
		}
		u.State, u.SentTo, u.AnswerAttemptsLeft = api.UnlockStateQuestions, "", 3-b.answerFails
		for _, id := range b.Registered[:2] {
			i := slices.IndexFunc(Catalogue, func(q api.SecurityQuestion) bool { return q.ID == id })
			u.Questions = append(u.Questions, Catalogue[i])
		}
	}
	b.unlocks[u.ID] = u
	return u.Unlock, nil
}

// UnlockCode checks the code ("unlock-code"): three wrong ones void it.
func (b *Backend) UnlockCode(ctx context.Context, t client.Ticket, code string) (api.Unlock, error) {
	b.record("unlock-code")
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.unlockAt(t, api.UnlockStateCodeSent)
	if err != nil {
		return api.Unlock{}, err
	}
	if code != UnlockCode {
		u.wrong++
		u.CodeAttemptsLeft = 3 - u.wrong
		if u.CodeAttemptsLeft == 0 {
			u.State = api.UnlockStateVoid
			return api.Unlock{}, &client.APIError{Status: 403, Code: api.CodeUnlockClosed, Message: "too many wrong codes"}
		}
		v := u.Unlock
		v.Token = ""
		return api.Unlock{}, &client.APIError{Status: 403, Code: api.CodeUnlockCodeWrong, Message: "wrong code", Unlock: &v}
	}
	u.State = api.UnlockStateCodeAccepted
	v := u.Unlock
	v.Token = ""
	return v, nil
}

// UnlockWitness opens the card's witness with MgmtKey ("unlock-witness").
func (b *Backend) UnlockWitness(ctx context.Context, t client.Ticket, encrypted []byte) ([]byte, []byte, error) {
	b.record("unlock-witness")
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.unlockAt(t, api.UnlockStateCodeAccepted)
	if err != nil {
		return nil, nil, err
	}
	blk, _ := aes.NewCipher(MgmtKey)
	if len(encrypted) != blk.BlockSize() {
		return nil, nil, &client.APIError{Status: 400, Code: api.CodeInvalidRequest}
	}
	witness := make([]byte, blk.BlockSize())
	blk.Decrypt(witness, encrypted)
	u.challenge = make([]byte, blk.BlockSize())
	rand.Read(u.challenge)
	u.State = api.UnlockStateCardProving
	return witness, u.challenge, nil
}

// UnlockPUK checks the card's answer and releases the PUKs ("unlock-puk").
func (b *Backend) UnlockPUK(ctx context.Context, t client.Ticket, answer []byte) (api.UnlockPUK, error) {
	b.record("unlock-puk")
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.unlockAt(t, api.UnlockStateCardProving)
	if err != nil {
		return api.UnlockPUK{}, err
	}
	blk, _ := aes.NewCipher(MgmtKey)
	want := make([]byte, blk.BlockSize())
	blk.Encrypt(want, u.challenge)
	if subtle.ConstantTimeCompare(want, answer) != 1 {
		u.State = api.UnlockStateVoid
		return api.UnlockPUK{}, &client.APIError{Status: 403, Code: api.CodeCardNotProven, Message: "not the card"}
	}
	p := b.puks[u.guid]
	if p.current == "" {
		p.current = FactoryPUK
	}
	out := api.UnlockPUK{PUK: p.current, NewPUK: NextPUK}
	if p.next != "" {
		out.PreviousPUK, out.NewPUK = p.next, p.next
	}
	p.next = out.NewPUK
	b.puks[u.guid] = p
	u.State = api.UnlockStateReleased
	return out, nil
}

// CompleteUnlock makes the new PUK current ("unlock-complete").
func (b *Backend) CompleteUnlock(ctx context.Context, t client.Ticket, usedPrevious bool) (api.Unlock, error) {
	b.record("unlock-complete")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailUnlockComplete != nil {
		return api.Unlock{}, b.FailUnlockComplete
	}
	u, err := b.unlockAt(t, api.UnlockStateReleased)
	if err != nil {
		return api.Unlock{}, err
	}
	p := b.puks[u.guid]
	p.current, p.next = p.next, ""
	b.puks[u.guid] = p
	u.State = api.UnlockStateCompleted
	v := u.Unlock
	v.Token = ""
	return v, nil
}

// PUK is the card's PUK as the fake holds it, and the one handed out but
// not confirmed ("" if none).
func (b *Backend) PUK(guid [16]byte) (current, next string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.puks[api.FormatCardGUID(guid[:])]
	if p.current == "" {
		p.current = FactoryPUK
	}
	return p.current, p.next
}

// unlockAt finds the unlock of ticket t at state; the fake's lock is held.
func (b *Backend) unlockAt(t client.Ticket, state api.UnlockState) (*fakeUnlock, error) {
	u, ok := b.unlocks[t.ID]
	if !ok || u.Token != t.Token {
		return nil, &client.APIError{Status: 401, Code: api.CodeUnauthenticated}
	}
	if u.State != state {
		return nil, &client.APIError{Status: 409, Code: api.CodeUnlockOutOfOrder, Message: "at " + string(u.State)}
	}
	return u, nil
}
