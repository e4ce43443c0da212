package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/policy"
	"github.com/cardagent/cardagent/backend/store"
)

// Security questions (docs/unlock.md). Under "email+questions" an unlock
// first asks two of the holder's four registered questions and emails the
// code only once both answers are right. Wrong answers count per holder,
// across unlocks: at the policy's UnlockAttempts only a face-to-face unlock
// is left, until the holder registers questions again (which needs an
// active session: after an LSA has unlocked the card with them).
//
// Registering happens in an active session: four answers with a fresh
// signature of the session's card (the card signs only once its passcode
// is verified), then a code emailed to the holder confirms them.

// Audit actions of security questions.
const (
	ActionQuestionsRegister = "questions.register"
	ActionQuestionsConfirm  = "questions.confirm"
	ActionUnlockAnswers     = "unlock.answers"
)

// questionCodesPerSession bounds the confirmation emails one session may
// cause (a newer registration replaces an older one, but still counts).
const questionCodesPerSession = 3

// SecurityQuestions is the catalogue and which questions the session's
// holder registered (ids only: no answer, no hash leaves identityd).
func (s *Service) SecurityQuestions(ctx context.Context, id string, a Auth, m Meta) (*api.SecurityQuestions, error) {
	var sess store.Session
	var q store.SecurityQuestions
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		if sess, err = s.authSession(ctx, r, id, a, checkInRole); err != nil {
			return err
		}
		if q, err = r.SecurityQuestions(ctx, sess.UserID); errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		rec := s.record("questions.get", m, a.WorkstationID)
		rec.SessionID, rec.UserID, rec.CardGUID = trimID(id), sess.UserID, sess.CardGUID
		return nil, s.refuse(ctx, rec, err)
	}
	return s.questionsView(q), nil
}

func (s *Service) questionsView(q store.SecurityQuestions) *api.SecurityQuestions {
	v := &api.SecurityQuestions{Catalogue: questionCatalogue, Asked: s.policy.SelfServiceUnlock == policy.UnlockEmailQuestions}
	for _, a := range q.Answers {
		v.Registered = append(v.Registered, a.QuestionID)
	}
	if !q.RegisteredAt.IsZero() {
		at := q.RegisteredAt.UTC()
		v.RegisteredAt = &at
	}
	return v
}

