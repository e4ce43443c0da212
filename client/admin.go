package client

import (
	"context"

	"github.com/cardagent/cardagent/api"
)

// The admin API (docs/admin.md), on the administrator's session ticket.

// AdminCard reads the card in the second reader as the admin may see it.
func (c *Client) AdminCard(ctx context.Context, t Ticket, cardGUID []byte) (api.AdminCard, error) {
	var card api.AdminCard
	return card, c.do(ctx, api.RouteAdminCard, &t, nil, &card, t.ID, api.FormatCardGUID(cardGUID))
}

// AdminUnlock opens a face-to-face unlock of the holder's card; its
// card work goes on with the unlock's ticket (UnlockTicket) as a
// self-service one does.
func (c *Client) AdminUnlock(ctx context.Context, t Ticket, cardGUID []byte, reason string) (api.Unlock, error) {
	var u api.Unlock
	req := api.AdminUnlockRequest{CardGUID: api.FormatCardGUID(cardGUID), IdentityChecked: true, Reason: reason}
	return u, c.do(ctx, api.RouteAdminUnlock, &t, req, &u, t.ID)
}
