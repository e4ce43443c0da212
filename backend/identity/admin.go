package identity

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/cardkeys"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Admin operations are run by identityd's admin subcommands (and later by
// RA endpoints); actor names who did it in the audit record.

func (s *Service) adminRecord(action, actor, detail string) audit.Record {
	return audit.Record{Action: action, Detail: fmt.Sprintf("by %s: %s", actor, detail)}
}

// CreateOrganisation adds an organisation.
func (s *Service) CreateOrganisation(ctx context.Context, actor string, o store.Organisation) error {
	rec := s.adminRecord("organisation.create", actor, o.ID+" "+o.Name)
	return s.commit(ctx, &rec, func(tx store.Tx) error { return tx.CreateOrganisation(ctx, o) })
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, actor string, u store.User) error {
	if !api.ValidUserID(u.ID) || u.Name == "" {
		return errs.BadRequest(api.CodeInvalidRequest, "a user needs a 12-digit UUID and a name", nil)
	}
	rec := s.adminRecord("user.create", actor, u.Name)
	rec.UserID = u.ID
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now()
	}
	return s.commit(ctx, &rec, func(tx store.Tx) error { return tx.CreateUser(ctx, u) })
}

// GrantRole gives a user an access position and returns its id: p.ID, or
// a new random "pos-" id if empty.
func (s *Service) GrantRole(ctx context.Context, actor string, p store.Position) (string, error) {
	if p.ID == "" {
		b := make([]byte, 6)
		rand.Read(b) // never fails (crypto/rand)
		p.ID = fmt.Sprintf("pos-%x", b)
	}
	rec := s.adminRecord("role.grant", actor, p.RoleName+" at "+p.OrganisationID)
	rec.UserID = p.UserID
	if p.StartsAt.IsZero() {
		p.StartsAt = s.now()
	}
	if err := s.commit(ctx, &rec, func(tx store.Tx) error { return tx.CreatePosition(ctx, p) }); err != nil {
		return "", err
	}
	return p.ID, nil
}

// PublishTerms publishes the next version of the terms and returns it.
func (s *Service) PublishTerms(ctx context.Context, actor, text string) (int, error) {
	rec := s.adminRecord("terms.publish", actor, fmt.Sprintf("%d characters", len(text)))
	var version int
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		latest, err := tx.LatestTerms(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		version = latest.Version + 1
		return tx.PublishTerms(ctx, store.Terms{Version: version, Text: text, PublishedAt: s.now()})
	})
	return version, err
}

// CardKeys are the public keys a card generated in slots 9A and 9C.
type CardKeys struct {
	Authentication crypto.PublicKey
	Signature      crypto.PublicKey
}

// IssuedPair is the certificate pair written to a card.
type IssuedPair struct {
	Authentication *x509.Certificate
	Signature      *x509.Certificate
}

// EnrolCard registers a new card for a user and issues its certificate pair.
// The card's PUK is generated here and kept sealed; the management key is
// derived from the GUID at key version 1.
func (s *Service) EnrolCard(ctx context.Context, actor, userID string, guid []byte, keys CardKeys) (IssuedPair, error) {
	guidHex := api.FormatCardGUID(guid)
	rec := s.adminRecord("card.enrol", actor, "issued 9a and 9c certificates")
	rec.UserID, rec.CardGUID = userID, guidHex
	puk := cardkeys.NewPUK()
	defer clear(puk)
	sealed, err := cardkeys.SealPUK(s.pukWrap, guid, puk)
	if err != nil {
		return IssuedPair{}, errs.Internal(err)
	}
	var pair IssuedPair
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.CreateCard(ctx, store.Card{GUID: guidHex, UserID: userID, State: store.CardActive, KeyVersion: 1, PUKSealed: sealed, CreatedAt: now}); err != nil {
			return err
		}
		pair, err = s.issuePair(ctx, tx, u, guid, keys, 0)
		return err
	})
	return pair, err
}