// RegisterQuestions hashes four answers and emails the code that confirms
// them; nothing is registered before ConfirmQuestions. The session, the
// card proof and the challenge are checked and the challenge redeemed
// before any (slow) hashing, so a proof sent again costs no hash.
func (s *Service) RegisterQuestions(ctx context.Context, id string, a Auth, req *api.RegisterQuestionsRequest, m Meta) (*api.QuestionsRegistration, error) {
	rec := s.record(ActionQuestionsRegister, m, a.WorkstationID)
	rec.SessionID, rec.CardGUID = trimID(id), normalGUID(req.Proof.CardGUID)
	if err := knownQuestions(req.Answers); err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	if err := distinctAnswers(req.Answers); err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	if req.Proof.WorkstationID != a.WorkstationID {
		return nil, s.refuse(ctx, rec, errs.Unauthorized(api.CodeWorkstationMismatch, "the card proof was made for another workstation", nil))
	}
	vp, err := s.verifyProofOf(&req.Proof, api.QuestionsDigest)
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	// 1. The session, its card (with its current certificate) and the
	// challenge, redeemed.
	var user store.User
	err = s.store.Update(ctx, func(tx store.Tx) error {
		sess, err := s.authSession(ctx, tx, id, a, checkInRole)
		rec.UserID = sess.UserID
		if err != nil {
			return err
		}
		if sess.CardGUID != vp.guidHex {
			return errs.Forbidden(api.CodeCardNotSessionCard, "only the card that opened the session can register its questions", nil)
		}
		cl, err := tx.CardLogin(ctx, vp.guidHex, vp.serial)
		if err != nil {
			return err
		}
		if cl.CurrentAuthSerial != vp.serial {
			return errs.Unauthorized(api.CodeCertificateSuperseded, "sign with the card's current certificate", nil)
		}
		if err := redeem(ctx, tx, vp.challenge); err != nil {
			return err
		}
		if user, err = tx.User(ctx, sess.UserID); err != nil {
			return err
		}
		if !emailAllowed(user.Email, s.policy.UnlockEmailDomains) {
			return errs.Forbidden(api.CodeQuestionsNotAvailable,
				"there is no email address on your profile that can receive the confirmation code: ask your Registration Authority", nil)
		}
		prev, err := tx.QuestionsRegistration(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if prev.CodesSent >= questionCodesPerSession {
			return tooManyQuestionCodes()
		}
		return nil
	})
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	// 2. The hashes, finished even if the caller goes: the challenge is spent.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answersBudget)
	defer cancel()
	answers, err := s.hashAnswers(hctx, req.Answers)
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	code, err := newUnlockCode()
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	// 3. The registration waits for its code, which is counted and sent.
	now := s.now()
	reg := store.QuestionsRegistration{SessionID: id, UserID: user.ID, Answers: answers, CodeHash: s.codeHash(questionsCodeBinding(id), code),
		CodeExpiresAt: now.Add(s.policy.UnlockCodeLifetime), CreatedAt: now, UpdatedAt: now}
	err = s.commit(hctx, &rec, func(tx store.Tx) error {
		if _, err := s.authSession(hctx, tx, id, a, checkInRole); err != nil {
			return err
		}
		sent, err := tx.PutQuestionsRegistration(hctx, reg)
		if err != nil {
			return err
		}
		if sent > questionCodesPerSession { // a registration in parallel took the last one
			return tooManyQuestionCodes()
		}
		rec.Detail += ", code sent to " + hideAddress(user.Email)
		return nil
	})
	if err != nil {
		return nil, err
	}
	guid := vp.guidHex
	c := UnlockCode{Purpose: CodeForQuestions, To: user.Email, Mobile: user.Mobile, Holder: user.Name, Card: guid[len(guid)-8:],
		Code: code, ValidUntil: reg.CodeExpiresAt}
	if err := s.sendCode(ctx, c); err != nil {
		s.closeRegistration(ctx, id)
		rec := s.record(ActionQuestionsRegister, m, a.WorkstationID)
		rec.SessionID, rec.CardGUID, rec.UserID = trimID(id), guid, user.ID
		return nil, s.refuse(ctx, rec, errs.New(http.StatusServiceUnavailable, api.CodeQuestionsSendFailed,
			"the confirmation code could not be sent just now: try again in a few minutes", err))
	}
	return &api.QuestionsRegistration{SentTo: hideAddress(user.Email), CodeExpiresAt: reg.CodeExpiresAt,
		CodeAttemptsLeft: s.policy.UnlockAttempts}, nil
}

// answersBudget bounds hashing and comparing answers once begun.
const answersBudget = 30 * time.Second

func tooManyQuestionCodes() error {
	return errs.New(http.StatusTooManyRequests, api.CodeQuestionsRateLimited,
		"too many confirmation codes were sent in this session: log in again later", nil)
}

// questionsCodeBinding binds a confirmation code's hash to its session and
// keeps it apart from any unlock's.
func questionsCodeBinding(sessionID string) string { return "questions " + sessionID }

// closeRegistration closes a registration whose code never left (its code
// stays counted: a session gets so many).
func (s *Service) closeRegistration(ctx context.Context, sessionID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditBudget(ctx))
	defer cancel()
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.CloseQuestionsRegistration(ctx, sessionID, s.now()) }); err != nil {
		s.log.ErrorContext(ctx, "closing a questions registration whose code was not sent", "err", err)
	}
}

// ConfirmQuestions registers the session's pending questions if the code
// is right and in time; a wrong one counts, and the last allowed wrong one
// closes the registration.
func (s *Service) ConfirmQuestions(ctx context.Context, id string, a Auth, req *api.ConfirmQuestionsRequest, m Meta) (*api.SecurityQuestions, error) {
	rec := s.record(ActionQuestionsConfirm, m, a.WorkstationID)
	rec.SessionID = trimID(id)
	var out store.SecurityQuestions
	err := s.commitKept(ctx, &rec, func(tx store.Tx) error {
		sess, err := s.authSession(ctx, tx, id, a, checkInRole)
		rec.UserID, rec.CardGUID = sess.UserID, sess.CardGUID
		if err != nil {
			return err
		}
		closed := errs.Conflict(api.CodeQuestionsClosed, "there are no questions waiting for a code: choose them again", nil)
		reg, err := tx.QuestionsRegistration(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return closed
		case err != nil:
			return err
		case reg.WrongCodes >= s.policy.UnlockAttempts || len(reg.Answers) == 0:
			return closed
		case !s.now().Before(reg.CodeExpiresAt):
			return errs.Forbidden(api.CodeQuestionsCodeExpired, "the code has expired: choose the questions again for a new one", nil)
		}
		if !hmac.Equal(s.codeHash(questionsCodeBinding(id), req.Code), reg.CodeHash) {
			wrong, err := tx.CountWrongQuestionsCode(ctx, id, s.now())
			if err != nil {
				return err
			}
			left := s.policy.UnlockAttempts - wrong
			if left <= 0 {
				return keep(errs.Conflict(api.CodeQuestionsClosed,
					"that code was wrong too many times: the questions were not registered; choose them again", nil))
			}
			e := errs.Forbidden(api.CodeQuestionsCodeWrong, fmt.Sprintf("that is not the code: %d attempts left", left), nil)
			e.AttemptsLeft = left
			return keep(e)
		}
		now := s.now()
		out = store.SecurityQuestions{UserID: sess.UserID, Answers: reg.Answers, RegisteredAt: now, UpdatedAt: now}
		rec.Detail += fmt.Sprintf(", %d security questions registered", len(reg.Answers))
		if err := tx.PutSecurityQuestions(ctx, out); err != nil {
			return err
		}
		return tx.CloseQuestionsRegistration(ctx, id, now)
	})
	if err != nil {
		return nil, err
	}
	return s.questionsView(out), nil
}

