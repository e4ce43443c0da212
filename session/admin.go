package session

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
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

// StartAdminUnlock asks for what a face-to-face unlock needs.
func (a *Agent) StartAdminUnlock() {
	a.do(func() {
		if a.st.Screen == ScreenAdmin && a.target != nil && a.target.view.InScope && a.target.conn != nil {
			a.show(ScreenAdminUnlock, nil)
		}
	})
}

// SubmitAdminUnlock unlocks the target card face to face: the
// administrator has seen the holder (identityChecked) and typed reason;
// the holder typed the new passcode twice. The agent owns both buffers and
// wipes them; the passcode goes only to the card.
func (a *Agent) SubmitAdminUnlock(question uint64, identityChecked bool, reason string, next, again []byte) {
	wipe := func() { clear(next); clear(again) }
	a.post(intent{cancel: wipe, run: func() {
		defer clear(again)
		if !a.asking(ScreenAdminUnlock, question) || a.target == nil || a.target.conn == nil || a.ticket == nil {
			clear(next)
			return
		}
		msg := ""
		switch {
		case !identityChecked:
			msg = wording.AdminIdentityFirst
		case len([]rune(strings.TrimSpace(reason))) < api.MinReasonLen || len([]rune(reason)) > api.MaxReasonLen:
			msg = wording.AdminReasonNeeded
		default:
			msg = chosenPasscodeProblem(next, again, nil, a.st.Rule)
		}
		if msg != "" {
			clear(next)
			a.show(ScreenAdminUnlock, func(s *State) { s.Message = msg })
			return
		}
		a.adminUnlock(strings.TrimSpace(reason), next)
	}})
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
	a.show(ScreenAdmin, func(s *State) { s.Message = msg; a.setTargetView(s) })
}

// setTargetView puts the target card's picture in s.
func (a *Agent) setTargetView(s *State) {
	if s.Admin == nil {
		return
	}
	v := *s.Admin
	v.Target = nil
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
		if err != nil {
			conn.Close()
			return openTarget{}, err
		}
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		info, err := a.backend.AdminCard(bctx, ticket, id.guid[:])
		cancel()
		return openTarget{conn: conn, id: id, info: info}, err
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
	conn CardConn
	id   cardIdentity
	info api.AdminCard
}

func (a *Agent) targetRead(t *targetCard, v openTarget, err error) {
	if a.target != t { // pulled, replaced, or the session went meanwhile
		if v.conn != nil {
			v.conn.Close()
		}
		return
	}
	switch {
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
// card's part on the target card (unlock.OnCard), then tells identityd the
// card holds its new PUK (retried in the background).
func (a *Agent) adminUnlock(reason string, passcode []byte) {
	ctx := a.newGen()
	t, ticket := a.target, *a.ticket
	conn := t.conn
	a.show(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminUnlocking })
	step(a, ctx, func(ctx context.Context) (struct{}, error) {
		defer clear(passcode)
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		u, err := a.backend.AdminUnlock(bctx, ticket, t.id.guid[:], reason)
		cancel()
		if err != nil {
			return struct{}{}, err
		}
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
		return struct{}{}, err
	}, func(_ struct{}, err error) {
		if err != nil {
			a.adminFailed(err)
			return
		}
		if a.target == t && t.id != nil {
			t.id.blocked, t.id.triesLeft = false, a.passcodeRetries()
			t.view.Blocked, t.view.TriesLeft = false, t.id.triesLeft
		}
		a.log.Info("card unlocked face to face", "card", t.view.GUID)
		a.show(ScreenAdminDone, func(s *State) { s.Hint = wording.AdminUnlocked; a.setTargetView(s) })
	})
}

// adminFailed says why an admin action did not happen.
func (a *Agent) adminFailed(err error) {
	a.log.Warn("admin action did not finish", "err", err)
	t, retryable := adminTrouble(err)
	a.retry = nil
	if retryable {
		a.retry = func() { a.showAdmin("") }
	}
	a.show(ScreenAdminFailed, func(s *State) { trouble(s, t); s.Retryable = retryable; a.setTargetView(s) })
}

// adminTrouble words a failed admin action.
func adminTrouble(err error) (wording.Trouble, bool) {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case api.CodeAdminNotAuthorised:
			return wording.AdminNotAuthorised, false
		case api.CodeAdminOutOfScope:
			return wording.AdminOutOfScope, false
		case api.CodeAdminOwnCard:
			return wording.AdminOwnCard, false
		}
	}
	return unlockTrouble(err)
}

// adminView is the admin picture of the session's role, or nil for a role
// without admin rights.
func adminView(role api.Role, readerName string) *AdminView {
	if role.Admin == "" {
		return nil
	}
	return &AdminView{Role: role.Name + " at " + role.OrganisationName, Rights: string(role.Admin), Reader: readerName}
}
