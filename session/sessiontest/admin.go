package sessiontest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// AdminCard answers what AdminCards holds for the card ("admin-card"), or
// an active card of holder "Jo Holder" in the admin's scope.
func (b *Backend) AdminCard(ctx context.Context, t client.Ticket, guid []byte) (api.AdminCard, error) {
	b.record("admin-card")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.AdminCard{}, err
	}
	g := api.FormatCardGUID(guid)
	if c, ok := b.AdminCards[g]; ok {
		return c, nil
	}
	if b.UnknownCards {
		return api.AdminCard{}, &client.APIError{Status: 404, Code: api.CodeCardUnknown}
	}
	until := time.Now().AddDate(1, 0, 0)
	return api.AdminCard{GUID: g, State: api.CardActive, Holder: &api.User{ID: "555000000009", Name: "Jo Holder"},
		CertificateNotAfter: &until, InScope: true}, nil
}

// AdminUnlock opens a face-to-face unlock past its code ("admin-unlock");
// FailAdmin refuses it.
func (b *Backend) AdminUnlock(ctx context.Context, t client.Ticket, guid []byte, reason string) (api.Unlock, error) {
	b.record("admin-unlock")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.Unlock{}, err
	}
	if b.FailAdmin != nil {
		return api.Unlock{}, b.FailAdmin
	}
	b.n++
	b.AdminReasons = append(b.AdminReasons, reason)
	u := &fakeUnlock{Unlock: api.Unlock{ID: fmt.Sprintf("un%d", b.n), Token: fmt.Sprintf("utoken-%d", b.n),
		State: api.UnlockStateCodeAccepted, CodeExpiresAt: time.Now(), CodeAttemptsLeft: 3}, guid: api.FormatCardGUID(guid)}
	b.unlocks[u.ID] = u
	return u.Unlock, nil
}

// AdminRenewal opens an administrator's renewal of the card
// ("admin-renewal"), and for a repair a face-to-face unlock too; FailAdmin
// refuses it.
func (b *Backend) AdminRenewal(ctx context.Context, t client.Ticket, guid []byte, reason string, repair bool) (api.AdminRenewal, error) {
	b.record("admin-renewal")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.AdminRenewal{}, err
	}
	if b.FailAdmin != nil {
		return api.AdminRenewal{}, b.FailAdmin
	}
	b.n++
	b.AdminReasons = append(b.AdminReasons, reason)
	g := api.FormatCardGUID(guid)
	r := &fakeRenewal{Renewal: api.Renewal{ID: fmt.Sprintf("rn%d", b.n), Token: fmt.Sprintf("rtoken-%d", b.n),
		State: api.RenewalStateOpened, CardGUID: g, Kind: api.RenewalByRA},
		user: api.User{ID: "555000000009", Name: "Jo Holder"}, keys: map[string][]byte{}}
	b.renewals[g] = r
	out := api.AdminRenewal{Renewal: r.Renewal}
	if repair {
		u := &fakeUnlock{Unlock: api.Unlock{ID: fmt.Sprintf("un%d", b.n), Token: fmt.Sprintf("utoken-%d", b.n),
			State: api.UnlockStateCodeAccepted, CodeExpiresAt: time.Now(), CodeAttemptsLeft: 3}, guid: g}
		b.unlocks[u.ID] = u
		out.Unlock = &u.Unlock
	}
	return out, nil
}

// AdminCancel cancels the card ("admin-cancel"); FailAdmin refuses it.
func (b *Backend) AdminCancel(ctx context.Context, t client.Ticket, guid []byte, reason string) (api.AdminCard, error) {
	b.record("admin-cancel")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.AdminCard{}, err
	}
	if b.FailAdmin != nil {
		return api.AdminCard{}, b.FailAdmin
	}
	b.AdminReasons = append(b.AdminReasons, reason)
	g := api.FormatCardGUID(guid)
	c := api.AdminCard{GUID: g, State: api.CardCancelled, Holder: &api.User{ID: "555000000009", Name: "Jo Holder"}, InScope: true}
	if b.AdminCards != nil {
		b.AdminCards[g] = c
	}
	return c, nil
}

// EnrolPUK is the PUK the fake's enrolments hand out.
const EnrolPUK = "80412395"

// AdminEnrol assigns a card to userID ("admin-enrol"), as holder "Jo
// Holder": a new GUID, or with cardGUID the card's again; the card's
// management key is MgmtKey. The card then shows in AdminCards as being
// enrolled. FailAdmin refuses it.
func (b *Backend) AdminEnrol(ctx context.Context, t client.Ticket, userID string, cardGUID []byte, reason string) (api.AdminEnrolment, error) {
	b.record("admin-enrol")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.AdminEnrolment{}, err
	}
	if b.FailAdmin != nil {
		return api.AdminEnrolment{}, b.FailAdmin
	}
	b.n++
	b.AdminReasons = append(b.AdminReasons, reason)
	if cardGUID == nil {
		cardGUID = make([]byte, 16)
		rand.Read(cardGUID)
	}
	g := api.FormatCardGUID(cardGUID)
	holder := api.User{ID: userID, Name: "Jo Holder"}
	if b.AdminCards == nil {
		b.AdminCards = map[string]api.AdminCard{}
	}
	b.AdminCards[g] = api.AdminCard{GUID: g, State: api.CardActive, Holder: &holder, InScope: true, Enrolling: true}
	r := &fakeRenewal{Renewal: api.Renewal{ID: fmt.Sprintf("rn%d", b.n), Token: fmt.Sprintf("rtoken-%d", b.n),
		State: api.RenewalStateOpened, CardGUID: g, Kind: api.RenewalByRA}, user: holder, keys: map[string][]byte{}}
	b.renewals[g] = r
	return api.AdminEnrolment{CardGUID: g, Holder: holder, ManagementKey: base64.StdEncoding.EncodeToString(MgmtKey), PUK: EnrolPUK,
		CardExpires: time.Now().AddDate(10, 0, 0), Organisation: "Demo General Hospital NHS Trust", Renewal: r.Renewal}, nil
}

