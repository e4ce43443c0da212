package identity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/store"
)

// ActionAssertion is the audit action of an assertion issued to a local
// application (docs/tickets.md).
const ActionAssertion = "session.assertion"

// assertionKeys signs and checks the assertions of local applications:
// one P-256 key derived from the root secret, so every identityd instance
// of a deployment signs with it and publishes the same key set.
type assertionKeys struct {
	signer jose.Signer
	public jose.JSONWebKey
}

// newAssertionKeys derives the signing key from root.
func newAssertionKeys(root *secret.Root) (*assertionKeys, error) {
	seed := root.Derive(secret.PurposeAssertionKey)
	var priv *ecdsa.PrivateKey
	for i := 0; priv == nil; i++ { // a seed at or above the group order (p ≈ 2⁻³²) is hashed again
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
		if err == nil {
			priv = k
			break
		}
		if i == 8 {
			return nil, fmt.Errorf("deriving the assertion key: %w", err)
		}
		h := sha256.Sum256(seed)
		seed = h[:]
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(jose.ES256), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), pub.KeyID))
	if err != nil {
		return nil, err
	}
	return &assertionKeys{signer: signer, public: pub}, nil
}

// JWKS is the key set assertions are checked with (GET /.well-known/jwks.json).
func (s *Service) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.assertions.public}}
}

// IssueAssertion signs an assertion for audience about session id, which
// must be active and working in a role; audited.
func (s *Service) IssueAssertion(ctx context.Context, id string, a Auth, req *api.AssertionRequest, m Meta) (*api.Assertion, error) {
	rec := s.record(ActionAssertion, m, a.WorkstationID)
	rec.SessionID = trimID(id)
	rec.Detail = "for " + clip(req.Audience, api.MaxAudienceLen)
	var out api.Assertion
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		sess, err := s.authSession(ctx, tx, id, a, checkInRole)
		rec.UserID, rec.CardGUID = sess.UserID, sess.CardGUID
		if err != nil {
			return err
		}
		sa, err := tx.SessionAuth(ctx, id)
		if err != nil {
			return err
		}
		if sa.Role == nil {
			return errs.Conflict(api.CodeRoleNotChosen, "choose a role first: an application learns the role it works in", nil)
		}
		user, err := tx.User(ctx, sess.UserID)
		if err != nil {
			return err
		}
		now := s.now()
		jti := make([]byte, 12)
		rand.Read(jti) // never fails (crypto/rand)
		std := jwt.Claims{Issuer: api.AssertionIssuer, Subject: sess.UserID, Audience: jwt.Audience{req.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(s.policy.AssertionLifetime)),
			ID: base64.RawURLEncoding.EncodeToString(jti)}
		claims := api.AssertionClaims{Name: user.Name, Role: sa.Role.RoleName, RoleID: sa.Role.ID, Organisation: sa.Role.OrganisationID,
			OrgName: sa.Role.OrganisationName, SessionID: sess.ID, Workstation: sess.WorkstationID}
		token, err := jwt.Signed(s.assertions.signer).Claims(std).Claims(claims).Serialize()
		if err != nil {
			return errs.Internal(err)
		}
		rec.Detail += " (" + std.ID + ")"
		out = api.Assertion{Assertion: token, Audience: req.Audience, ExpiresAt: now.Add(s.policy.AssertionLifetime).UTC().Truncate(1e9)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Introspect says whether token is one of identityd's assertions, unexpired,
// whose session is still active in the same role (RFC 7662): the session
// live (not ended, suspended or expired), its card neither cancelled nor
// locked, its user enabled, its role the one the assertion names and still
// held. An inactive answer says nothing more. Not audited: a read any
// application's server may make at every request.
func (s *Service) Introspect(ctx context.Context, token string) (*api.Introspection, error) {
	inactive := &api.Introspection{}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return inactive, nil
	}
	var std jwt.Claims
	var claims api.AssertionClaims
	if err := tok.Claims(s.assertions.public.Key, &std, &claims); err != nil {
		return inactive, nil
	}
	now := s.now()
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: api.AssertionIssuer, Time: now}, 0); err != nil || len(std.Audience) != 1 {
		return inactive, nil
	}
	var sa store.SessionAuth
	err = s.store.View(ctx, func(r store.Reader) (err error) {
		sa, err = r.SessionAuth(ctx, claims.SessionID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return inactive, nil
	case err != nil:
		return nil, err
	}
	sess := sa.Session
	if sess.State != store.SessionActive || !now.Before(sess.ExpiresAt) || sess.UserID != std.Subject || sess.RoleID != claims.RoleID ||
		sa.CardState != store.CardActive || sa.UserDisabled || sa.Role == nil || !sa.Role.ActiveAt(now) {
		return inactive, nil
	}
	return &api.Introspection{Active: true, TokenType: "Bearer", Issuer: std.Issuer, Subject: std.Subject, Audience: std.Audience[0],
		Expires: std.Expiry.Time().Unix(), IssuedAt: std.IssuedAt.Time().Unix(), AssertionClaims: claims}, nil
}
