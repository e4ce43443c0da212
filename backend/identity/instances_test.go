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

	ch, err := a.env.Client.Challenge(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	p, err := testenv.Prove(a.ada, ch, ws)
	if err != nil {
		t.Fatal(err)
	}
	var s api.Session
	if err := b.Client.Do(ctx, testenv.Call{Method: "POST", Path: "/v1/sessions", Body: api.CreateSessionRequest{CardProof: p}}, &s); err != nil {
		t.Fatalf("redeeming A's challenge at B: %v", err)
	}
	err = a.env.Client.Do(ctx, testenv.Call{Method: "POST", Path: "/v1/sessions", Body: api.CreateSessionRequest{CardProof: p}}, nil)
	wantCode(t, err, 401, api.CodeChallengeReplayed)
	// The session opened at B is served by A.
	if err := a.env.Client.SessionCall(ctx, &s, "POST", "/terms", api.AcceptTermsRequest{Version: s.Terms.Version}, nil); err != nil {
		t.Fatalf("terms at A for a session from B: %v", err)
	}

	// Concurrent logins on both instances, each with role selection.
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for i, cl := range []*testenv.Client{a.env.Client, b.Client, a.env.Client, b.Client} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				s, err := cl.Login(ctx, a.adaR, fmt.Sprint("ws-", i))
				if err == nil {
					err = cl.SessionCall(ctx, s, "PUT", "/role", api.SelectRoleRequest{RoleID: s.Roles[0].ID}, nil)
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
