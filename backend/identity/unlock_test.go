package identity_test

import (
	"context"
	"crypto/aes"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
)

// mailbox is a CodeSender that keeps what it was given (the real SMTP path
// is tested in backend/mail and end to end).
type mailbox struct {
	mu   sync.Mutex
	got  []identity.UnlockCode
	fail error
}

func (m *mailbox) SendUnlockCode(_ context.Context, c identity.UnlockCode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.got = append(m.got, c)
	return nil
}

func (m *mailbox) last(t testing.TB) identity.UnlockCode {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.got) == 0 {
		t.Fatal("no unlock code was sent")
	}
	return m.got[len(m.got)-1]
}

// mutualCard plays a card's side of the mutual 9B authentication with its
// management key (what a real card does inside GENERAL AUTHENTICATE).
type mutualCard struct {
	key, witness []byte
}

func (c *mutualCard) begin(t *testing.T) []byte {
	t.Helper()
	b, _ := aes.NewCipher(c.key)
	c.witness = make([]byte, 16)
	copy(c.witness, "a fresh witness!")
	out := make([]byte, 16)
	b.Encrypt(out, c.witness)
	return out
}

func (c *mutualCard) finish(t *testing.T, witness, challenge []byte) []byte {
	t.Helper()
	if string(witness) != string(c.witness) {
		t.Fatalf("identityd opened the witness as %x", witness)
	}
	b, _ := aes.NewCipher(c.key)
	out := make([]byte, 16)
	b.Encrypt(out, challenge)
	return out
}

func startUnlock(t *testing.T, db string, box *mailbox, configure func(*config.Config)) *world {
	t.Helper()
	return startWithOptions(t, db, testenvOptions(box, configure))
}

func testenvOptions(box *mailbox, configure func(*config.Config)) testenv.Options {
	return testenv.Options{Codes: box, Configure: configure}
}

// lastCode is the newest code sent.
func (m *mailbox) lastCode() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.got[len(m.got)-1].Code
}

// TestUnlock: the whole exchange on both stores; the code is emailed to
// the holder's address and never comes back in an answer; the PUK released
// is the card's; the new one becomes current at completion, and a later
// unlock offers it as the PUK.
func TestUnlock(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		box := &mailbox{}
		w := startUnlock(t, db, box, nil)
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")
		key, err := w.env.Svc.MgmtKey(ctx, w.ada.GUID)
		if err != nil {
			t.Fatal(err)
		}
		card := &mutualCard{key: key}

		first := unlockToPUK(t, w, cl, box, card)
		if len(first.PUK) != 8 || len(first.NewPUK) != 8 || first.PUK == first.NewPUK || first.PreviousPUK != "" {
			t.Fatalf("released %+v", first)
		}
		// Stopped here (card pulled): the next unlock offers both PUKs and
		// keeps the same new one to set.
		again := unlockToPUK(t, w, cl, box, card)
		if again.PUK != first.PUK || again.PreviousPUK != first.NewPUK || again.NewPUK != first.NewPUK {
			t.Fatalf("after an unfinished unlock: %+v, first %+v", again, first)
		}
		u, err := cl.CompleteUnlock(ctx, lastTicket, false)
		if err != nil || u.State != api.UnlockStateCompleted {
			t.Fatalf("complete: %+v, %v", u, err)
		}
		third := unlockToPUK(t, w, cl, box, card)
		if third.PUK != first.NewPUK || third.PreviousPUK != "" || third.NewPUK == first.NewPUK {
			t.Fatalf("after completion the new PUK is not current: %+v", third)
		}
		for _, r := range auditRecords(t, w.env.Store) {
			for _, p := range []string{first.PUK, first.NewPUK, third.NewPUK} {
				if strings.Contains(r.Detail, p) {
					t.Fatalf("a PUK is in the audit trail: %+v", r)
				}
			}
		}
		verifyAudit(t, w)
	})
}

// lastTicket is the ticket of the unlock unlockToPUK drove last.
var lastTicket client.Ticket

// unlockToPUK requests an unlock for Ada's card, sends the emailed code
// and proves the card, returning the PUKs.
func unlockToPUK(t *testing.T, w *world, cl *client.Client, box *mailbox, card *mutualCard) api.UnlockPUK {
	t.Helper()
	ctx := context.Background()
	u, err := cl.RequestUnlock(ctx, w.ada.GUID)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	mail := box.last(t)
	if mail.To != "ada.demo@nhs.net" || u.SentTo != "a•••@nhs.net" || u.State != api.UnlockStateCodeSent || u.CodeAttemptsLeft != 3 ||
		!strings.HasSuffix(api.FormatCardGUID(w.ada.GUID), mail.Card) || mail.ValidUntil.Sub(w.clock.Now()) > 15*time.Minute {
		t.Fatalf("request %+v, mail to %s for card %s until %v", u, mail.To, mail.Card, mail.ValidUntil)
	}
	tk := client.UnlockTicket(u)
	lastTicket = tk
	if u, err = cl.UnlockCode(ctx, tk, mail.Code); err != nil || u.State != api.UnlockStateCodeAccepted || u.Token != "" {
		t.Fatalf("code: %+v, %v", u, err)
	}
	witness, challenge, err := cl.UnlockWitness(ctx, tk, card.begin(t))
	if err != nil {
		t.Fatalf("witness: %v", err)
	}
	p, err := cl.UnlockPUK(ctx, tk, card.finish(t, witness, challenge))
	if err != nil {
		t.Fatalf("puk: %v", err)
	}
	return p
}

