package session

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session/renewal"
	"github.com/cardagent/cardagent/session/unlock"
	"github.com/cardagent/cardagent/wording"
)

// Admin mode (docs/admin.md). An administrator logged in with their own
// card, working in an admin role (Role.Admin), services another person's
// card in a second reader. The two are told apart by which card holds the
// session, never by reader position: the session's card is a.cardIn, any
// other reader holding a card is the target. Pulling the admin's card
// locks the session as ever (and drops the target); pulling the target
// cancels what was under way on it, and identityd's recovery (the unlock's
// two PUKs) leaves nothing lost. identityd authorises every call; what the
// screens offer only follows what it said.

// Sizes of an administrator's reason (the terminal checks its flag).
const (
	MinReasonLen = api.MinReasonLen
	MaxReasonLen = api.MaxReasonLen
)

// targetCard is the card in the other reader.
type targetCard struct {
	reader string
	conn   CardConn // nil until read
	id     *cardIdentity
	view   TargetCard
}

// OpenAdmin opens admin mode from the active screen of an admin role.
func (a *Agent) OpenAdmin() {
	a.do(func() {
		if a.sess != nil && a.st.Screen == ScreenActive && a.st.Admin != nil {
			a.positions, a.position, a.audit = nil, nil, auditSearch{}
			a.showAdmin("")
		}
	})
}

// CloseAdmin goes back to the active screen; while identityd or the card
// works it cannot.
func (a *Agent) CloseAdmin() {
	a.do(func() {
		if !a.st.Screen.AdminMode() || a.st.Screen == ScreenAdminWorking {
			return
		}
		a.retry = nil
		a.newGen() // drops a pending step, if any
		a.show(ScreenActive, nil)
	})
}

// StartAdminAction asks for what action needs, if the target card is one
// this administrator may do it with.
func (a *Agent) StartAdminAction(action AdminAction) {
	a.do(func() {
		if action == AdminActionAudit {
			a.startAudit()
			return
		}
		if action.Cardless() {
			a.startPositions(action)
			return
		}
		if a.st.Screen == ScreenAdmin && slices.Contains(a.offeredActions(), action) {
			a.adminAction = action
			a.showAdminScreen(ScreenAdminForm, func(s *State) { s.TriesLeft = a.target.id.triesLeft })
		}
	})
}

// SubmitAdminForm does the form's action with the target card: the
// administrator has seen the holder (identityChecked) and typed reason;
// the holder typed their new passcode twice (first, second) or, for a
// renewal, their passcode once (first). For a cancellation identityChecked
// is the administrator's confirmation that the card goes for good, and no
// passcode is asked. The agent owns both buffers and wipes them; the
// passcode goes only to the card.
func (a *Agent) SubmitAdminForm(question uint64, identityChecked bool, reason string, first, second []byte) {
	wipe := func() { clear(first); clear(second) }
	a.post(intent{cancel: wipe, run: func() {
		defer clear(second)
		if !a.asking(ScreenAdminForm, question) || a.target == nil || a.target.conn == nil || a.ticket == nil {
			clear(first)
			return
		}
		action := a.adminAction
		msg := ""
		switch {
		case !identityChecked && action == AdminActionCancel:
			msg = wording.AdminCancelConfirmFirst
		case !identityChecked:
			msg = wording.AdminIdentityFirst
		case len([]rune(strings.TrimSpace(reason))) < api.MinReasonLen || len([]rune(reason)) > api.MaxReasonLen:
			msg = wording.AdminReasonNeeded
		case action.NewPasscode():
			msg = chosenPasscodeProblem(first, second, nil, a.st.Rule)
		case action.AsksPasscode():
			msg = ruleProblem(first, a.st.Rule)
		}
		if msg != "" {
			clear(first)
			a.showAdminScreen(ScreenAdminForm, func(s *State) { s.Message, s.TriesLeft = msg, a.target.id.triesLeft })
			return
		}
		reason = strings.TrimSpace(reason)
		switch action {
		case AdminActionUnlock:
			a.adminUnlock(reason, first)
		case AdminActionRepair, AdminActionRenew:
			a.adminRenew(reason, first, action == AdminActionRepair)
		case AdminActionCancel:
			clear(first)
			a.adminCancel(reason)
		default:
			clear(first)
		}
	}})
}