// knownQuestions refuses answers to questions not in the catalogue.
func knownQuestions(as []api.SecurityAnswer) error {
	for _, a := range as {
		if _, ok := catalogueQuestion(a.QuestionID); !ok {
			return errs.BadRequest(api.CodeQuestionUnknown, "question "+clip(a.QuestionID, 8)+" is not one of the catalogue's", nil)
		}
	}
	return nil
}

// hashAnswers hashes each normalised answer, one after another (each one
// takes its share of the hasher's slots).
func (s *Service) hashAnswers(ctx context.Context, as []api.SecurityAnswer) ([]store.SecurityAnswer, error) {
	out := make([]store.SecurityAnswer, 0, len(as))
	for _, a := range as {
		h, err := s.answers.hash(ctx, normaliseAnswer(a.Answer))
		if err != nil {
			return nil, err
		}
		out = append(out, store.SecurityAnswer{QuestionID: a.QuestionID, Hash: h})
	}
	return out, nil
}

// questionsToAsk picks the questions an unlock asks, or says why none may
// be asked: the holder registered none, or answered wrongly too often.
func (s *Service) questionsToAsk(ctx context.Context, tx store.Tx, userID string) ([]string, int, error) {
	q, err := tx.SecurityQuestions(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, 0, errs.Forbidden(api.CodeUnlockNoQuestions,
			"you have not registered security questions, so this card can only be unlocked face to face: see your Local Smartcard Administrator", nil)
	case err != nil:
		return nil, 0, err
	case q.Failures >= s.policy.UnlockAttempts:
		return nil, q.Failures, faceToFaceOnly()
	case len(q.Answers) < api.QuestionsAsked:
		return nil, 0, fmt.Errorf("user %s has %d registered answers", userID, len(q.Answers))
	}
	ids := make([]string, 0, len(q.Answers))
	for _, a := range q.Answers {
		ids = append(ids, a.QuestionID)
	}
	// The same two until they are answered right: asking again must not
	// fish for a pair someone happens to know.
	if len(q.Asked) == api.QuestionsAsked && !slices.ContainsFunc(q.Asked, func(id string) bool { return !slices.Contains(ids, id) }) {
		return q.Asked, q.Failures, nil
	}
	// A uniformly random choice (Fisher–Yates on the first QuestionsAsked).
	for i := range api.QuestionsAsked {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(len(ids)-i)))
		if err != nil {
			return nil, 0, err
		}
		k := i + int(j.Int64())
		ids[i], ids[k] = ids[k], ids[i]
	}
	asked := ids[:api.QuestionsAsked]
	slices.Sort(asked)
	if err := tx.SetQuestionsAsked(ctx, userID, asked, s.now()); err != nil {
		return nil, 0, err
	}
	return asked, q.Failures, nil
}

func faceToFaceOnly() error {
	return errs.Forbidden(api.CodeUnlockFaceToFace,
		"the security questions were answered wrongly too many times: this card can now only be unlocked face to face by your Local Smartcard Administrator", nil)
}

// questionsUnlockView is an unlock in state questions as the agent sees it.
func (s *Service) questionsUnlockView(u store.Unlock, failures int) api.Unlock {
	v := s.unlockView(u)
	for _, id := range u.QuestionIDs {
		if q, ok := catalogueQuestion(id); ok {
			v.Questions = append(v.Questions, q)
		}
	}
	v.AnswerAttemptsLeft = max(s.policy.UnlockAttempts-failures, 0)
	return v
}

