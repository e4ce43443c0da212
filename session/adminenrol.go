package session

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session/enrolment"
	"github.com/cardagent/cardagent/session/renewal"
	"github.com/cardagent/cardagent/wording"
)

// Issuing a factory-fresh card (docs/admin.md): an RA has the card in the
// second reader, types the holder's UUID, and the holder types their new
// passcode twice. identityd assigns the card; the card takes its identity,
// management key, PUK and passcode (session/enrolment), then its keys and
// certificates as in a renewal (session/renewal). A card pulled half-way
// carries the GUID identityd knows it by and is finished from there.

// SubmitEnrolForm issues the blank target card to user userID (ignored when
// the card's unfinished issue already names its holder): the RA has seen
// them (identityChecked) and typed reason; the holder typed their new
// passcode twice (first, second). The agent owns both buffers and wipes
// them; the passcode goes only to the card.
func (a *Agent) SubmitEnrolForm(question uint64, userID string, identityChecked bool, reason string, first, second []byte) {
	wipe := func() { clear(first); clear(second) }
	a.post(intent{cancel: wipe, run: func() {
		defer clear(second)
		t := a.target
		if !a.asking(ScreenAdminForm, question) || a.adminAction != AdminActionEnrol || t == nil || t.conn == nil || a.ticket == nil {
			clear(first)
			return
		}
		userID = strings.TrimSpace(userID)
		msg := ""
		if t.view.Enrolling && t.view.UUID != "" {
			if userID != "" && userID != t.view.UUID { // typed for someone else: say so, never swap
				msg = wording.AdminEnrollingFor(t.view.UUID)
			}
			userID = t.view.UUID
		}
		switch {
		case msg != "":
		case !api.ValidUserID(userID):
			msg = wording.AdminUserIDNeeded
		case !identityChecked:
			msg = wording.AdminIdentityFirst
		case len([]rune(strings.TrimSpace(reason))) < api.MinReasonLen || len([]rune(reason)) > api.MaxReasonLen:
			msg = wording.AdminReasonNeeded
		default:
			msg = chosenPasscodeProblem(first, second, nil, a.st.Rule)
		}
		if msg != "" {
			clear(first)
			a.showAdminScreen(ScreenAdminForm, func(s *State) { s.Message = msg })
			return
		}
		a.adminEnrol(userID, strings.TrimSpace(reason), first)
	}})
}

// issued is how far an issue got: the enrolment identityd made and, once
// the card work finished, its renewal.
type issued struct {
	enrolment *api.AdminEnrolment
	renewal   api.Renewal
}

// adminEnrol issues the target card to userID with passcode (wiped).
func (a *Agent) adminEnrol(userID, reason string, passcode []byte) {
	ctx := a.newGen()
	gen := a.gen
	t, ticket := a.target, *a.ticket
	conn := t.conn
	var goingOn []byte
	if t.view.Enrolling {
		g := t.id.guid
		goingOn = g[:]
	}
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminEnrolling })
	progress := func(st renewal.Step) {
		a.do(func() {
			if a.gen == gen && a.st.Screen == ScreenAdminWorking {
				a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminRenewStep(int(st)) })
			}
		})
	}
	step(a, ctx, func(ctx context.Context) (issued, error) {
		defer clear(passcode)
		if goingOn == nil { // nothing asked of identityd for a card that cannot be issued
			cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
			err := enrolment.Check(cctx, conn, enrolment.Options{Trace: a.trace})
			cancel()
			if err != nil {
				return issued{}, err
			}
		}
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		e, err := a.backend.AdminEnrol(bctx, ticket, userID, goingOn, reason)
		cancel()
		if err != nil {
			return issued{}, err
		}
		out := issued{enrolment: &e}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
		guid, err := enrolment.Personalise(cctx, conn, &e, slices.Clone(passcode), enrolment.Options{Trace: a.trace})
		cancel()
		if errors.Is(err, enrolment.ErrNotFactoryFresh) || errors.Is(err, enrolment.ErrBadEnrolment) || errors.Is(err, piv.ErrNotPIV) {
			return issued{}, err // the card took nothing: it is not known by the enrolment's GUID
		}
		if err != nil {
			return out, err
		}
		rctx, cancel := context.WithTimeout(ctx, renewalTimeout)
		defer cancel()
		out.renewal, err = renewal.Run(rctx, conn, guid, a.backend, e.Renewal, slices.Clone(passcode),
			renewal.Options{CallTimeout: a.cfg.BackendTimeout, Trace: a.trace, Progress: progress})
		return out, err
	}, func(v issued, err error) {
		if v.enrolment != nil {
			a.targetEnrolling(t, v.enrolment)
		}
		if err != nil {
			a.enrolFailed(err, v.enrolment != nil)
			return
		}
		if a.target == t {
			t.view.Blank, t.view.Enrolling, t.view.State = false, false, string(api.CardActive)
			t.view.Name = v.enrolment.Holder.Name
		}
		a.targetUnlocked(t) // its passcode was just set
		until := a.targetRenewed(t, v.renewal)
		a.log.Info("card issued", "card", v.enrolment.CardGUID, "holder", v.enrolment.Holder.ID, "not_after", until)
		a.showAdminScreen(ScreenAdminDone, func(s *State) {
			s.Hint = wording.AdminEnrolled(v.enrolment.Holder.Name, until.Local().Format("2 January 2006"))
		})
	})
}

// targetEnrolling takes the identity identityd gave the target card: what
// it is known by from now on, even if the card work stopped half-way.
func (a *Agent) targetEnrolling(t *targetCard, e *api.AdminEnrolment) {
	g, err := api.ParseCardGUID(e.CardGUID)
	if err != nil || a.target != t || t.id == nil {
		return
	}
	copy(t.id.guid[:], g)
	t.view.GUID, t.view.UUID, t.view.Enrolling, t.view.State = e.CardGUID, e.Holder.ID, true, string(api.CardActive)
	t.view.Name = wording.AdminEnrollingCard
}

// enrolFailed says why the card was not issued; begun says identityd had
// assigned it, so trying again finishes the same card.
func (a *Agent) enrolFailed(err error, begun bool) {
	a.log.Warn("card issue did not finish", "begun", begun, "err", err)
	t, retryable := enrolTrouble(err)
	if begun && retryable {
		t.Fix = wording.AdminEnrolHalfDone.Problem + " " + wording.AdminEnrolHalfDone.Fix
	}
	a.retry = nil
	if retryable {
		a.retry = func() { a.showAdmin("") }
	}
	a.showAdminScreen(ScreenAdminFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

// enrolTrouble words a failed issue.
func enrolTrouble(err error) (wording.Trouble, bool) {
	var ae *client.APIError
	switch {
	case errors.Is(err, piv.ErrNotPIV):
		return wording.AdminNotPIV, false
	case errors.Is(err, enrolment.ErrNotFactoryFresh):
		return wording.AdminNotFactoryFresh, false
	case errors.Is(err, enrolment.ErrPUKUnknown):
		return wording.AdminPUKUnknown, false
	case errors.As(err, &ae) && ae.Code == api.CodeUserUnknown:
		return wording.AdminUserUnknown, false
	case errors.As(err, &ae) && ae.Code == api.CodeCardEnrolled:
		return wording.AdminCardEnrolled, false
	}
	return adminTrouble(err, AdminActionEnrol)
}