// offeredActions are what the administrator's rights allow with the
// target card as read: an active card (an RA may also cancel a locked
// one), looked up, whose holder they serve.
func (a *Agent) offeredActions() []AdminAction {
	t := a.target
	if a.st.Admin == nil || t == nil || t.conn == nil || t.id == nil || !t.view.InScope || t.view.Problem != "" {
		return nil
	}
	rights := api.AdminRole(a.st.Admin.Rights)
	if t.view.Blank {
		switch {
		case rights != api.AdminRA:
			return nil
		case !t.view.Enrolling:
			return []AdminAction{AdminActionEnrol}
		case t.view.State == string(api.CardActive): // its issue may be finished, or given up
			return []AdminAction{AdminActionEnrol, AdminActionCancel}
		}
		return nil
	}
	if t.view.State == string(api.CardLocked) && rights == api.AdminRA {
		return []AdminAction{AdminActionCancel}
	}
	if t.view.State != string(api.CardActive) {
		return nil
	}
	switch rights {
	case api.AdminLSA:
		return []AdminAction{AdminActionUnlock}
	case api.AdminRA:
		if t.view.Blocked { // a renewal needs the holder's passcode
			return []AdminAction{AdminActionUnlock, AdminActionRepair, AdminActionCancel}
		}
		return []AdminAction{AdminActionUnlock, AdminActionRepair, AdminActionRenew, AdminActionCancel}
	case api.AdminSponsor:
		if !t.view.Blocked {
			return []AdminAction{AdminActionRenew}
		}
	}
	return nil
}

// otherCardIn reacts to a card in a reader other than the session's: in
// an admin session it is the card to service.
func (a *Agent) otherCardIn(readerName string) {
	if a.sess == nil || a.st.Admin == nil || a.cardIn == "" || readerName == a.cardIn {
		return
	}
	if a.target != nil {
		// One card is serviced at a time: a third one waits until the
		// target leaves (a form filled in for one holder must never act
		// on another's card).
		a.log.Info("another card ignored while one is being serviced", "reader", readerName)
		return
	}
	a.target = &targetCard{reader: readerName, view: TargetCard{Reader: readerName}}
	a.readTarget()
}

// findTarget takes a card already in another reader as the target.
func (a *Agent) findTarget() {
	for name, in := range a.readers {
		if in && name != a.cardIn {
			a.otherCardIn(name)
			return
		}
	}
}

// targetGone reacts to the target card's removal: what was under way on it
// stops, and admin mode waits for a card again.
func (a *Agent) targetGone(readerName string) {
	if a.target == nil || a.target.reader != readerName {
		return
	}
	a.dropTarget()
	if a.st.Screen.AdminMode() && a.adminAction.Cardless() { // about a user, not the card: go on
		a.setTargetView(&a.st)
		a.publish()
		return
	}
	if a.st.Screen.AdminMode() {
		a.newGen()
		a.retry = nil
		a.showAdmin(wording.AdminCardRemoved)
	}
}

// dropTarget lets the target card go.
func (a *Agent) dropTarget() {
	if a.target != nil && a.target.conn != nil {
		a.target.conn.Close()
	}
	a.target = nil
}

func (a *Agent) showAdmin(msg string) {
	a.showAdminScreen(ScreenAdmin, func(s *State) { s.Message = msg })
}

// showAdminScreen shows an admin mode screen with the target card as it
// stands and then fn's changes.
func (a *Agent) showAdminScreen(screen Screen, fn func(s *State)) {
	if screen == ScreenAdmin {
		a.adminAction = ""
	}
	a.show(screen, func(s *State) {
		a.setTargetView(s)
		if fn != nil {
			fn(s)
		}
	})
}

// setTargetView puts the target card's picture, and what may be done
// with it, in s.
func (a *Agent) setTargetView(s *State) {
	if s.Admin == nil {
		return
	}
	v := *s.Admin
	v.Target, v.Actions, v.Action = nil, a.offeredActions(), a.adminAction
	v.Positions, v.Position, v.Audit = a.positions, a.position, a.audit.view
	if a.target != nil {
		t := a.target.view
		v.Target = &t
	}
	s.Admin = &v
}

