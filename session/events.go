package session

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cardagent/cardagent/reader"
)

// onReaderEvent keeps the reader picture and reacts to our card coming and
// going. A removal is handled before anything else and never waits for the
// network.
func (a *Agent) onReaderEvent(e reader.Event) {
	switch e.Kind {
	case reader.ServiceLost:
		a.readers = map[string]bool{}
		if a.cardIn != "" {
			a.cardGone()
		}
		a.show(ScreenNoService, func(s *State) { s.Problem, s.Fix, s.Reader, s.Card = msgNoService, fixNoService, "", nil })
	case reader.ServiceBack:
		a.showWaiting()
	case reader.ReaderAdded:
		a.readers[e.Reader] = false
		if a.cardIn == "" && a.st.Screen != ScreenLocked {
			a.showWaiting()
		}
	case reader.ReaderRemoved:
		delete(a.readers, e.Reader)
		if e.Reader == a.cardIn {
			a.cardGone()
		}
		if a.cardIn == "" && a.st.Screen != ScreenLocked {
			a.showWaiting()
		}
	case reader.CardInserted:
		a.readers[e.Reader] = true
		if a.cardIn == "" && e.Reader == a.pickReader() {
			a.startCard(e.Reader, e.Mute)
		}
	case reader.CardRemoved:
		a.readers[e.Reader] = false
		if e.Reader == a.cardIn {
			a.cardGone()
			if next := a.pickReader(); next != "" && a.readers[next] {
				a.startCard(next, false)
			}
		}
	}
}

