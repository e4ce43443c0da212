package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardagent/cardagent/api"
)

// A verifier that knows one key and never needs identityd for what a
// fuzzer can produce (nothing it makes carries a valid signature).
func offlineVerifier(t testing.TB) (*verifier, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}
	return &verifier{audience: "ward-notes", keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}},
		fetched: time.Now().Add(24 * time.Hour)}, key // "just read": an unknown kid never sends it to identityd
}

func signed(t testing.TB, key *ecdsa.PrivateKey, kid string, c jwt.Claims) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Whatever arrives in the ticket field is refused with words, never a
// panic, before identityd is asked anything.
func FuzzVerifyTicket(f *testing.F) {
	v, key := offlineVerifier(f)
	now := time.Now()
	good := jwt.Claims{Issuer: api.AssertionIssuer, Subject: "555000000001", Audience: jwt.Audience{"other-app"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	f.Add(signed(f, key, "k1", good))                 // for another audience
	f.Add(signed(f, key, "k2", good))                 // an unknown key id
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")     // alg none
	f.Add("not-a-ticket")                             //
	f.Add("a.b.c")                                    //
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.e30.") // ES256, no signature
	f.Fuzz(func(t *testing.T, ticket string) {
		_, err := v.verify(context.Background(), ticket)
		var r *refusal
		if !errors.As(err, &r) || r.reason == "" {
			t.Fatalf("%q: %v", ticket, err)
		}
	})
}

// The refusals say why: another audience, an unknown key, expired.
func TestVerifyRefusalsSayWhy(t *testing.T) {
	v, key := offlineVerifier(t)
	now := time.Now()
	c := jwt.Claims{Issuer: api.AssertionIssuer, Subject: "555000000001", Audience: jwt.Audience{"ward-notes"},
		IssuedAt: jwt.NewNumericDate(now.Add(-time.Hour)), Expiry: jwt.NewNumericDate(now.Add(-time.Minute))}
	other := c
	other.Audience, other.Expiry = jwt.Audience{"other-app"}, jwt.NewNumericDate(now.Add(time.Minute))
	for ticket, words := range map[string]string{
		signed(t, key, "k1", c):     "expired",
		signed(t, key, "k1", other): "another application",
		signed(t, key, "k9", other): "no identityd key",
	} {
		_, err := v.verify(context.Background(), ticket)
		var r *refusal
		if !errors.As(err, &r) || !strings.Contains(r.reason, words) {
			t.Errorf("want %q, got %v", words, err)
		}
	}
}
