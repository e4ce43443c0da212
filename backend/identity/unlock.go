package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/cardkeys"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/policy"
	"github.com/cardagent/cardagent/backend/store"
)

// Self-service unlock of a blocked card (docs/unlock.md), in four calls:
//
//  1. RequestUnlock: a card GUID (anyone can read one) → a one-time code
//     emailed to the holder's address, if it is in an allowed domain.
//  2. UnlockCode: the code back, in time, within the attempts: the person
//     is proven.
//  3. UnlockWitness + UnlockPUK: a mutual 9B authentication relayed by the
//     agent proves the card (identityd opens the card's witness only now,
//     once per unlock, so nobody without the code gets it done); then the
//     PUK is released for one RESET RETRY COUNTER, with the new PUK to set.
//  4. CompleteUnlock: the card holds the new PUK, which becomes current.
//
// Until the card confirms, identityd keeps the old PUK and the new one
// (cards.puk_next): a card pulled after RESET RETRY COUNTER or after the
// PUK change holds one of the two, and the next unlock offers both.

// CodePurpose is what an emailed code is for.
type CodePurpose int

const (
	CodeForUnlock    CodePurpose = iota // unlocking a blocked card
	CodeForQuestions                    // confirming new security questions
)

// UnlockCode is what a code email says (an unlock code, or the code that
// confirms security questions: Purpose).
type UnlockCode struct {
	Purpose    CodePurpose
	To         string // the holder's email address
	Mobile     string // the holder's mobile number, if any (the SMS channel)
	Holder     string // the user's name
	Card       string // the card as the holder may recognise it: the last 8 hex digits of its GUID
	Code       string
	ValidUntil time.Time
}

// CodeSender delivers unlock codes (by email: backend/mail, wired by the
// main). Its errors never carry the code.
type CodeSender interface {
	SendUnlockCode(ctx context.Context, c UnlockCode) error
}

// WithCodeSender sets how unlock codes reach their holders. Without one
// self-service unlock is not available.
func WithCodeSender(cs CodeSender) Option {
	return func(svc *Service) error {
		svc.codes = cs
		return nil
	}
}

// Audit actions of an unlock (httpapi audits a malformed request under them too).
const (
	ActionUnlockRequest  = "unlock.request"
	ActionUnlockCode     = "unlock.code"
	ActionUnlockWitness  = "unlock.witness"
	ActionUnlockPUK      = "unlock.puk"
	ActionUnlockComplete = "unlock.complete"
)