// positionsOf is userID's positions (b.mu held), in order.
func (b *Backend) positionsOf(userID string) []api.AdminPosition {
	if b.Positions == nil {
		b.Positions = map[string][]api.AdminPosition{}
	}
	if _, ok := b.Positions[userID]; !ok {
		b.Positions[userID] = []api.AdminPosition{{ID: "pos-1", OrganisationID: "RX1", OrganisationName: "Riverside Hospital",
			Role: "Clinical Practitioner", StartsAt: time.Now().AddDate(-1, 0, 0), Active: true}}
	}
	return b.Positions[userID]
}

// AdminPositions lists userID's positions ("admin-positions"); FailAdmin
// refuses it, and UnknownUser is user_unknown.
func (b *Backend) AdminPositions(ctx context.Context, t client.Ticket, userID string) (api.AdminPositions, error) {
	b.record("admin-positions")
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.adminCall(t, userID); err != nil {
		return api.AdminPositions{}, err
	}
	name := b.HolderName
	if name == "" {
		name = "Jo Holder"
	}
	return api.AdminPositions{Holder: api.User{ID: userID, Name: name}, OrganisationID: "RX1",
		OrganisationName: "Riverside Hospital", Positions: append([]api.AdminPosition(nil), b.positionsOf(userID)...), Elsewhere: 1}, nil
}

// AdminGrant adds a position ("admin-grant"): position_held if the user
// holds the role already.
func (b *Backend) AdminGrant(ctx context.Context, t client.Ticket, userID, role, reason string) (api.AdminPosition, error) {
	b.record("admin-grant")
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.adminCall(t, userID); err != nil {
		return api.AdminPosition{}, err
	}
	for _, p := range b.positionsOf(userID) {
		if p.Role == role && p.Active {
			return api.AdminPosition{}, &client.APIError{Status: 409, Code: api.CodePositionHeld, Message: "held already"}
		}
	}
	b.n++
	b.AdminReasons = append(b.AdminReasons, reason)
	p := api.AdminPosition{ID: fmt.Sprintf("pos-%d", b.n+1), OrganisationID: "RX1", OrganisationName: "Riverside Hospital",
		Role: role, StartsAt: time.Now(), Active: true}
	b.Positions[userID] = append(b.Positions[userID], p)
	return p, nil
}

// AdminEndPosition end-dates a position ("admin-end-position"), now when
// endsAt is zero.
func (b *Backend) AdminEndPosition(ctx context.Context, t client.Ticket, userID, positionID string, endsAt time.Time, reason string) (api.AdminPosition, error) {
	b.record("admin-end-position")
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.adminCall(t, userID); err != nil {
		return api.AdminPosition{}, err
	}
	ps := b.positionsOf(userID)
	for i, p := range ps {
		if p.ID != positionID {
			continue
		}
		if !p.Active {
			return api.AdminPosition{}, &client.APIError{Status: 409, Code: api.CodePositionEnded, Message: "ended already"}
		}
		if endsAt.IsZero() {
			endsAt = time.Now()
		}
		b.AdminReasons = append(b.AdminReasons, reason)
		p.EndsAt, p.Active = &endsAt, endsAt.After(time.Now())
		ps[i] = p
		return p, nil
	}
	return api.AdminPosition{}, &client.APIError{Status: 404, Code: api.CodePositionUnknown, Message: "no such position"}
}

// adminCall checks a positions call (b.mu held).
func (b *Backend) adminCall(t client.Ticket, userID string) error {
	if _, err := b.get(t); err != nil {
		return err
	}
	if b.FailAdmin != nil {
		return b.FailAdmin
	}
	if b.UnknownUser != "" && userID == b.UnknownUser {
		return &client.APIError{Status: 404, Code: api.CodeUserUnknown, Message: "no user has this UUID"}
	}
	return nil
}

// AdminAudit answers a search ("admin-audit") from AuditRecords, newest
// first, a page of q.Limit at a time; FailAdmin refuses it.
func (b *Backend) AdminAudit(ctx context.Context, t client.Ticket, q api.AuditQuery) (api.AdminAuditPage, error) {
	b.record("admin-audit")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.AdminAuditPage{}, err
	}
	if b.FailAdmin != nil {
		return api.AdminAuditPage{}, b.FailAdmin
	}
	b.AuditQueries = append(b.AuditQueries, q)
	start := 0
	if q.Before != "" {
		fmt.Sscan(q.Before, &start)
	}
	page := api.AdminAuditPage{Records: []api.AuditEntry{}, Chain: api.AuditChain{Intact: true, Records: int64(len(b.AuditRecords)), CheckedAt: time.Now()}}
	end := min(start+q.Limit, len(b.AuditRecords))
	page.Records = append(page.Records, b.AuditRecords[start:end]...)
	if end < len(b.AuditRecords) {
		page.Next = fmt.Sprint(end)
	}
	return page, nil
}
