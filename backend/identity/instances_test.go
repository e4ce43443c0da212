package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/internal/testkit"
)

// TestTwoInstancesOnePostgres shows identityd is stateless on PostgreSQL: a
// challenge issued by one instance is redeemed at the other, a replay at
// either is refused, sessions move between them, and concurrent logins on
// both keep one valid audit chain.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dsn := testkit.Postgres(t)
	root := secret.Generate()
	a := start(t, dsn, root)
	b, err := testenv.Start(context.Background(), testenv.Options{DB: dsn, Secret: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if a.env.Svc.CA().Fingerprint() != b.Svc.CA().Fingerprint() {
		t.Fatal("the two instances have different CAs")
	}
	ctx := context.Background()
	const ws = "ws-shared"

	atA, atB := a.env.Client(ws), b.Client(ws)
	ch, err := atA.Challenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := testenv.Prove(a.ada, ch, ws)
	if err != nil {
		t.Fatal(err)
	}
	s, err := atB.Login(ctx, p)
	if err != nil {
		t.Fatalf("redeeming A's challenge at B: %v", err)
	}
	_, err = atA.Login(ctx, p)
	wantCode(t, err, 401, api.CodeChallengeReplayed)
	// The session opened at B is served by A.
	if _, err := atA.AcceptTerms(ctx, testenv.Ticket(s), s.Terms.Version); err != nil {
		t.Fatalf("terms at A for a session from B: %v", err)
	}

	// Concurrent logins on both instances, each with role selection.
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for i, env := range []*testenv.Env{a.env, b, a.env, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := env.Client(fmt.Sprint("ws-", i))
			for range 15 {
				s, err := testenv.Login(ctx, cl, a.adaR)
				if err == nil {
					_, err = cl.SelectRole(ctx, testenv.Ticket(s), s.Roles[0].ID)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("concurrent login: %v", err)
	}
	sum := verifyAudit(t, a)
	if sum.Records < 4*15*2 {
		t.Fatalf("%d audit records, want at least %d", sum.Records, 4*15*2)
	}
}