// readTarget reads who the target card belongs to, then asks identityd
// what this administrator may see of it. Not a step of the admin's
// situation (the admin may be on the active screen): a result that finds
// another target, or none, is dropped.
func (a *Agent) readTarget() {
	t := a.target
	ticket := *a.ticket
	work := func(ctx context.Context) (openTarget, error) {
		conn, err := a.open(t.reader)
		if err != nil {
			return openTarget{}, err
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
		id, err := readIdentity(cctx, conn, a.cache, a.trace)
		cancel()
		// No login certificate, or no card id at all: a card to issue,
		// unless identityd says otherwise.
		// (A card without PIV at all is no card to issue.)
		blank := (errors.Is(err, errNoLoginCert) || errors.Is(err, piv.ErrNoGUID) || errors.Is(err, piv.ErrNotFound)) &&
			!errors.Is(err, piv.ErrNotPIV)
		if err != nil && !blank {
			conn.Close()
			return openTarget{}, err
		}
		if blank && id.guid == ([16]byte{}) {
			return openTarget{conn: conn, id: id, blank: true}, nil
		}
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		info, err := a.backend.AdminCard(bctx, ticket, id.guid[:])
		cancel()
		var ae *client.APIError
		if blank && errors.As(err, &ae) && ae.Code == api.CodeCardUnknown {
			return openTarget{conn: conn, id: id, blank: true}, nil // a factory GUID
		}
		if blank && err == nil && !info.Enrolling {
			err = errNoLoginCert // issued, yet the card lost its certificate
		}
		return openTarget{conn: conn, id: id, info: info, blank: blank}, err
	}
	a.goWork(func() {
		v, err := work(context.Background())
		a.deliver(result{always: true, apply: func() { a.targetRead(t, v, err) }, drop: func() {
			if v.conn != nil {
				v.conn.Close()
			}
		}})
	})
}

// openTarget is a target card opened, read and looked up.
type openTarget struct {
	conn  CardConn
	id    cardIdentity
	info  api.AdminCard
	blank bool // no login certificate: a card to issue (info.Enrolling: being issued)
}

func (a *Agent) targetRead(t *targetCard, v openTarget, err error) {
	if a.target != t { // pulled, replaced, or the session went meanwhile
		if v.conn != nil {
			v.conn.Close()
		}
		return
	}
	switch {
	case err == nil && v.blank:
		t.conn, t.id = v.conn, &v.id
		t.view = TargetCard{Reader: t.reader, Blank: true, Enrolling: v.info.Enrolling, InScope: true, Name: wording.AdminBlankCard}
		if v.info.Enrolling {
			t.view.GUID, t.view.State, t.view.InScope = v.info.GUID, string(v.info.State), v.info.InScope
			t.view.Name = wording.AdminEnrollingCard
			if h := v.info.Holder; h != nil {
				t.view.UUID = h.ID
			}
		}
		a.log.Info("card to issue", "reader", t.reader, "card", t.view.GUID, "enrolling", v.info.Enrolling)
	case err == nil:
		t.conn, t.id = v.conn, &v.id
		t.view = TargetCard{Reader: t.reader, GUID: v.info.GUID, State: string(v.info.State), Blocked: v.id.blocked,
			TriesLeft: v.id.triesLeft, InScope: v.info.InScope}
		if h := v.info.Holder; h != nil {
			t.view.Name, t.view.UUID, t.view.Photo = h.Name, h.ID, v.id.photo
		} else {
			t.view.Name = wording.AdminSomeoneElse // not someone this administrator serves: no name
		}
		if v.info.CertificateNotAfter != nil {
			t.view.NotAfter = *v.info.CertificateNotAfter
		}
		a.log.Info("card to service", "reader", t.reader, "card", v.info.GUID, "in_scope", v.info.InScope)
	case v.conn != nil: // read, but identityd would not say
		t.conn, t.id = v.conn, &v.id
		tr, _ := refusal(err)
		if errors.Is(err, errNoLoginCert) {
			tr, _ = CardTrouble(err)
		}
		t.view = TargetCard{Reader: t.reader, GUID: hex.EncodeToString(v.id.guid[:]), Blocked: v.id.blocked, TriesLeft: v.id.triesLeft,
			Problem: tr.Problem + " " + tr.Fix}
	default:
		if errors.Is(err, reader.ErrRemoved) || errors.Is(err, reader.ErrNoCard) {
			return // the removal event does the rest
		}
		tr, _ := CardTrouble(err)
		t.view = TargetCard{Reader: t.reader, Problem: tr.Problem + " " + tr.Fix}
	}
	if a.st.Screen == ScreenAdmin {
		a.showAdmin("")
	} else if a.st.Admin != nil {
		a.setTargetView(&a.st)
		a.publish()
	}
}

// adminUnlock opens the face-to-face unlock at identityd and runs the
// card's part on the target card.
func (a *Agent) adminUnlock(reason string, passcode []byte) {
	ctx := a.newGen()
	t, ticket := a.target, *a.ticket
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminUnlocking })
	step(a, ctx, func(ctx context.Context) (struct{}, error) {
		defer clear(passcode)
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		u, err := a.backend.AdminUnlock(bctx, ticket, t.id.guid[:], reason)
		cancel()
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, a.unlockTarget(ctx, t.conn, u, slices.Clone(passcode))
	}, func(_ struct{}, err error) {
		if err != nil {
			a.adminFailed(err)
			return
		}
		a.targetUnlocked(t)
		a.log.Info("card unlocked face to face", "card", t.view.GUID)
		a.showAdminScreen(ScreenAdminDone, func(s *State) { s.Hint = wording.AdminUnlocked })
	})
}