// RenewCard issues a new certificate pair for an active card. byRA resets the
// count of self-renewals; otherwise it grows by one. This is the CA path
// renewal uses.
func (s *Service) RenewCard(ctx context.Context, actor string, guid []byte, keys CardKeys, byRA bool) (IssuedPair, error) {
	guidHex := api.FormatCardGUID(guid)
	rec := s.adminRecord("card.renew", actor, "issued 9a and 9c certificates")
	rec.CardGUID = guidHex
	var pair IssuedPair
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		card, err := tx.Card(ctx, guidHex)
		if err != nil {
			return err
		}
		rec.UserID = card.UserID
		if card.State != store.CardActive {
			return errs.Forbidden(api.CodeCardCancelled, "only an active card can be renewed", nil)
		}
		prev, err := tx.CurrentCertificate(ctx, guidHex, store.SlotAuthentication)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, card.UserID)
		if err != nil {
			return err
		}
		count := prev.RenewalsSinceRA + 1
		if byRA {
			count = 0
		}
		pair, err = s.issuePair(ctx, tx, u, guid, keys, count)
		return err
	})
	return pair, err
}

func (s *Service) issuePair(ctx context.Context, tx store.Tx, u store.User, guid []byte, keys CardKeys, renewals int) (IssuedPair, error) {
	pair, err := s.signPair(u, guid, keys)
	if err != nil {
		return pair, err
	}
	return pair, insertPair(ctx, tx, api.FormatCardGUID(guid), pair, renewals, s.now())
}

// signPair has the CA issue a card's 9A and 9C certificates for keys, valid
// for the policy's certificate validity from now; nothing is stored.
func (s *Service) signPair(u store.User, guid []byte, keys CardKeys) (IssuedPair, error) {
	now := s.now()
	notBefore, notAfter := now.Add(-5*time.Minute), now.Add(s.policy.CertificateValidity)
	var pair IssuedPair
	for _, p := range []struct {
		profile ca.Profile
		pub     crypto.PublicKey
		out     **x509.Certificate
	}{
		{ca.ProfileAuthentication, keys.Authentication, &pair.Authentication},
		{ca.ProfileSignature, keys.Signature, &pair.Signature},
	} {
		cert, err := s.ca.IssueCard(ca.CardRequest{PublicKey: p.pub, Profile: p.profile, UserID: u.ID, Name: u.Name,
			CardGUID: guid, NotBefore: notBefore, NotAfter: notAfter})
		if err != nil {
			return pair, errs.BadRequest(api.CodeInvalidRequest, "cannot issue the certificate: "+err.Error(), err)
		}
		*p.out = cert
	}
	return pair, nil
}

// insertPair stores an issued pair as the card's current certificates
// (the newest of each slot), counting renewals since the last RA check;
// the ones before are superseded from then on.
func insertPair(ctx context.Context, tx store.Tx, guidHex string, pair IssuedPair, renewals int, at time.Time) error {
	for _, c := range []struct {
		cert *x509.Certificate
		slot string
	}{{pair.Authentication, store.SlotAuthentication}, {pair.Signature, store.SlotSignature}} {
		err := tx.InsertCertificate(ctx, store.Certificate{Serial: ca.SerialHex(c.cert), CardGUID: guidHex,
			Slot: c.slot, NotBefore: c.cert.NotBefore, NotAfter: c.cert.NotAfter, RenewalsSinceRA: renewals,
			DER: c.cert.Raw, IssuedAt: at})
		if err != nil {
			return err
		}
	}
	return nil
}

// CancelCard cancels a card for good.
func (s *Service) CancelCard(ctx context.Context, actor string, guid []byte, reason string) error {
	return s.setCardState(ctx, "card.cancel", actor, guid, store.CardCancelled, reason)
}

// LockCard marks a card locked (the card itself blocked its passcode).
func (s *Service) LockCard(ctx context.Context, actor string, guid []byte, reason string) error {
	return s.setCardState(ctx, "card.lock", actor, guid, store.CardLocked, reason)
}

