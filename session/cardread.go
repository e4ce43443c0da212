package session

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/wording"
)

// Card reading: reader events, which reader to use, reading who a card
// belongs to, and the passcode prompt (or why there is none).

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
		a.show(ScreenNoService, func(s *State) { trouble(s, wording.NoService); s.Reader, s.Card = "", nil })
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
		switch {
		case a.cardIn == "" && e.Reader == a.pickReader():
			a.startCard(e.Reader, e.Mute)
		case a.cardIn != "" && e.Reader != a.cardIn:
			a.otherCardIn(e.Reader) // admin mode's card to service
		}
	case reader.CardRemoved:
		a.readers[e.Reader] = false
		a.targetGone(e.Reader)
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
		a.show(ScreenNoReader, func(s *State) { trouble(s, wording.NoReader); s.Reader, s.Card = "", nil })
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
		a.show(ScreenCardProblem, func(s *State) { clearPrevious(s); trouble(s, wording.CardMute) })
		return
	}
	a.show(ScreenReadingCard, clearPrevious)
	stepOwning(a, ctx, func(ctx context.Context) (openCard, error) {
		conn, err := a.open(readerName)
		if err != nil {
			return openCard{}, err
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
		defer cancel()
		id, err := readIdentity(cctx, conn, a.cache, a.trace)
		if err != nil {
			conn.Close()
			return openCard{}, err
		}
		return openCard{conn, id}, nil
	}, func(c openCard, err error) {
		if err != nil {
			a.cardFailed(err)
			return
		}
		a.cardRead(c.conn, c.id, n)
	}, func(c openCard) { c.conn.Close() })
}

// openCard is a card opened and read, on its way to the loop.
type openCard struct {
	conn CardConn
	id   cardIdentity
}

func (a *Agent) cardFailed(err error) {
	if err == nil || errors.Is(err, reader.ErrRemoved) || errors.Is(err, reader.ErrNoCard) || errors.Is(err, context.Canceled) {
		return // the removal event does the rest
	}
	a.log.Info("card unusable", "reader", a.cardIn, "err", err)
	t, retryable := CardTrouble(err)
	readerName := a.cardIn
	a.retry = nil
	if retryable {
		a.retry = func() {
			if a.cardIn == readerName {
				a.startCard(readerName, false)
			}
		}
	}
	a.show(ScreenCardProblem, func(s *State) { trouble(s, t); s.Retryable = retryable })
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
			a.foreignCard(err)
			return
		}
		verified = true
	}
	holder := id.holder(verified)
	if id.blocked {
		a.show(ScreenBlocked, func(s *State) { s.Card, s.TriesLeft = holder, 0; trouble(s, wording.Blocked) })
		return
	}
	a.show(ScreenPasscode, func(s *State) {
		s.Card, s.TriesLeft, s.Message = holder, id.triesLeft, n.message
		switch {
		case n.hint != "":
			s.Hint = n.hint
		case a.parked != nil && a.parked.guid == id.guid:
			s.Hint = wording.SessionLocked
			s.Active, s.Expiry = a.parked.active, a.parked.expiry
		case a.cfg.Demo:
			s.Hint = a.cfg.DemoHint
		}
	})
}

// checkCardLate checks a card shown as unverified once the backend's CA is
// known (the backend answered for the first time): the same question, now
// with the holder's name — or no question at all for a card not its own.
func (a *Agent) checkCardLate() {
	ca := a.backend.CA()
	if ca == nil || a.id == nil || a.st.Card == nil || a.st.Card.Verified || (a.st.Screen != ScreenPasscode && a.st.Screen != ScreenBlocked) {
		return
	}
	if err := a.id.issuedBy(ca); err != nil {
		a.foreignCard(err)
		return
	}
	a.st.Card = a.id.holder(true)
	a.publish()
}

// foreignCard refuses the card in use, whose certificate the backend's CA
// did not sign: no passcode is asked and no name shown.
func (a *Agent) foreignCard(err error) {
	a.log.Warn("card not issued by the backend's CA: no passcode asked", "reader", a.cardIn, "err", err)
	a.show(ScreenCardProblem, func(s *State) { s.Card = a.id.holder(false); trouble(s, wording.ForeignCard) })
}