// unlockTarget is the card's part of face-to-face unlock u on the target
// card (unlock.OnCard); identityd is then told the card holds its new PUK
// (retried in the background). passcode is wiped.
func (a *Agent) unlockTarget(ctx context.Context, conn CardConn, u api.Unlock, passcode []byte) error {
	ut := client.UnlockTicket(u)
	cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout+2*a.cfg.BackendTimeout)
	usedPrevious, err := unlock.OnCard(cctx, conn, a.backend, ut, passcode, unlock.Options{Trace: a.trace})
	cancel()
	if err == nil {
		a.reportInOrder(unlockCompleteFor, func(ctx context.Context) {
			a.backendRetry(ctx, "the face-to-face unlock's completion", func(ctx context.Context) error {
				_, err := a.backend.CompleteUnlock(ctx, ut, usedPrevious)
				return err
			})
		})
	}
	return err
}

// targetUnlocked: the target card's passcode was just set.
func (a *Agent) targetUnlocked(t *targetCard) {
	if a.target == t && t.id != nil {
		t.id.blocked, t.id.triesLeft = false, a.passcodeRetries()
		t.view.Blocked, t.view.TriesLeft = false, t.id.triesLeft
	}
}

// adminRenew opens an RA's or sponsor's renewal (with repair, an RA's
// repair) at identityd; for a repair the target card first takes the new
// passcode as in a face-to-face unlock, then, as in a self-renewal
// (session/renewal), its new keys and certificates. Pulled on the way, the
// card keeps what it had or finishes at its holder's next login, and the
// next renewal begun here starts afresh.
func (a *Agent) adminRenew(reason string, passcode []byte, repair bool) {
	ctx := a.newGen()
	gen := a.gen
	t, ticket := a.target, *a.ticket
	conn, guid := t.conn, t.id.guid
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminRenewing })
	progress := func(st renewal.Step) {
		a.do(func() {
			if a.gen == gen && a.st.Screen == ScreenAdminWorking {
				a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminRenewStep(int(st)) })
			}
		})
	}
	unlocked := false
	step(a, ctx, func(ctx context.Context) (api.Renewal, error) {
		defer clear(passcode)
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		ar, err := a.backend.AdminRenewal(bctx, ticket, guid[:], reason, repair)
		cancel()
		if err != nil {
			return api.Renewal{}, err
		}
		if ar.Unlock != nil {
			if err := a.unlockTarget(ctx, conn, *ar.Unlock, slices.Clone(passcode)); err != nil {
				return api.Renewal{}, err
			}
			unlocked = true
		}
		rctx, cancel := context.WithTimeout(ctx, renewalTimeout)
		defer cancel()
		return renewal.Run(rctx, conn, guid, a.backend, ar.Renewal, slices.Clone(passcode),
			renewal.Options{CallTimeout: a.cfg.BackendTimeout, Trace: a.trace, Progress: progress})
	}, func(r api.Renewal, err error) {
		if unlocked {
			a.targetUnlocked(t)
		}
		var auth piv.AuthError
		isAuth := errors.As(err, &auth)
		if isAuth && a.target == t && t.id != nil {
			t.id.triesLeft, t.view.TriesLeft = auth.Retries, auth.Retries
			t.id.blocked, t.view.Blocked = auth.Blocked, auth.Blocked
		}
		switch {
		case err == nil:
		case isAuth && !auth.Blocked && !repair:
			// The holder mistyped their passcode: nothing changed on the card.
			a.showAdminScreen(ScreenAdminForm, func(s *State) { s.TriesLeft, s.Message = auth.Retries, wording.WrongPasscode(auth.Retries) })
			return
		case unlocked:
			// The new passcode is set; the keys and certificates are not.
			a.log.Warn("repair did not finish after the new passcode", "err", err)
			a.retry = func() { a.showAdmin("") }
			a.showAdminScreen(ScreenAdminFailed, func(s *State) { trouble(s, wording.AdminRepairHalfDone); s.Retryable = true })
			return
		default:
			a.adminFailed(err)
			return
		}
		until := a.targetRenewed(t, r)
		a.log.Info("card renewed face to face", "card", t.view.GUID, "repair", repair, "not_after", until)
		hint := wording.AdminRenewed(until.Local().Format("2 January 2006"))
		if repair {
			hint = wording.AdminRepaired(until.Local().Format("2 January 2006"))
		}
		a.showAdminScreen(ScreenAdminDone, func(s *State) { s.Hint = hint })
	})
}