// TestUnlockRefusals: each refusal is a clear code, an audit record and
// no PUK.
func TestUnlockRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		box := &mailbox{}
		w := startUnlock(t, db, box, func(c *config.Config) { c.Policy.UnlockPerCardPerHour, c.Policy.UnlockPerAddressPerHour = 100, 100 })
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")
		request := func() client.Ticket {
			t.Helper()
			u, err := cl.RequestUnlock(ctx, w.ada.GUID)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			return client.UnlockTicket(u)
		}
		audited := func(code api.ErrorCode) {
			t.Helper()
			if rec := lastAudit(t, w.env.Store); rec.Outcome != string(code) || !strings.HasPrefix(rec.Action, "unlock.") {
				t.Fatalf("audit %+v, want an unlock refusal %s", rec, code)
			}
		}

		// Wrong codes: the attempts count down; the third voids the unlock.
		tk := request()
		code := box.last(t).Code
		wrong := "00000000"
		if wrong == code {
			wrong = "11111111"
		}
		var err error
		for left := 2; left >= 1; left-- {
			_, err := cl.UnlockCode(ctx, tk, wrong)
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Code != api.CodeUnlockCodeWrong || ae.Unlock == nil || ae.Unlock.CodeAttemptsLeft != left {
				t.Fatalf("wrong code: %v (%+v), want %d left", err, ae, left)
			}
			audited(api.CodeUnlockCodeWrong)
		}
		_, err = cl.UnlockCode(ctx, tk, wrong)
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockClosed)
		_, err = cl.UnlockCode(ctx, tk, code) // the right one, too late
		wantCode(t, err, http.StatusConflict, api.CodeUnlockClosed)

		// Expired: the code's 15 minutes are up.
		tk = request()
		code = box.last(t).Code
		w.clock.Advance(15*time.Minute + time.Second)
		_, err = cl.UnlockCode(ctx, tk, code)
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockCodeExpired)
		audited(api.CodeUnlockCodeExpired)

		// Reused: a code works once; steps go in order.
		tk = request()
		code = box.last(t).Code
		if _, err := cl.UnlockCode(ctx, tk, code); err != nil {
			t.Fatal(err)
		}
		_, err = cl.UnlockCode(ctx, tk, code)
		wantCode(t, err, http.StatusConflict, api.CodeUnlockOutOfOrder)
		_, err = cl.UnlockPUK(ctx, tk, make([]byte, 16))
		wantCode(t, err, http.StatusConflict, api.CodeUnlockOutOfOrder)

		// A GUID without the card: whoever answers without the card's key
		// gets no PUK, and the unlock is void.
		witness, challenge, err := cl.UnlockWitness(ctx, tk, make([]byte, 16))
		if err != nil || len(witness) != 16 || len(challenge) != 16 {
			t.Fatalf("witness: %v", err)
		}
		_, err = cl.UnlockPUK(ctx, tk, make([]byte, 16))
		wantCode(t, err, http.StatusForbidden, api.CodeCardNotProven)
		audited(api.CodeCardNotProven)
		_, _, err = cl.UnlockWitness(ctx, tk, make([]byte, 16)) // no second witness for the same unlock
		wantCode(t, err, http.StatusConflict, api.CodeUnlockClosed)

		// The card's part must follow the code in time.
		tk2 := request()
		if _, err := cl.UnlockCode(ctx, tk2, box.last(t).Code); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(31 * time.Minute)
		_, _, err = cl.UnlockWitness(ctx, tk2, make([]byte, 16))
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockCodeExpired)
		audited(api.CodeUnlockCodeExpired)

		// Another workstation cannot drive an unlock asked for here, nor
		// void it once its code was accepted.
		tk = request()
		_, err = w.env.Client("ward-9-pc-1").UnlockCode(ctx, tk, box.last(t).Code)
		wantCode(t, err, http.StatusUnauthorized, api.CodeWorkstationMismatch)
		if _, err := cl.UnlockCode(ctx, tk, box.last(t).Code); err != nil {
			t.Fatal(err)
		}
		_, err = w.env.Client("ward-9-pc-1").RequestUnlock(ctx, w.ada.GUID)
		wantCode(t, err, http.StatusConflict, api.CodeUnlockOutOfOrder)
		if _, _, err := cl.UnlockWitness(ctx, tk, make([]byte, 16)); err != nil {
			t.Fatalf("the unlock under way was disturbed: %v", err)
		}

		// The code could not be sent: nothing is open.
		box.fail = errors.New("smtp: connection refused")
		_, err = cl.RequestUnlock(ctx, w.ada.GUID)
		wantCode(t, err, http.StatusServiceUnavailable, api.CodeUnlockSendFailed)
		audited(api.CodeUnlockSendFailed)
		box.fail = nil

		// A cancelled card is never unlocked.
		if err := w.env.Svc.CancelCard(ctx, "test", w.sam.GUID, "lost"); err != nil {
			t.Fatal(err)
		}
		_, err = cl.RequestUnlock(ctx, w.sam.GUID)
		wantCode(t, err, http.StatusForbidden, api.CodeCardCancelled)
		audited(api.CodeCardCancelled)
		_, err = cl.RequestUnlock(ctx, make([]byte, 16))
		wantCode(t, err, http.StatusUnauthorized, api.CodeCardUnknown)
		// The GUID in upper case is the same card.
		upper := strings.ToUpper(api.FormatCardGUID(w.ada.GUID))
		if err := sendRaw(w, api.RouteRequestUnlock, nil, `{"card_guid":"`+upper+`","workstation_id":"ward-7-pc-3"}`); err != nil {
			t.Fatalf("an upper-case GUID: %v", err)
		}
		verifyAudit(t, w)
	})
}