// setCardState locks or cancels a card and, in the same transaction, ends
// its live sessions (suspended ones too); the card's audit record names
// the sessions it ended.
func (s *Service) setCardState(ctx context.Context, action, actor string, guid []byte, state store.CardState, reason string) error {
	guidHex := api.FormatCardGUID(guid)
	rec := s.adminRecord(action, actor, reason)
	rec.CardGUID = guidHex
	return s.commit(ctx, &rec, func(tx store.Tx) error {
		c, err := tx.Card(ctx, guidHex)
		if err != nil {
			return err
		}
		rec.UserID = c.UserID
		return s.changeCardState(ctx, tx, c, state, &rec)
	})
}

// changeCardState puts card c in state, in tx, and ends its live sessions
// (suspended ones too), naming them in rec. A cancelled card stays so.
func (s *Service) changeCardState(ctx context.Context, tx store.Tx, c store.Card, state store.CardState, rec *audit.Record) error {
	if c.State == store.CardCancelled {
		return errs.Conflict(api.CodeCardCancelled, "a cancelled card cannot change state", nil)
	}
	now := s.now()
	c.State = state
	if state == store.CardCancelled {
		c.CancelledAt = now
	}
	if err := tx.UpdateCard(ctx, c); err != nil {
		return err
	}
	ended, err := tx.EndCardSessions(ctx, c.GUID, now)
	if err != nil {
		return err
	}
	rec.Detail += endedDetail(ended)
	return nil
}

// endedDetail names the sessions a card change ended, for its audit record.
func endedDetail(ended []store.Session) string {
	if len(ended) == 0 {
		return "; no live sessions"
	}
	const shown = 8
	var b strings.Builder
	fmt.Fprintf(&b, "; ended %d session(s):", len(ended))
	for i, e := range ended {
		if i == shown {
			fmt.Fprintf(&b, " and %d more", len(ended)-shown)
			break
		}
		fmt.Fprintf(&b, " %s at %s", e.ID, clip(e.WorkstationID, 32))
	}
	return b.String()
}

// MgmtKey is the card's current 9B management key (for the renewal and
// unlock flows; it never leaves the backend).
func (s *Service) MgmtKey(ctx context.Context, guid []byte) ([]byte, error) {
	c, err := s.readCard(ctx, guid)
	if err != nil {
		return nil, err
	}
	return s.mgmt.MgmtKey(guid, c.KeyVersion)
}

// IssuingPUK is the card's current PUK for the desk that personalises a
// new card (the demo's card files, tests): a card leaves issuing holding
// the PUK identityd keeps. Nothing on a workstation ever calls it.
func (s *Service) IssuingPUK(ctx context.Context, guid []byte) ([]byte, error) {
	c, err := s.readCard(ctx, guid)
	if err != nil {
		return nil, err
	}
	return cardkeys.OpenPUK(s.pukWrap, guid, c.PUKSealed)
}

// readCard reads the card outside any transaction.
func (s *Service) readCard(ctx context.Context, guid []byte) (c store.Card, err error) {
	err = s.store.View(ctx, func(r store.Reader) (err error) {
		c, err = r.Card(ctx, api.FormatCardGUID(guid))
		return err
	})
	return c, err
}

// VerifyAudit proves the audit chain (without checkpoints: see
// VerifyAuditCheckpoints).
func (s *Service) VerifyAudit(ctx context.Context) (audit.Summary, error) {
	return s.verifyAudit(ctx, nil)
}

// RecentAudit is the newest n audit records, oldest first.
func (s *Service) RecentAudit(ctx context.Context, n int) ([]audit.Record, error) {
	var recs []audit.Record
	err := s.store.View(ctx, func(r store.Reader) error {
		h, err := r.AuditHead(ctx)
		if err != nil {
			return err
		}
		recs, err = r.AuditRecords(ctx, max(h.Seq-int64(n), 0), n)
		return err
	})
	return recs, err
}

// APIPolicy is the policy the agent sees.
func (s *Service) APIPolicy() *api.Policy {
	p := s.policy.API()
	return &p
}
