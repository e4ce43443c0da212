package identity

import (
	"context"
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Public-key work of a renewal step is done before its transaction: every
// write runs on the store's one writer (group commit), which must not wait
// on signatures. Whatever the transaction then reads decides; work done
// ahead on what no longer holds is dropped and done again inside.

// issueInput is what IssueRenewal works out before its transaction: the
// keys of the checked CSRs (or why they are refused) and, when the renewal
// stood ready for them, the pair signed for the user and card read then.
type issueInput struct {
	keys       CardKeys
	auth, sign []byte // the keys' canonical DER
	err        error  // the CSRs' refusal, returned inside the transaction
	ahead      IssuedPair
	userID     string
	userName   string
	cardGUID   string
}

// errNotAhead: the renewal is not ready for its certificates now; the
// transaction says why.
var errNotAhead = errors.New("renewal not ready for its certificates")

func (s *Service) prepareIssue(ctx context.Context, id string, a Auth, req *api.IssueRequest) issueInput {
	var in issueInput
	authCSR, signCSR, err := req.CSRs()
	if err != nil {
		in.err = errs.BadRequest(api.CodeInvalidRequest, err.Error(), err)
		return in
	}
	if in.keys, err = KeysFromCSRs(authCSR, signCSR); err != nil {
		in.err = errs.BadRequest(api.CodeInvalidRequest, err.Error(), err)
		return in
	}
	if in.auth, in.err = marshalKey(in.keys.Authentication); in.err != nil {
		return in
	}
	if in.sign, in.err = marshalKey(in.keys.Signature); in.err != nil {
		return in
	}
	var u store.User
	var card store.Card
	err = s.store.View(ctx, func(r store.Reader) error {
		ren, c, err := s.authRenewal(ctx, r, id, a, false)
		if err != nil {
			return err
		}
		if ren.State != store.RenewalRecorded9A || !in.keysMatch(ren) {
			return errNotAhead
		}
		card = c
		u, err = r.User(ctx, c.UserID)
		return err
	})
	if err != nil {
		return in // the transaction reads again and refuses, or signs itself
	}
	guid, err := api.ParseCardGUID(card.GUID)
	if err != nil {
		return in
	}
	if in.ahead, err = s.signPair(u, guid, in.keys); err != nil {
		in.ahead = IssuedPair{}
		return in
	}
	in.userID, in.userName, in.cardGUID = u.ID, u.Name, card.GUID
	return in
}

func (in *issueInput) keysMatch(r store.Renewal) bool {
	return string(in.auth) == string(r.Key9A) && string(in.sign) == string(r.Key9C)
}

// pairFor is the pair signed ahead if it was signed for what the
// transaction read: the same user, name and card.
func (in *issueInput) pairFor(u store.User, cardGUID string) (IssuedPair, bool) {
	ok := in.ahead.Authentication != nil && in.userID == u.ID && in.userName == u.Name && in.cardGUID == cardGUID
	return in.ahead, ok
}
