package identity_test

import (
	"context"
	"testing"

	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/client"
)

// benchAssertions is a SQLite identityd over HTTPS on loopback and Ada's
// session in her clinician role.
func benchAssertions(b *testing.B) (*client.Client, client.Ticket) {
	w := startWithOptions(b, "sqlite:"+b.TempDir()+"/identityd.db", testenvOptions(&mailbox{}, nil))
	ctx := context.Background()
	cl := w.env.Client("bench-ws")
	s, err := testenv.Login(ctx, cl, w.ada)
	if err != nil {
		b.Fatal(err)
	}
	tk := testenv.Ticket(s)
	if s.TermsRequired {
		if _, err := cl.AcceptTerms(ctx, tk, s.Terms.Version); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cl.SelectRole(ctx, tk, "demo-ada-clinician"); err != nil {
		b.Fatal(err)
	}
	return cl, tk
}

// BenchmarkIssueAssertion: POST /v1/sessions/{id}/assertions over HTTPS:
// the session checked, an ES256 signature, the audit record written
// (docs/tickets.md). Run with -cpu 1 for the rate a core.
func BenchmarkIssueAssertion(b *testing.B) {
	cl, tk := benchAssertions(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := cl.IssueAssertion(ctx, tk, "ward-app"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntrospect: POST /v1/introspect over HTTPS: the signature
// checked and the session read (no write).
func BenchmarkIntrospect(b *testing.B) {
	cl, tk := benchAssertions(b)
	ctx := context.Background()
	a, err := cl.IssueAssertion(ctx, tk, "ward-app")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if in, err := cl.Introspect(ctx, a.Assertion); err != nil || !in.Active {
			b.Fatal(in, err)
		}
	}
}
