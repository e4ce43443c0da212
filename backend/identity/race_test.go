package identity_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
)

// slp turns Session Lock Persistence on: sessions suspend on card removal.
func slp(c *config.Config) { c.Policy.SessionLockPersistence = true }

// storedSession reads session id as the database holds it.
func storedSession(t *testing.T, w *world, id string) store.Session {
	t.Helper()
	ctx := context.Background()
	var sess store.Session
	err := w.env.Store.View(ctx, func(r store.Reader) (err error) {
		sess, err = r.Session(ctx, id)
		return err
	})
	if err != nil {
		t.Fatalf("reading session %s: %v", id, err)
	}
	return sess
}

// TestSessionStateRace races one DELETE (or suspend) of a session against
// role selections with the same token, round after round, and checks that a
// logout or suspend that was answered as done is what the database holds:
// no role selection may revive the session.
func TestSessionStateRace(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rounds int
		change func(*client.Client, context.Context, client.Ticket) error
		want   store.SessionState
	}{
		{"end", 60, (*client.Client).End, store.SessionEnded},
		{"suspend", 30, func(cl *client.Client, ctx context.Context, tk client.Ticket) error {
			return errOf(cl.Suspend(ctx, tk))
		}, store.SessionSuspended},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, db string) {
				w := startWith(t, db, nil, slp)
				ctx := context.Background()
				cl := w.env.Client("ws-race")
				first, err := testenv.Login(ctx, cl, w.ada)
				if err != nil {
					t.Fatal(err)
				}
				if first.TermsRequired {
					if _, err := cl.AcceptTerms(ctx, testenv.Ticket(first), first.Terms.Version); err != nil {
						t.Fatal(err)
					}
				}
				const pickers = 3
				lost, raced := 0, 0
				for round := range tc.rounds {
					s, err := testenv.Login(ctx, cl, w.ada)
					if err != nil {
						t.Fatal(err)
					}
					var wg sync.WaitGroup
					gate := make(chan struct{})
					var changeErr error
					roleOK := make([]bool, pickers)
					wg.Add(1 + pickers)
					go func() {
						defer wg.Done()
						<-gate
						changeErr = tc.change(cl, ctx, testenv.Ticket(s))
					}()
					for i := range pickers {
						go func() {
							defer wg.Done()
							<-gate
							_, err := cl.SelectRole(ctx, testenv.Ticket(s), s.Roles[(round+i)%len(s.Roles)].ID)
							roleOK[i] = err == nil
							if err != nil && !refusedAsChanged(err) {
								t.Errorf("round %d: role selection: %v", round, err)
							}
						}()
					}
					close(gate)
					wg.Wait()
					if changeErr != nil {
						t.Fatalf("round %d: %s: %v", round, tc.name, changeErr)
					}
					for _, ok := range roleOK {
						if ok {
							raced++
							break
						}
					}
					if got := storedSession(t, w, s.ID); got.State != tc.want {
						lost++
						t.Logf("round %d: %s answered, but the session is %s with role %q", round, tc.name, got.State, got.RoleID)
					}
				}
				t.Logf("%s: %d of %d rounds lost the %s (%d rounds with a role selection answered 200)", db[:6], lost, tc.rounds, tc.name, raced)
				if lost > 0 {
					t.Errorf("%d of %d rounds lost the %s", lost, tc.rounds, tc.name)
				}
				verifyAudit(t, w)
			})
		})
	}
}

// refusedAsChanged reports whether a role selection that lost the race was
// answered with the state the winner left (ended or suspended) or a conflict.
func refusedAsChanged(err error) bool {
	var ae *client.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case api.CodeSessionEnded, api.CodeSessionSuspended:
		return true
	}
	return ae.Status == http.StatusConflict
}
