package client

import (
	"context"
	"encoding/base64"

	"github.com/cardagent/cardagent/api"
)

// The renewal calls (docs/renewal.md). OpenRenewal carries the session's
// ticket; every other call the renewal's own: Ticket{ID: renewal id, Token:
// the token OpenRenewal or a renewal_incomplete refusal handed out}.

// RenewalTicket is what the calls on renewal r need: its id and token.
func RenewalTicket(r api.Renewal) Ticket { return Ticket{ID: r.ID, Token: r.Token} }

// OpenRenewal opens a renewal of the session's card, or hands out the
// card's open one again with a fresh token.
func (c *Client) OpenRenewal(ctx context.Context, session Ticket) (api.Renewal, error) {
	var r api.Renewal
	return r, c.do(ctx, api.RouteOpenRenewal, &session, api.OpenRenewalRequest{SessionID: session.ID}, &r)
}

// Renewal reads the renewal as it stands (retried).
func (c *Client) Renewal(ctx context.Context, t Ticket) (api.Renewal, error) {
	var r api.Renewal
	return r, c.do(ctx, api.RouteGetRenewal, &t, nil, &r, t.ID)
}

// RenewalCardAuth relays the card's 9B challenge and returns the response
// to hand back to the card.
func (c *Client) RenewalCardAuth(ctx context.Context, t Ticket, purpose api.CardAuthPurpose, challenge []byte) ([]byte, error) {
	var out api.CardAuthResponse
	req := api.CardAuthRequest{Purpose: purpose, Challenge: base64.StdEncoding.EncodeToString(challenge)}
	if err := c.do(ctx, api.RouteRenewalCardAuth, &t, req, &out, t.ID); err != nil {
		return nil, err
	}
	resp, err := base64.StdEncoding.DecodeString(out.Response)
	if err != nil {
		return nil, &APIError{Status: 200, Code: api.CodeInternal, Message: "the backend's card-auth response is not base64"}
	}
	return resp, nil
}

// RecordRenewalKey records the public key (DER SubjectPublicKeyInfo) the
// card generated in slot "9a" or "9c" (idempotent: retried).
func (c *Client) RecordRenewalKey(ctx context.Context, t Ticket, slot string, spki []byte) (api.Renewal, error) {
	var r api.Renewal
	req := api.RecordKeyRequest{PublicKey: base64.StdEncoding.EncodeToString(spki)}
	return r, c.do(ctx, api.RouteRecordKey, &t, req, &r, t.ID, slot)
}

// IssueRenewal sends the CSRs (DER) the new keys signed and returns the
// renewal with its pending certificates.
func (c *Client) IssueRenewal(ctx context.Context, t Ticket, authCSR, signCSR []byte) (api.Renewal, error) {
	var r api.Renewal
	req := api.IssueRequest{AuthenticationCSR: base64.StdEncoding.EncodeToString(authCSR),
		SignatureCSR: base64.StdEncoding.EncodeToString(signCSR)}
	return r, c.do(ctx, api.RouteIssueRenewal, &t, req, &r, t.ID)
}

// CompleteRenewal sends a fresh login proof made with the new 9A key under
// the pending 9A certificate; the new certificates become current.
func (c *Client) CompleteRenewal(ctx context.Context, t Ticket, proof api.CardProof) (api.Renewal, error) {
	var r api.Renewal
	return r, c.do(ctx, api.RouteCompleteRenewal, &t, api.CompleteRenewalRequest{CardProof: proof}, &r, t.ID)
}