// RequestUnlock opens an unlock of the card and emails its code. A card may
// have one open unlock: a newer request voids the older one.
func (s *Service) RequestUnlock(ctx context.Context, req *api.UnlockRequest, m Meta) (*api.Unlock, error) {
	workstationID := req.WorkstationID
	guidBytes, _ := api.ParseCardGUID(req.CardGUID) // validated by the decoder
	guid := api.FormatCardGUID(guidBytes)           // the store's form: lower-case hex
	rec := s.record(ActionUnlockRequest, m, workstationID)
	rec.CardGUID = guid
	if s.policy.SelfServiceUnlock == policy.UnlockOff || s.codes == nil {
		return nil, s.refuse(ctx, rec, errs.Forbidden(api.CodeUnlockNotAvailable,
			"self-service unlock is not offered here: ask your Local Smartcard Administrator to unlock the card with you", nil))
	}
	if !s.unlockAddrs.allow(m.RemoteAddr, s.now()) {
		return nil, s.refuse(ctx, rec, errs.New(http.StatusTooManyRequests, api.CodeUnlockRateLimited,
			"too many unlocks were asked for from this address: try again later, or ask your Local Smartcard Administrator", nil))
	}
	id, token, err := newSessionSecrets()
	if err != nil {
		return nil, err
	}
	code, err := newUnlockCode()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var user store.User
	u := store.Unlock{ID: id, CardGUID: guid, TokenHash: hashToken(token), WorkstationID: workstationID,
		State: store.UnlockCodeSent, CodeHash: s.codeHash(id, code), CodeExpiresAt: now.Add(s.policy.UnlockCodeLifetime),
		CreatedAt: now, UpdatedAt: now}
	askQuestions := s.policy.SelfServiceUnlock == policy.UnlockEmailQuestions
	var failures int
	if askQuestions {
		// The code is drawn once the answers are right; until then the
		// unlock holds the hash of one nobody was sent, and CodeExpiresAt
		// is the time to answer.
		u.State, u.CodeHash = store.UnlockQuestions, s.codeHash(id, token)
	}
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		card, err := tx.Card(ctx, guid)
		if errors.Is(err, store.ErrNotFound) {
			return errs.Unauthorized(api.CodeCardUnknown, "this card is not registered", nil)
		} else if err != nil {
			return err
		}
		rec.UserID, u.UserID = card.UserID, card.UserID
		if err := unlockCardRefusal(card.State); err != nil {
			return err
		}
		if user, err = tx.User(ctx, card.UserID); err != nil {
			return err
		}
		if user.Disabled {
			return errs.Forbidden(api.CodeUserDisabled, "this user's access is disabled", nil)
		}
		if !emailAllowed(user.Email, s.policy.UnlockEmailDomains) {
			return errs.Forbidden(api.CodeUnlockNotAvailable,
				"there is no email address on your profile that can receive unlock codes: ask your Local Smartcard Administrator to unlock the card with you", nil)
		}
		perCard, _, err := tx.UnlockRequests(ctx, card.GUID, user.ID, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		_, perUser, err := tx.UnlockRequests(ctx, card.GUID, user.ID, now.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		if perCard >= s.policy.UnlockPerCardPerHour || perUser >= s.policy.UnlockPerUserPerDay {
			return errs.New(http.StatusTooManyRequests, api.CodeUnlockRateLimited,
				"too many unlock codes were asked for: try again later, or ask your Local Smartcard Administrator", nil)
		}
		if askQuestions {
			if u.QuestionIDs, failures, err = s.questionsToAsk(ctx, tx, user.ID); err != nil {
				return err
			}
		}
		if old, err := tx.OpenUnlock(ctx, card.GUID); err == nil {
			// A face-to-face unlock in its time is an administrator's: no
			// request naming the GUID voids it.
			if old.AdminUserID != "" && now.Before(old.UpdatedAt.Add(s.policy.UnlockCodeLifetime)) {
				return errs.Conflict(api.CodeUnlockOutOfOrder,
					"this card is being unlocked face to face by an administrator: try again later", nil)
			}
			// Anyone can name a GUID: an unlock past its code at another
			// workstation, still in its time, is not voided by a request
			// from here (the holder may be halfway through it).
			if old.State != store.UnlockCodeSent && old.State != store.UnlockQuestions && old.WorkstationID != workstationID &&
				now.Before(old.UpdatedAt.Add(s.policy.UnlockCodeLifetime)) {
				return errs.Conflict(api.CodeUnlockOutOfOrder,
					"this card is being unlocked at another workstation: finish there, or try again later", nil)
			}
			from := old.State
			old.State, old.UpdatedAt = store.UnlockVoid, now
			if err := tx.UpdateUnlock(ctx, old, from); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		rec.Detail = withUnlock(rec.Detail, id)
		if askQuestions {
			rec.Detail += ", " + strconv.Itoa(api.QuestionsAsked) + " security questions asked"
		} else {
			rec.Detail += ", code sent to " + hideAddress(user.Email)
		}
		return tx.CreateUnlock(ctx, u)
	})
	if err != nil {
		return nil, err
	}
	if askQuestions {
		v := s.questionsUnlockView(u, failures)
		v.Token = token
		return &v, nil
	}
	if err := s.sendUnlockCode(ctx, u, user, code, ActionUnlockRequest, m); err != nil {
		return nil, err
	}
	v := s.unlockView(u)
	v.Token, v.SentTo = token, hideAddress(user.Email)
	return &v, nil
}

// sendUnlockCode emails an unlock's code, which u holds the hash of. If it
// cannot be sent the unlock ends unsent: nobody has its code.
func (s *Service) sendUnlockCode(ctx context.Context, u store.Unlock, user store.User, code, action string, m Meta) error {
	mail := UnlockCode{To: user.Email, Mobile: user.Mobile, Holder: user.Name, Card: u.CardGUID[len(u.CardGUID)-8:],
		Code: code, ValidUntil: u.CodeExpiresAt}
	err := s.sendCode(ctx, mail)
	if err == nil {
		return nil
	}
	s.unsentUnlock(ctx, u, store.UnlockCodeSent)
	rec := s.record(action, m, u.WorkstationID)
	rec.CardGUID, rec.UserID, rec.Detail = u.CardGUID, user.ID, withUnlock(rec.Detail, u.ID)
	return s.refuse(ctx, rec, errs.New(http.StatusServiceUnavailable, api.CodeUnlockSendFailed,
		"the unlock code could not be sent just now: try again in a few minutes", err))
}

// sendCode delivers a code. It is not cut short by the caller: a send under
// way finishes, or its record would say the code never left when it did.
func (s *Service) sendCode(ctx context.Context, c UnlockCode) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), codeSendBudget)
	defer cancel()
	return s.codes.SendUnlockCode(sctx, c)
}

