package api

import (
	"strings"
	"time"
)

// Tickets for local applications: identityd signs a short-lived assertion
// (a JWT, ES256) for one audience — the clinical application that asked the
// agent for it — about an active session: who, in which role and
// organisation, at which workstation. The application's server checks it
// with identityd's keys (GET /.well-known/jwks.json) and asks, whenever it
// likes, whether the session behind it is still active (POST /v1/introspect,
// RFC 7662): not from the moment the card is pulled.

// AssertionLifetime is how long an assertion is valid at most (identityd's
// policy may make it shorter).
const AssertionLifetime = 5 * time.Minute

// AssertionIssuer is the assertions' iss.
const AssertionIssuer = "cardagent-identityd"

// MaxAudienceLen bounds an audience name.
const MaxAudienceLen = 100

// AssertionRequest is the body of POST /v1/sessions/{id}/assertions.
type AssertionRequest struct {
	Audience string `json:"audience"`
}

// Validate checks the request shape.
func (r *AssertionRequest) Validate() error {
	if !ValidAudience(r.Audience) {
		return invalid("audience", "must be 1 to 100 letters, digits and . _ : / -")
	}
	return nil
}

// ValidAudience reports whether s can name an application: 1 to
// MaxAudienceLen of letters, digits and . _ : / -.
func ValidAudience(s string) bool {
	if len(s) == 0 || len(s) > MaxAudienceLen {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:/-", r))
	})
}

// Assertion answers POST /v1/sessions/{id}/assertions.
type Assertion struct {
	Assertion string    `json:"assertion"` // the signed JWT
	Audience  string    `json:"audience"`
	ExpiresAt time.Time `json:"expires_at"`
}

// AssertionClaims are an assertion's claims beyond the registered ones
// (iss, sub = the user's UUID, aud, exp, iat, nbf, jti).
type AssertionClaims struct {
	Name         string `json:"name"`
	Role         string `json:"role"`
	RoleID       string `json:"role_id"`
	Organisation string `json:"org"`
	OrgName      string `json:"org_name"`
	SessionID    string `json:"sid"`
	Workstation  string `json:"workstation"`
}

// Introspection answers POST /v1/introspect (RFC 7662): Active says the
// assertion is genuine, unexpired, and its session still active in the
// same role; the rest only when it is.
type Introspection struct {
	Active    bool   `json:"active"`
	TokenType string `json:"token_type,omitempty"` // "Bearer"
	Issuer    string `json:"iss,omitempty"`
	Subject   string `json:"sub,omitempty"`
	Audience  string `json:"aud,omitempty"`
	Expires   int64  `json:"exp,omitempty"`
	IssuedAt  int64  `json:"iat,omitempty"`
	AssertionClaims
}
