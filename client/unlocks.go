package client

import (
	"context"
	"encoding/base64"

	"github.com/cardagent/cardagent/api"
)

// The self-service unlock calls (docs/unlock.md). RequestUnlock needs no
// ticket (the card is blocked: there is no session); every later call the
// unlock's own: Ticket{ID: unlock id, Token: the token RequestUnlock handed
// out}. None is retried: each moves the unlock on one step.

// UnlockTicket is what the calls on unlock u need: its id and token.
func UnlockTicket(u api.Unlock) Ticket { return Ticket{ID: u.ID, Token: u.Token} }

// RequestUnlock asks identityd to email an unlock code to the card's holder.
func (c *Client) RequestUnlock(ctx context.Context, cardGUID []byte) (api.Unlock, error) {
	var u api.Unlock
	req := api.UnlockRequest{CardGUID: api.FormatCardGUID(cardGUID), WorkstationID: c.WorkstationID()}
	return u, c.do(ctx, api.RouteRequestUnlock, nil, req, &u)
}

// UnlockAnswers sends the answers to the questions an unlock asked
// (email+questions); if they are right the code is emailed.
func (c *Client) UnlockAnswers(ctx context.Context, t Ticket, answers []api.SecurityAnswer) (api.Unlock, error) {
	var u api.Unlock
	return u, c.do(ctx, api.RouteUnlockAnswers, &t, api.UnlockAnswersRequest{Answers: answers}, &u, t.ID)
}

// UnlockCode sends the code the holder read in the email.
func (c *Client) UnlockCode(ctx context.Context, t Ticket, code string) (api.Unlock, error) {
	var u api.Unlock
	return u, c.do(ctx, api.RouteUnlockCode, &t, api.UnlockCodeRequest{Code: code}, &u, t.ID)
}

// UnlockWitness relays the card's encrypted witness and returns what to
// hand the card next: the witness opened and identityd's challenge.
func (c *Client) UnlockWitness(ctx context.Context, t Ticket, encrypted []byte) (witness, challenge []byte, err error) {
	var out api.UnlockWitness
	req := api.UnlockWitnessRequest{EncryptedWitness: base64.StdEncoding.EncodeToString(encrypted)}
	if err := c.do(ctx, api.RouteUnlockWitness, &t, req, &out, t.ID); err != nil {
		return nil, nil, err
	}
	witness, err1 := base64.StdEncoding.DecodeString(out.Witness)
	challenge, err2 := base64.StdEncoding.DecodeString(out.Challenge)
	if err1 != nil || err2 != nil {
		return nil, nil, &APIError{Status: 200, Code: api.CodeInternal, Message: "the backend's witness answer is not base64"}
	}
	return witness, challenge, nil
}

// UnlockPUK relays the card's answer to identityd's challenge and returns
// the PUKs for RESET RETRY COUNTER and the change that follows. Never log
// or keep them.
func (c *Client) UnlockPUK(ctx context.Context, t Ticket, cardAnswer []byte) (api.UnlockPUK, error) {
	var p api.UnlockPUK
	req := api.UnlockPUKRequest{CardAnswer: base64.StdEncoding.EncodeToString(cardAnswer)}
	return p, c.do(ctx, api.RouteUnlockPUK, &t, req, &p, t.ID)
}

// CompleteUnlock tells identityd the card is unblocked and holds the new PUK.
func (c *Client) CompleteUnlock(ctx context.Context, t Ticket, usedPrevious bool) (api.Unlock, error) {
	var u api.Unlock
	return u, c.do(ctx, api.RouteCompleteUnlock, &t, api.UnlockCompleteRequest{UsedPrevious: usedPrevious}, &u, t.ID)
}