// pickReader chooses the reader to work with: the preferred one if it is
// connected, else the first (by name) holding a card, else the first.
func (a *Agent) pickReader() string {
	names := make([]string, 0, len(a.readers))
	for n := range a.readers {
		names = append(names, n)
	}
	slices.Sort(names)
	if p := a.cfg.ReaderPrefer; p != "" {
		for _, n := range names {
			if strings.Contains(n, p) {
				return n
			}
		}
	}
	for _, n := range names {
		if a.readers[n] {
			return n
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

// showWaiting shows what the user must do when no card is in use.
func (a *Agent) showWaiting() {
	r := a.pickReader()
	switch {
	case r == "":
		a.show(ScreenNoReader, func(s *State) { s.Problem, s.Fix, s.Reader, s.Card = msgNoReader, fixNoReader, "", nil })
	case a.readers[r]:
		a.startCard(r, false)
	default:
		a.show(ScreenInsertCard, func(s *State) { s.Reader, s.Card = r, nil })
	}
}

// notice is what the passcode prompt says after the card is read again.
type notice struct{ message, hint string }

// startCard reads who the card in readerName belongs to.
func (a *Agent) startCard(readerName string, mute bool) {
	a.readCard(readerName, mute, notice{})
}

// restartCard reads the card in use again after its session was locked or
// ended with the card still in. (The card holds no verified passcode: the
// login dropped it before its transaction ended, and closing resets it.)
func (a *Agent) restartCard(n notice) {
	readerName := a.cardIn
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
	if readerName == "" {
		a.showWaiting()
		return
	}
	a.readCard(readerName, false, n)
}

func (a *Agent) readCard(readerName string, mute bool, n notice) {
	a.fetchPolicy() // if the start-up fetch failed
	ctx := a.newGen()
	a.cardIn = readerName
	a.id = nil
	clearPrevious := func(s *State) { // nothing of the previous user stays in the State
		s.Reader, s.Card, s.Active, s.Expiry = readerName, nil, nil, nil
	}
	if mute {
		a.show(ScreenCardProblem, func(s *State) { clearPrevious(s); s.Problem, s.Fix = msgMute, fixMute })
		return
	}
	a.show(ScreenReadingCard, clearPrevious)
	a.jobOwning(ctx, func(ctx context.Context) (func(), func()) {
		conn, err := a.open(readerName)
		if err != nil {
			return func() { a.cardFailed(err) }, nil
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
		id, err := readIdentity(cctx, conn, a.cache, a.trace)
		cancel()
		if err != nil {
			conn.Close()
			return func() { a.cardFailed(err) }, nil
		}
		return func() { a.cardRead(conn, id, n) }, func() { conn.Close() }
	})
}

func (a *Agent) cardFailed(err error) {
	if err == nil || errors.Is(err, reader.ErrRemoved) || errors.Is(err, reader.ErrNoCard) || errors.Is(err, context.Canceled) {
		return // the removal event does the rest
	}
	a.log.Info("card unusable", "reader", a.cardIn, "err", err)
	problem, fix, retryable := cardProblem(err)
	readerName := a.cardIn
	a.retry = nil
	if retryable {
		a.retry = func() {
			if a.cardIn == readerName {
				a.startCard(readerName, false)
			}
		}
	}
	a.show(ScreenCardProblem, func(s *State) { s.Problem, s.Fix, s.Retryable = problem, fix, retryable })
}

// cardRead shows the passcode prompt (or the locked-card screen). A
// session parked for another card stays parked: it ends only when someone
// else actually logs in (an LSA's second card must not end it).
func (a *Agent) cardRead(conn CardConn, id cardIdentity, n notice) {
	a.conn = conn
	a.id = &id
	verified := false
	if ca := a.backend.CA(); ca != nil {
		if err := id.issuedBy(ca); err != nil {
			a.log.Warn("card not issued by the backend's CA: no passcode asked", "reader", a.cardIn, "err", err)
			a.show(ScreenCardProblem, func(s *State) { s.Card, s.Problem, s.Fix = id.holder(false), msgForeignCard, fixForeignCard })
			return
		}
		verified = true
	}
	holder := id.holder(verified)
	if id.blocked {
		a.show(ScreenBlocked, func(s *State) { s.Card, s.TriesLeft, s.Problem, s.Fix = holder, 0, msgBlocked, fixBlocked })
		return
	}
	a.show(ScreenPasscode, func(s *State) {
		s.Card, s.TriesLeft, s.Message = holder, id.triesLeft, n.message
		switch {
		case n.hint != "":
			s.Hint = n.hint
		case a.parked != nil && a.parked.guid == id.guid:
			s.Hint = "Your session is locked. Enter your passcode to continue."
			s.Active, s.Expiry = a.parked.active, a.parked.expiry
		case a.cfg.Demo:
			s.Hint = a.cfg.DemoHint
		}
	})
}

// cardGone handles our card leaving: lock first, then tell the backend in
// the background (end, or suspend in Session Lock Persistence mode).
func (a *Agent) cardGone() {
	a.newGen() // cancels whatever the card was doing
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
	a.cardIn, a.id, a.retry = "", nil, nil
	if a.sess == nil {
		if p := a.parked; p != nil {
			a.show(ScreenLocked, func(s *State) { s.Message, s.Card, s.Active, s.Expiry = "", nil, p.active, p.expiry })
			return
		}
		a.show(ScreenInsertCard, func(s *State) { s.Card, s.Message, s.Active, s.Expiry = nil, "", nil, nil })
		return
	}
	a.lockSession()
}

// lockSession locks the screen at once and then ends or parks the session.
func (a *Agent) lockSession() {
	active := a.st.Active
	persist := a.mode() == ModeSLP && a.sess.RoleID != "" && active != nil
	a.log.Info("session locked", "mode", string(a.mode()), "suspend", persist, "role_chosen", a.sess.RoleID != "")
	if active != nil {
		locked := *active
		locked.Suspended = persist
		active = &locked
	}
	a.show(ScreenLocked, func(s *State) {
		s.Active, s.Message = active, ""
		if !persist {
			s.Expiry = nil // a new login will say it again; a resume keeps it
		}
	})
	if persist {
		a.deleteTicket()
		a.park()
	} else {
		a.endSession()
	}
}
