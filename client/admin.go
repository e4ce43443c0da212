package client

import (
	"context"
	"time"

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

// AdminRenewal opens an RA's or sponsor's renewal of the holder's card,
// or with repair an RA's repair: its card work goes on with the renewal's
// ticket (RenewalTicket) as a self-renewal does, after, for a repair, the
// unlock's (UnlockTicket) has set the new passcode.
func (c *Client) AdminRenewal(ctx context.Context, t Ticket, cardGUID []byte, reason string, repair bool) (api.AdminRenewal, error) {
	var r api.AdminRenewal
	req := api.AdminRenewalRequest{CardGUID: api.FormatCardGUID(cardGUID), IdentityChecked: true, Reason: reason, Repair: repair}
	return r, c.do(ctx, api.RouteAdminRenewal, &t, req, &r, t.ID)
}

// AdminCancel cancels the holder's card for good (RA), by its GUID.
func (c *Client) AdminCancel(ctx context.Context, t Ticket, cardGUID []byte, reason string) (api.AdminCard, error) {
	var card api.AdminCard
	req := api.AdminCancelRequest{CardGUID: api.FormatCardGUID(cardGUID), Confirmed: true, Reason: reason}
	return card, c.do(ctx, api.RouteAdminCancel, &t, req, &card, t.ID)
}

// AdminEnrol assigns a factory-fresh card to user userID (RA); with a
// cardGUID, it goes on with that card's unfinished enrolment. The answer's
// management key and PUK go to the card and are wiped; its renewal's card
// work goes on with RenewalTicket.
func (c *Client) AdminEnrol(ctx context.Context, t Ticket, userID string, cardGUID []byte, reason string) (api.AdminEnrolment, error) {
	var e api.AdminEnrolment
	req := api.AdminEnrolRequest{UserID: userID, IdentityChecked: true, Reason: reason}
	if cardGUID != nil {
		req.CardGUID = api.FormatCardGUID(cardGUID)
	}
	return e, c.do(ctx, api.RouteAdminEnrol, &t, req, &e, t.ID)
}

// AdminPositions lists user userID's positions in the administrator's
// organisation (RA, sponsor).
func (c *Client) AdminPositions(ctx context.Context, t Ticket, userID string) (api.AdminPositions, error) {
	var ps api.AdminPositions
	return ps, c.do(ctx, api.RouteAdminPositions, &t, nil, &ps, t.ID, userID)
}

// AdminGrant gives user userID a position in role at the administrator's
// organisation, whom they have seen (RA, or a sponsor for roles without
// admin rights).
func (c *Client) AdminGrant(ctx context.Context, t Ticket, userID, role, reason string) (api.AdminPosition, error) {
	var p api.AdminPosition
	req := api.AdminGrantRequest{Role: role, IdentityChecked: true, Reason: reason}
	return p, c.do(ctx, api.RouteAdminGrant, &t, req, &p, t.ID, userID)
}

// AdminEndPosition end-dates user userID's position positionID: at endsAt,
// or now when endsAt is zero.
func (c *Client) AdminEndPosition(ctx context.Context, t Ticket, userID, positionID string, endsAt time.Time, reason string) (api.AdminPosition, error) {
	var p api.AdminPosition
	req := api.AdminEndPositionRequest{Reason: reason}
	if !endsAt.IsZero() {
		req.EndsAt = &endsAt
	}
	return p, c.do(ctx, api.RouteAdminEndPosition, &t, req, &p, t.ID, userID, positionID)
}

// AdminAudit reads a page of the audit trail for an RA's search.
func (c *Client) AdminAudit(ctx context.Context, t Ticket, q api.AuditQuery) (api.AdminAuditPage, error) {
	var page api.AdminAuditPage
	return page, c.doQuery(ctx, api.RouteAdminAudit, &t, nil, q.Values(), &page, t.ID)
}