// unlockAddrLimit bounds unlock requests per client address: anyone can
// name a GUID, and one host must not cycle through many holders' cards
// (their per-card and per-user limits would each still allow it). Per
// instance, on the service's clock.
type unlockAddrLimit struct {
	mu sync.Mutex
	b  *addressBuckets
}

func newUnlockAddrLimit(perHour int) *unlockAddrLimit {
	return &unlockAddrLimit{b: newAddressBuckets(float64(perHour), float64(perHour)/3600, unlockAddrs)}
}

// unlockAddrs is how many addresses the limit tracks at once.
const unlockAddrs = 10000

// allow spends one of addr's requests (an admin command, with no address,
// is never limited).
func (l *unlockAddrLimit) allow(addr string, now time.Time) bool {
	if l == nil || addr == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.take(addressBlock(addr), now)
}

// addressBlock is what one client is counted by: its IPv4 address, or its
// IPv6 /64 (one host may hold a whole /64).
func addressBlock(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() || ip.Is4In6() {
		return addr
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// codeSendBudget bounds sending one code (an SMTP session).
const codeSendBudget = 30 * time.Second

// UnlockCode checks the emailed code. A wrong one counts; the last allowed
// wrong one voids the unlock; an expired one ends it.
func (s *Service) UnlockCode(ctx context.Context, id string, a Auth, req *api.UnlockCodeRequest, m Meta) (*api.Unlock, error) {
	var out store.Unlock
	err := s.unlockCall(ctx, ActionUnlockCode, id, a, m, store.UnlockCodeSent, func(tx store.Tx, u *store.Unlock, _ store.Card, _ *audit.Record) error {
		now := s.now()
		if !now.Before(u.CodeExpiresAt) {
			u.State = store.UnlockExpired
			return keep(errs.Forbidden(api.CodeUnlockCodeExpired, "the code has expired: ask for a new one", nil))
		}
		if !hmac.Equal(s.codeHash(u.ID, req.Code), u.CodeHash) {
			u.WrongCodes++
			left := s.policy.UnlockAttempts - u.WrongCodes
			if left <= 0 {
				u.State = store.UnlockVoid
				return keep(errs.Forbidden(api.CodeUnlockClosed,
					"that code was wrong too many times: ask for a new code, or see your Local Smartcard Administrator", nil))
			}
			e := errs.Forbidden(api.CodeUnlockCodeWrong, fmt.Sprintf("that is not the code: %d attempts left", left), nil)
			v := s.unlockView(*u)
			e.Unlock = &v
			return keep(e)
		}
		u.State = store.UnlockCodeAccepted
		out = *u
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := s.unlockView(out)
	return &v, nil
}

// UnlockWitness opens the card's witness of a mutual 9B authentication and
// draws identityd's challenge, once per unlock and only after the code:
// the card answers the challenge with its key in UnlockPUK.
func (s *Service) UnlockWitness(ctx context.Context, id string, a Auth, req *api.UnlockWitnessRequest, m Meta) (*api.UnlockWitness, error) {
	encrypted, _ := base64.StdEncoding.DecodeString(req.EncryptedWitness)
	var out api.UnlockWitness
	err := s.unlockCall(ctx, ActionUnlockWitness, id, a, m, store.UnlockCodeAccepted, func(tx store.Tx, u *store.Unlock, card store.Card, rec *audit.Record) error {
		key, err := s.cardMgmtKey(card)
		if err != nil {
			return err
		}
		witness, err := mgmtOpen(key, encrypted)
		clear(key)
		if err != nil {
			return err
		}
		challenge := make([]byte, len(witness))
		if _, err := rand.Read(challenge); err != nil {
			return err
		}
		u.State, u.Challenge = store.UnlockCardProving, challenge
		out = api.UnlockWitness{Witness: base64.StdEncoding.EncodeToString(witness), Challenge: base64.StdEncoding.EncodeToString(challenge)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UnlockPUK checks the card's answer to identityd's challenge and, if it is
// the card's key's, releases the PUK for this one unlock with the new PUK
// the agent sets next. A wrong answer voids the unlock: that is not the
// card.
func (s *Service) UnlockPUK(ctx context.Context, id string, a Auth, req *api.UnlockPUKRequest, m Meta) (*api.UnlockPUK, error) {
	answer, _ := base64.StdEncoding.DecodeString(req.CardAnswer)
	var out api.UnlockPUK
	err := s.unlockCall(ctx, ActionUnlockPUK, id, a, m, store.UnlockCardProving, func(tx store.Tx, u *store.Unlock, card store.Card, rec *audit.Record) error {
		key, err := s.cardMgmtKey(card)
		if err != nil {
			return err
		}
		want, err := mgmtResponse(key, u.Challenge)
		clear(key)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(want, answer) != 1 {
			u.State = store.UnlockVoid
			return keep(errs.Forbidden(api.CodeCardNotProven, "the card in the reader did not prove itself: no PUK is released", nil))
		}
		guid, _ := api.ParseCardGUID(card.GUID)
		current, err := cardkeys.OpenPUK(s.pukWrap, guid, card.PUKSealed)
		if err != nil {
			return fmt.Errorf("opening the card's PUK: %w", err)
		}
		defer clear(current)
		out.PUK = string(current)
		if card.PUKNext != nil {
			// An earlier unlock stopped before the card confirmed: it holds
			// the current PUK or that one, which stays the one to set.
			next, err := cardkeys.OpenPUK(s.pukWrap, guid, card.PUKNext)
			if err != nil {
				return fmt.Errorf("opening the card's next PUK: %w", err)
			}
			out.PreviousPUK, out.NewPUK = string(next), string(next)
			clear(next)
		} else {
			next := cardkeys.NewPUK()
			sealed, err := cardkeys.SealPUK(s.pukWrap, guid, next)
			out.NewPUK = string(next)
			clear(next)
			if err != nil {
				return err
			}
			card.PUKNext = sealed
			if err := tx.UpdateCard(ctx, card); err != nil {
				return err
			}
		}
		u.State, u.Challenge = store.UnlockReleased, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CompleteUnlock records that the card is unblocked and holds the new PUK:
// it becomes the card's current PUK.
func (s *Service) CompleteUnlock(ctx context.Context, id string, a Auth, req *api.UnlockCompleteRequest, m Meta) (*api.Unlock, error) {
	var out store.Unlock
	err := s.unlockCall(ctx, ActionUnlockComplete, id, a, m, store.UnlockReleased, func(tx store.Tx, u *store.Unlock, card store.Card, rec *audit.Record) error {
		if req.UsedPrevious {
			rec.Detail += ", the card held the PUK of an earlier unlock that did not finish"
		}
		if card.PUKNext != nil {
			card.PUKSealed, card.PUKNext = card.PUKNext, nil
			if err := tx.UpdateCard(ctx, card); err != nil {
				return err
			}
		}
		if u.AdminUserID != "" {
			// Seen face to face: the holder's security-question attempts are theirs again.
			if err := tx.SetQuestionFailures(ctx, u.UserID, 0, s.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		u.State, u.CompletedAt = store.UnlockCompleted, s.now()
		out = *u
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := s.unlockView(out)
	return &v, nil
}

// unlockCall is the shape of every call on an unlock after the request:
// authorise by the unlock's token and workstation, require the step it is
// at, let change edit it, write it back and audit the outcome. A refusal
// change returns through keep is committed with its audit record (a wrong
// code counts); any other error rolls back.
func (s *Service) unlockCall(ctx context.Context, action, id string, a Auth, m Meta, at store.UnlockState,
	change func(tx store.Tx, u *store.Unlock, card store.Card, rec *audit.Record) error) error {
	rec := s.record(action, m, a.WorkstationID)
	rec.Detail = withUnlock(rec.Detail, id)
	return s.commitKept(ctx, &rec, func(tx store.Tx) error {
		u, card, err := s.authUnlock(ctx, tx, id, a)
		rec.CardGUID, rec.UserID = u.CardGUID, u.UserID
		if u.AdminUserID != "" {
			rec.Detail += ", face to face by " + u.AdminUserID + " (session " + clip(u.AdminSessionID, 64) + ")"
		}
		if err != nil {
			return err
		}
		if u.AdminUserID != "" && at != store.UnlockReleased {
			// The card's part of a face-to-face unlock goes on only while
			// its administrator may still do it (completion may always
			// follow: the card may hold the new PUK).
			if err := s.adminStillAuthorised(ctx, tx, adminWork{u.AdminUserID, u.AdminSessionID, u.WorkstationID, u.UserID}, api.AdminLSA, api.AdminRA); err != nil {
				return err
			}
		}
		// Past the code, the card's part must follow within another code
		// lifetime; a released PUK may always be confirmed (the card may
		// hold the new one).
		if (u.State == store.UnlockCodeAccepted || u.State == store.UnlockCardProving) &&
			!s.now().Before(u.CodeExpiresAt.Add(s.policy.UnlockCodeLifetime)) {
			from := u.State
			u.State, u.UpdatedAt = store.UnlockExpired, s.now()
			if err := tx.UpdateUnlock(ctx, u, from); err != nil {
				return err
			}
			return keep(errs.Forbidden(api.CodeUnlockCodeExpired, "this unlock took too long: ask for a new code", nil))
		}
		if u.State != at {
			if !u.State.Open() {
				return errs.Conflict(api.CodeUnlockClosed, "this unlock is over ("+string(u.State)+"): ask for a new code", nil)
			}
			return errs.Conflict(api.CodeUnlockOutOfOrder, "this unlock is at another step ("+string(u.State)+")", nil)
		}
		from := u.State
		cerr := change(tx, &u, card, &rec)
		var k kept
		if cerr != nil && !errors.As(cerr, &k) {
			return cerr
		}
		u.UpdatedAt = s.now()
		if err := tx.UpdateUnlock(ctx, u, from); errors.Is(err, store.ErrConflict) {
			return errs.Conflict(api.CodeUnlockOutOfOrder, "the unlock was changed by a concurrent call", err)
		} else if err != nil {
			return err
		}
		return cerr
	})
}

// appendRefusal writes rec in tx: ok, or refusal's code and message when a
// refusal's state change is committed with it.
func (s *Service) appendRefusal(ctx context.Context, tx store.Tx, rec audit.Record, refusal error) error {
	rec.At, rec.Outcome = s.now(), audit.OutcomeOK
	if refusal != nil {
		e := errs.As(refusal)
		rec.Outcome, rec.Detail = string(e.Code), clip(rec.Detail+": "+e.Msg, maxRefusalDetail)
	}
	_, err := audit.Append(ctx, tx, s.auditKey, rec)
	return err
}

// kept is a refusal whose state change stands (see unlockCall).
type kept struct{ err error }

func (k kept) Error() string { return k.err.Error() }

func keep(err error) error { return kept{err} }

// authUnlock loads unlock id and its card and checks the caller's token
// and workstation, and that the card may still be unlocked.
func (s *Service) authUnlock(ctx context.Context, tx store.Tx, id string, a Auth) (store.Unlock, store.Card, error) {
	unauth := errs.Unauthorized(api.CodeUnauthenticated, "no valid unlock token", nil)
	if a.Token == "" || !api.ValidID(id) {
		return store.Unlock{}, store.Card{}, unauth
	}
	u, err := tx.Unlock(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Unlock{}, store.Card{}, unauth
	} else if err != nil {
		return store.Unlock{}, store.Card{}, err
	}
	if subtle.ConstantTimeCompare(u.TokenHash, hashToken(a.Token)) != 1 {
		return store.Unlock{}, store.Card{}, unauth
	}
	if u.WorkstationID != a.WorkstationID {
		return u, store.Card{}, errs.Unauthorized(api.CodeWorkstationMismatch, "this unlock was asked for at another workstation", nil)
	}
	card, err := tx.Card(ctx, u.CardGUID)
	if err != nil {
		return u, card, err
	}
	return u, card, unlockCardRefusal(card.State)
}

// unsentUnlock ends an unlock whose code was never sent: it cannot go on,
// and it does not count against the holder's rate limits (a mail server
// that is down must not use up the day's requests).
func (s *Service) unsentUnlock(ctx context.Context, u store.Unlock, from store.UnlockState) {
	u.State, u.UpdatedAt = store.UnlockUnsent, s.now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditBudget(ctx))
	defer cancel()
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.UpdateUnlock(ctx, u, from) }); err != nil {
		s.log.ErrorContext(ctx, "voiding an unlock whose code was not sent", "unlock", u.ID, "err", err)
	}
}

func unlockCardRefusal(state store.CardState) error {
	switch state {
	case store.CardCancelled:
		return errs.Forbidden(api.CodeCardCancelled, "this card has been cancelled: it cannot be unlocked", nil)
	case store.CardLocked:
		return errs.Forbidden(api.CodeCardLocked, "this card was locked by an administrator: see your Registration Authority", nil)
	}
	return nil
}

// cardMgmtKey is the card's diversified management key; the caller clears it.
func (s *Service) cardMgmtKey(card store.Card) ([]byte, error) {
	guid, err := api.ParseCardGUID(card.GUID)
	if err != nil {
		return nil, err
	}
	return s.mgmt.MgmtKey(guid, card.KeyVersion)
}

func (s *Service) unlockView(u store.Unlock) api.Unlock {
	return api.Unlock{ID: u.ID, State: api.UnlockState(u.State), CodeExpiresAt: u.CodeExpiresAt,
		CodeAttemptsLeft: max(s.policy.UnlockAttempts-u.WrongCodes, 0)}
}

// codeHash is the keyed hash of an unlock's code, bound to the unlock.
func (s *Service) codeHash(unlockID, code string) []byte {
	h := hmac.New(sha256.New, s.unlockKey)
	h.Write([]byte(unlockID))
	h.Write([]byte{0})
	h.Write([]byte(code))
	return h.Sum(nil)
}

// newUnlockCode draws api.UnlockCodeLen uniformly random digits.
func newUnlockCode() (string, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(api.UnlockCodeLen), nil))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", api.UnlockCodeLen, n), nil
}

// emailAllowed reports whether addr is in one of the domains or a
// subdomain of one (x@trust.nhs.uk for nhs.uk).
func emailAllowed(addr string, domains []string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 {
		return false
	}
	host := strings.ToLower(addr[at+1:])
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// hideAddress shows enough of an address for its owner to recognise it:
// a•••@nhs.net.
func hideAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "•••"
	}
	return addr[:1] + "•••" + addr[at:]
}

func withUnlock(detail, id string) string {
	if detail != "" {
		detail += ", "
	}
	return detail + "unlock " + clip(id, 64)
}