// TestUnlockLimits: the rate limits per card and per user, and a domain
// that may not receive codes.
func TestUnlockLimits(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		box := &mailbox{}
		w := startUnlock(t, db, box, func(c *config.Config) {
			c.Policy.UnlockPerCardPerHour, c.Policy.UnlockPerUserPerDay = 2, 3
		})
		ctx := context.Background()
		cl := w.env.Client("ward-7-pc-3")
		// Codes that could not be sent do not count (a mail server that is
		// down must not use up the holder's requests).
		box.fail = errors.New("smtp: connection refused")
		for range 3 {
			_, err := cl.RequestUnlock(ctx, w.ada.GUID)
			wantCode(t, err, http.StatusServiceUnavailable, api.CodeUnlockSendFailed)
		}
		box.fail = nil
		for range 2 {
			if _, err := cl.RequestUnlock(ctx, w.ada.GUID); err != nil {
				t.Fatal(err)
			}
		}
		_, err := cl.RequestUnlock(ctx, w.ada.GUID)
		wantCode(t, err, http.StatusTooManyRequests, api.CodeUnlockRateLimited)
		w.clock.Advance(time.Hour + time.Second) // the card's hour is over
		if _, err := cl.RequestUnlock(ctx, w.adaR.GUID); err != nil {
			t.Fatal(err)
		}
		_, err = cl.RequestUnlock(ctx, w.ada.GUID) // the user's fourth today
		wantCode(t, err, http.StatusTooManyRequests, api.CodeUnlockRateLimited)

		// A holder whose address is outside the allowed domains gets no code.
		if err := w.env.Svc.CreateUser(ctx, "test", store.User{ID: "555000000099", Name: "Pat Elsewhere", Email: "pat@example.org"}); err != nil {
			t.Fatal(err)
		}
		k, err := testenv.NewKey(false)
		if err != nil {
			t.Fatal(err)
		}
		pat, err := w.env.EnrolCard(ctx, "555000000099", k)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.RequestUnlock(ctx, pat.GUID)
		wantCode(t, err, http.StatusForbidden, api.CodeUnlockNotAvailable)
		if box.last(t).To == "pat@example.org" {
			t.Fatal("a code went to an address outside the allowed domains")
		}
	})
}

// TestUnlockPerAddress: one client address may ask for so many unlocks an
// hour, whichever cards it names (anyone can name a GUID); as the hour
// goes by, it may again.
func TestUnlockPerAddress(t *testing.T) {
	box := &mailbox{}
	w := startUnlock(t, "sqlite:"+t.TempDir()+"/identityd.db", box, func(c *config.Config) { c.Policy.UnlockPerAddressPerHour = 3 })
	ctx := context.Background()
	cl := w.env.Client("ward-7-pc-3")
	for _, g := range [][]byte{w.ada.GUID, w.sam.GUID, w.adaR.GUID} {
		if _, err := cl.RequestUnlock(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	_, err := cl.RequestUnlock(ctx, w.sam.GUID)
	wantCode(t, err, http.StatusTooManyRequests, api.CodeUnlockRateLimited)
	if rec := lastAudit(t, w.env.Store); rec.Outcome != string(api.CodeUnlockRateLimited) || rec.ClientAddr == "" {
		t.Fatalf("audit %+v", rec)
	}
	w.clock.Advance(21 * time.Minute) // a third of the hour: one request back
	if _, err := cl.RequestUnlock(ctx, w.sam.GUID); err != nil {
		t.Fatal(err)
	}
}
