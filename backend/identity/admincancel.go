package identity

import (
	"context"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/store"
)

// ActionAdminCancel is the audit action of an RA's cancellation.
const ActionAdminCancel = "admin.cancel"

// AdminCancel cancels a holder's card for good at an RA's word, by its
// GUID: reported lost or stolen, it need not be in the reader. As `identityd
// card cancel` does, it ends the card's live sessions in the same
// transaction; from then on every login, renewal and unlock with it is
// refused (card_cancelled). A cancelled card never comes back.
func (s *Service) AdminCancel(ctx context.Context, id string, a Auth, req *api.AdminCancelRequest, m Meta) (*api.AdminCard, error) {
	rec := s.record(ActionAdminCancel, m, a.WorkstationID)
	rec.SessionID, rec.CardGUID = trimID(id), normalGUID(req.CardGUID)
	var out api.AdminCard
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		_, card, err := s.authAdminFor(ctx, tx, id, a, rec.CardGUID, req.Reason, &rec, asIs, api.AdminRA)
		if err != nil {
			return err
		}
		if err := s.changeCardState(ctx, tx, card, store.CardCancelled, &rec); err != nil {
			return err
		}
		holder, err := tx.User(ctx, card.UserID)
		if err != nil {
			return err
		}
		out = api.AdminCard{GUID: card.GUID, State: api.CardCancelled, Holder: &api.User{ID: holder.ID, Name: holder.Name}, InScope: true}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