// UnlockAnswers checks the answers to an unlock's questions and, if both
// are right, emails the code. The attempt is counted before the (slow)
// hashes are compared and given back when the answers are right, so
// attempts made in parallel can never try more answers than the limit;
// the comparison runs outside any transaction, holding no lock.
func (s *Service) UnlockAnswers(ctx context.Context, id string, a Auth, req *api.UnlockAnswersRequest, m Meta) (*api.Unlock, error) {
	var hashes map[string]string
	// 1. Count the attempt (audited: it counts even if what follows never runs).
	err := s.unlockCall(ctx, ActionUnlockAnswers, id, a, m, store.UnlockQuestions, func(tx store.Tx, u *store.Unlock, _ store.Card, rec *audit.Record) error {
		if !s.now().Before(u.CodeExpiresAt) {
			u.State = store.UnlockExpired
			return keep(errs.Forbidden(api.CodeUnlockCodeExpired, "the time to answer has run out: ask again", nil))
		}
		if !answersTheQuestions(req.Answers, u.QuestionIDs) {
			return errs.BadRequest(api.CodeInvalidRequest, "answers: must answer the questions this unlock asked", nil)
		}
		q, err := tx.SecurityQuestions(ctx, u.UserID)
		if err != nil {
			return err
		}
		if q.Failures >= s.policy.UnlockAttempts {
			u.State = store.UnlockVoid
			return keep(faceToFaceOnly())
		}
		if err := tx.SetQuestionFailures(ctx, u.UserID, q.Failures+1, s.now()); err != nil {
			return err
		}
		hashes = map[string]string{}
		for _, a := range q.Answers {
			hashes[a.QuestionID] = a.Hash
		}
		if slices.ContainsFunc(u.QuestionIDs, func(id string) bool { return hashes[id] == "" }) {
			// The holder registered other questions since this unlock asked.
			u.State = store.UnlockVoid
			return keep(errs.Conflict(api.CodeUnlockClosed, "the security questions changed since this unlock asked them: ask again", nil))
		}
		rec.Detail += fmt.Sprintf(", answer attempt %d of %d", q.Failures+1, s.policy.UnlockAttempts)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The attempt is counted: what follows finishes even if the caller
	// goes, so that right answers are not lost to a cancelled request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answersBudget)
	defer cancel()
	// 2. Compare, every answer, without a lock held.
	right := true
	for _, ans := range req.Answers {
		ok, err := s.answers.matches(ctx, hashes[ans.QuestionID], normaliseAnswer(ans.Answer))
		if err != nil {
			return nil, errs.Internal(err)
		}
		right = right && ok
	}
	// 3. Give the attempt back and send the code, or say how many are left.
	code, err := newUnlockCode()
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out store.Unlock
	var user store.User
	var failures int
	err = s.unlockCall(ctx, ActionUnlockAnswers, id, a, m, store.UnlockQuestions, func(tx store.Tx, u *store.Unlock, _ store.Card, rec *audit.Record) error {
		q, err := tx.SecurityQuestions(ctx, u.UserID)
		if err != nil {
			return err
		}
		if !right {
			failures = q.Failures
			if failures >= s.policy.UnlockAttempts {
				u.State = store.UnlockVoid
				return keep(faceToFaceOnly())
			}
			e := errs.Forbidden(api.CodeUnlockAnswersWrong,
				fmt.Sprintf("the answers are not the ones registered: %d attempts left", s.policy.UnlockAttempts-failures), nil)
			v := s.questionsUnlockView(*u, failures)
			e.Unlock = &v
			return keep(e)
		}
		// Right: the wrong attempts before are forgotten, and the next
		// unlock may ask another pair.
		if err := tx.SetQuestionFailures(ctx, u.UserID, 0, s.now()); err != nil {
			return err
		}
		if err := tx.SetQuestionsAsked(ctx, u.UserID, nil, s.now()); err != nil {
			return err
		}
		if user, err = tx.User(ctx, u.UserID); err != nil {
			return err
		}
		u.State, u.CodeHash, u.CodeExpiresAt = store.UnlockCodeSent, s.codeHash(u.ID, code), s.now().Add(s.policy.UnlockCodeLifetime)
		rec.Detail += ", answers right, code sent to " + hideAddress(user.Email)
		out = *u
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.UpdatedAt = s.now()
	if err := s.sendUnlockCode(ctx, out, user, code, ActionUnlockAnswers, m); err != nil {
		return nil, err
	}
	v := s.unlockView(out)
	v.SentTo = hideAddress(user.Email)
	return &v, nil
}

// answersTheQuestions reports whether as answers exactly the questions
// asked, each once.
func answersTheQuestions(as []api.SecurityAnswer, asked []string) bool {
	ids := make([]string, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.QuestionID)
	}
	slices.Sort(ids)
	want := slices.Clone(asked)
	slices.Sort(want)
	return slices.Equal(ids, want)
}

// ActionQuestionsReset is the audit action of ResetQuestionAttempts.
const ActionQuestionsReset = "questions.reset"

// ResetQuestionAttempts gives a holder their wrong-answer attempts back,
// after an administrator has seen them face to face (`identityd questions
// reset`). The questions stay registered.
func (s *Service) ResetQuestionAttempts(ctx context.Context, actor, userID, reason string) error {
	rec := s.adminRecord(ActionQuestionsReset, actor, reason)
	rec.UserID = userID
	return s.commit(ctx, &rec, func(tx store.Tx) error {
		err := tx.SetQuestionFailures(ctx, userID, 0, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return errs.New(http.StatusNotFound, api.CodeNotFound, "this user has no security questions registered", err)
		}
		return err
	})
}