// targetRenewed takes the target card's new login certificate from
// completed renewal r (into the certificate cache too) and returns its
// expiry.
func (a *Agent) targetRenewed(t *targetCard, r api.Renewal) time.Time {
	if r.Certificates == nil {
		return time.Time{}
	}
	der, err := base64.StdEncoding.DecodeString(r.Certificates.Authentication)
	if err != nil {
		return time.Time{}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return time.Time{}
	}
	if t.id != nil {
		a.cache.putCert(t.id.guid, der)
		if a.target == t {
			t.id.cert, t.view.NotAfter = cert, cert.NotAfter
		}
	}
	return cert.NotAfter
}

// adminCancel cancels the target card for good at identityd; the card
// itself is not touched (a lost one is cancelled the same way, by GUID).
func (a *Agent) adminCancel(reason string) {
	ctx := a.newGen()
	t, ticket := a.target, *a.ticket
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminCancelling })
	step(a, ctx, func(ctx context.Context) (api.AdminCard, error) {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.AdminCancel(ctx, ticket, t.id.guid[:], reason)
	}, func(c api.AdminCard, err error) {
		if err != nil {
			a.adminFailed(err)
			return
		}
		if a.target == t {
			t.view.State = string(c.State)
		}
		a.log.Info("card cancelled", "card", t.view.GUID)
		a.showAdminScreen(ScreenAdminDone, func(s *State) { s.Hint = wording.AdminCancelled })
	})
}

// adminFailed says why an admin action did not happen.
func (a *Agent) adminFailed(err error) {
	a.log.Warn("admin action did not finish", "action", string(a.adminAction), "err", err)
	t, retryable := adminTrouble(err, a.adminAction)
	a.retry = nil
	if retryable {
		a.retry = func() { a.showAdmin("") }
	}
	a.showAdminScreen(ScreenAdminFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

// adminTrouble words a failed admin action.
func adminTrouble(err error, action AdminAction) (wording.Trouble, bool) {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case api.CodeAdminNotAuthorised:
			return wording.AdminNotAuthorised, false
		case api.CodeAdminOutOfScope:
			return wording.AdminOutOfScope, false
		case api.CodeAdminOwnCard:
			return wording.AdminOwnCard, false
		case api.CodeRenewalRefused:
			return wording.Trouble{Problem: wording.AdminRenewalRefused, Fix: wording.AdminRenewalRefusal(string(ae.RenewalRefusal))}, false
		}
	}
	var auth piv.AuthError
	if action == AdminActionRenew && errors.As(err, &auth) && auth.Blocked {
		return wording.AdminTargetBlocked, false
	}
	if action == AdminActionUnlock || errors.As(err, &ae) && strings.HasPrefix(string(ae.Code), "unlock_") {
		return unlockTrouble(err)
	}
	return renewalTrouble(err)
}

// adminView is the admin picture of the session's role, or nil for a role
// without admin rights.
func adminView(role api.Role, readerName string) *AdminView {
	if role.Admin == "" {
		return nil
	}
	return &AdminView{Role: role.Name + " at " + role.OrganisationName, Rights: string(role.Admin), Reader: readerName,
		ManagesPositions: role.Admin == api.AdminRA || role.Admin == api.AdminSponsor, SearchesAudit: role.Admin == api.AdminRA}
}
