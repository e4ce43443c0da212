package identity_test

import (
	"context"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/client"
)

// benchUnlock is a SQLite identityd with the unlock rate limits out of the
// way, serving over HTTPS on loopback, and Ada's card.
func benchUnlock(b *testing.B) (*world, *client.Client, *mailbox) {
	box := &mailbox{}
	w := startWithOptions(b, "sqlite:"+b.TempDir()+"/identityd.db", testenvOptions(box, func(c *config.Config) {
		c.Policy.UnlockPerCardPerHour, c.Policy.UnlockPerUserPerDay, c.Policy.UnlockPerAddressPerHour = 1<<30, 1<<30, 1<<30
	}))
	return w, w.env.Client("bench-ws"), box
}

// BenchmarkUnlockRequest: POST /v1/unlocks, a code drawn, hashed, stored
// and audited, over HTTPS (the mail itself is not sent: see backend/mail).
func BenchmarkUnlockRequest(b *testing.B) {
	w, cl, _ := benchUnlock(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := cl.RequestUnlock(ctx, w.ada.GUID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlockCode: POST /v1/unlocks/{id}/code with the right code: the
// keyed hash compared and the unlock moved on, audited (the request that
// made each code is not timed).
func BenchmarkUnlockCode(b *testing.B) {
	w, cl, box := benchUnlock(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		u, err := cl.RequestUnlock(ctx, w.ada.GUID)
		if err != nil {
			b.Fatal(err)
		}
		code := box.lastCode()
		b.StartTimer()
		if _, err := cl.UnlockCode(ctx, client.UnlockTicket(u), code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlockAnswers: POST /v1/unlocks/{id}/answers with the right
// answers under email+questions: the attempt counted, two argon2id
// comparisons at the default cost, the attempt given back and a code drawn,
// audited (the request that asked each time is not timed). What bounds it
// is the hash: about two comparisons' time a request per core.
func BenchmarkUnlockAnswers(b *testing.B) {
	box := &mailbox{}
	w := startWithOptions(b, "sqlite:"+b.TempDir()+"/identityd.db", testenvOptions(box, func(c *config.Config) {
		questionsPolicy(c)
		c.Policy.UnlockPerCardPerHour, c.Policy.UnlockPerUserPerDay, c.Policy.UnlockPerAddressPerHour = 1<<30, 1<<30, 1<<30
	}))
	cl := w.env.Client("bench-ws")
	ctx := context.Background()
	registerQuestions(b, w, cl, box, adaAnswers)
	for b.Loop() {
		b.StopTimer()
		u, err := cl.RequestUnlock(ctx, w.ada.GUID)
		if err != nil {
			b.Fatal(err)
		}
		answers := []api.SecurityAnswer{answerOf(u.Questions[0].ID, true), answerOf(u.Questions[1].ID, true)}
		b.StartTimer()
		if _, err := cl.UnlockAnswers(ctx, client.UnlockTicket(u), answers); err != nil {
			b.Fatal(err)
		}
	}
}
