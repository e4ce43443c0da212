package identity_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
)

// TestAssertions on both stores: a session in a role gets a signed,
// audience-bound assertion of at most five minutes, which the published
// key set verifies; introspection says it is active, and inactive once it
// is forged, signed by another key, expired, or its session ended or its
// role's position ended. A session of another workstation, or without a
// role, gets none. Each issue is audited.
func TestAssertions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := startUnlock(t, db, &mailbox{}, nil)
		ctx := context.Background()
		ward := w.env.Client("ward-7-pc-3")
		noRole := testenv.Ticket(ready(t, w, w.ada, "ward-7-pc-3"))
		wantCode(t, errOf(ward.IssueAssertion(ctx, noRole, "ward-app")), http.StatusConflict, api.CodeRoleNotChosen)
		ada := inRole(t, ward, w.ada, "demo-ada-clinician")
		wantCode(t, errOf(w.env.Client("ward-7-pc-4").IssueAssertion(ctx, ada, "ward-app")), http.StatusUnauthorized, api.CodeWorkstationMismatch)
		wantCode(t, errOf(ward.IssueAssertion(ctx, ada, "ward app")), http.StatusBadRequest, api.CodeInvalidRequest)

		a, err := ward.IssueAssertion(ctx, ada, "ward-app")
		must(t, err)
		raw, err := ward.JWKS(ctx)
		must(t, err)
		var set jose.JSONWebKeySet
		must(t, json.Unmarshal(raw, &set))
		tok, err := jwt.ParseSigned(a.Assertion, []jose.SignatureAlgorithm{jose.ES256})
		must(t, err)
		if len(set.Keys) != 1 || len(tok.Headers) != 1 || tok.Headers[0].KeyID != set.Keys[0].KeyID || set.Keys[0].Algorithm != "ES256" {
			t.Fatalf("the key set %+v and the assertion's header %+v", set.Keys, tok.Headers)
		}
		var std jwt.Claims
		var claims api.AssertionClaims
		must(t, tok.Claims(set.Keys[0].Key, &std, &claims))
		life := std.Expiry.Time().Sub(std.IssuedAt.Time())
		if std.Subject != "555000000001" || !std.Audience.Contains("ward-app") || len(std.Audience) != 1 || life <= 0 || life > 5*time.Minute ||
			claims.Name != "Dr Ada Demo" || claims.Role != "Clinical Practitioner" || claims.Organisation != "RDEMO1" ||
			claims.SessionID != ada.ID || claims.Workstation != "ward-7-pc-3" || std.Issuer != api.AssertionIssuer {
			t.Fatalf("claims %+v %+v", std, claims)
		}
		in, err := ward.Introspect(ctx, a.Assertion)
		if err != nil || !in.Active || in.Subject != "555000000001" || in.Audience != "ward-app" || in.Role != "Clinical Practitioner" {
			t.Fatalf("introspection of a fresh assertion: %+v, %v", in, err)
		}

		// Forged, or signed by someone else: inactive, and nothing said.
		parts := strings.Split(a.Assertion, ".")
		forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: other}, nil)
		must(t, err)
		foreign, err := jwt.Signed(signer).Claims(std).Claims(claims).Serialize()
		must(t, err)
		for name, token := range map[string]string{"forged": forged, "foreign": foreign, "garbage": "not a token"} {
			if in, err := ward.Introspect(ctx, token); err != nil || in.Active || in.Subject != "" {
				t.Errorf("introspection of a %s assertion: %+v, %v", name, in, err)
			}
		}
		// Expired.
		w.clock.Advance(api.AssertionLifetime + time.Second)
		if in, err := ward.Introspect(ctx, a.Assertion); err != nil || in.Active {
			t.Errorf("introspection of an expired assertion: %+v, %v", in, err)
		}
		// The role's position ended, then the session ended.
		b, err := ward.IssueAssertion(ctx, ada, "ward-app")
		must(t, err)
		desk := w.env.Client("ra-desk")
		ra := inRole(t, desk, w.sam, "demo-sam-ra")
		must(t, errOf(desk.AdminEndPosition(ctx, ra, "555000000001", "demo-ada-clinician", time.Time{}, "moved on")))
		if in, err := ward.Introspect(ctx, b.Assertion); err != nil || in.Active {
			t.Errorf("introspection after the role ended: %+v, %v", in, err)
		}
		gp := inRole(t, ward, w.ada, "demo-ada-gp")
		c, err := ward.IssueAssertion(ctx, gp, "ward-app")
		must(t, err)
		if in, err := ward.Introspect(ctx, c.Assertion); err != nil || !in.Active || in.Organisation != "GDEMO2" {
			t.Fatalf("introspection in another role: %+v, %v", in, err)
		}
		must(t, ward.End(ctx, gp))
		if in, err := ward.Introspect(ctx, c.Assertion); err != nil || in.Active {
			t.Errorf("introspection after the session ended: %+v, %v", in, err)
		}

		issued := 0
		for _, r := range auditRecords(t, w.env.Store) {
			if r.Action == identity.ActionAssertion && r.Outcome == "ok" && r.UserID == "555000000001" && strings.Contains(r.Detail, "for ward-app") {
				issued++
			}
		}
		if issued != 3 {
			t.Errorf("%d assertions on record, want 3", issued)
		}
		verifyAudit(t, w)
	})
}
