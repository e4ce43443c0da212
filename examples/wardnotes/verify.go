package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// Claims are what a verified ticket says.
type Claims struct {
	jwt.Claims
	api.AssertionClaims
}

// refusal is why a ticket was not accepted, in words for the page.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

// verifier checks tickets as any application's server should: the
// signature with identityd's published keys, issuer, audience and times,
// then identityd's introspection (is the session still active).
type verifier struct {
	identityd *client.Client
	audience  string
	leeway    time.Duration // allowed clock difference with identityd

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// verify returns the ticket's claims, or a *refusal.
func (v *verifier) verify(ctx context.Context, ticket string) (Claims, error) {
	var c Claims
	tok, err := jwt.ParseSigned(ticket, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return c, refuse("this is not a ticket signed the way identityd signs (%v)", err)
	}
	key, err := v.key(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return c, err
	}
	if err := tok.Claims(key.Key, &c.Claims, &c.AssertionClaims); err != nil {
		return c, refuse("its signature does not verify with identityd's keys: forged or altered")
	}
	err = c.Claims.ValidateWithLeeway(jwt.Expected{Issuer: api.AssertionIssuer, AnyAudience: jwt.Audience{v.audience}, Time: time.Now()}, v.leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return c, refuse("it has expired (at %s)", c.Expiry.Time().Local().Format("15:04:05"))
	case errors.Is(err, jwt.ErrInvalidAudience):
		return c, refuse("it was issued for another application (%v), not %s", []string(c.Audience), v.audience)
	case err != nil:
		return c, refuse("its claims are not valid: %v", err)
	}
	in, err := v.identityd.Introspect(ctx, ticket)
	switch {
	case err != nil:
		return c, refuse("identityd could not be asked whether its session is active: %v", err)
	case !in.Active:
		return c, refuse("identityd says its session is no longer active (the card was pulled or the session ended)")
	case in.Subject != c.Subject || in.SessionID != c.SessionID:
		return c, refuse("identityd describes another session")
	}
	return c, nil
}

// key finds the signing key by id, reading the key set again (at most
// every 10 s) when it does not know it: identityd may have a new one.
func (v *verifier) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if ks := v.keys.Key(kid); len(ks) == 1 {
		return ks[0], nil
	}
	if time.Since(v.fetched) < 10*time.Second {
		return jose.JSONWebKey{}, refuse("no identityd key has the id %q", kid)
	}
	raw, err := v.identityd.JWKS(ctx)
	if err != nil {
		return jose.JSONWebKey{}, refuse("identityd's keys could not be read: %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return jose.JSONWebKey{}, refuse("identityd's key set is not JSON: %v", err)
	}
	v.keys, v.fetched = set, time.Now()
	if ks := v.keys.Key(kid); len(ks) == 1 {
		return ks[0], nil
	}
	return jose.JSONWebKey{}, refuse("no identityd key has the id %q", kid)
}
