package ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newCA(t testing.TB) *CA {
	t.Helper()
	der, key, err := Generate("test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(der, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var guid = bytes.Repeat([]byte{0xab}, 16)

func TestIssueAndVerifyCard(t *testing.T) {
	c, other := newCA(t), newCA(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, key := range []crypto.Signer{ecKey, rsaKey} {
		req := CardRequest{PublicKey: key.Public(), Profile: ProfileAuthentication, UserID: "555000111222",
			Name: "Ada Lovelace", CardGUID: guid, NotBefore: now, NotAfter: now.AddDate(2, 0, 0)}
		cert, err := c.IssueCard(req)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.SerialNumber != "555000111222" || cert.Subject.CommonName != "Ada Lovelace" {
			t.Fatalf("subject %v", cert.Subject)
		}
		if err := c.VerifyCard(cert, guid, now.Add(time.Hour)); err != nil {
			t.Fatalf("VerifyCard: %v", err)
		}
		checks := []struct {
			name string
			c    *CA
			guid []byte
			at   time.Time
			want error
		}{
			{"other CA", other, guid, now.Add(time.Hour), ErrUntrusted},
			{"expired", c, guid, now.AddDate(3, 0, 0), ErrExpired},
			{"not yet valid", c, guid, now.Add(-time.Hour), ErrNotYetValid},
			{"other card", c, bytes.Repeat([]byte{1}, 16), now.Add(time.Hour), ErrWrongCard},
		}
		for _, ck := range checks {
			if err := ck.c.VerifyCard(cert, ck.guid, ck.at); !errors.Is(err, ck.want) {
				t.Errorf("%s: %v, want %v", ck.name, err, ck.want)
			}
		}
		sig9c, err := c.IssueCard(CardRequest{PublicKey: key.Public(), Profile: ProfileSignature, UserID: "555000111222",
			Name: "Ada Lovelace", CardGUID: guid, NotBefore: now, NotAfter: now.AddDate(2, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.VerifyCard(sig9c, guid, now.Add(time.Hour)); !errors.Is(err, ErrWrongProfile) {
			t.Errorf("9C certificate used for login: %v, want ErrWrongProfile", err)
		}
		digest := sha256.Sum256([]byte("login"))
		sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyDigestSignature(cert.PublicKey, digest[:], sig); err != nil {
			t.Errorf("VerifyDigestSignature: %v", err)
		}
		digest[0] ^= 1
		if err := VerifyDigestSignature(cert.PublicKey, digest[:], sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("signature over other data: %v", err)
		}
	}
}

func TestRejectsWeakKeys(t *testing.T) {
	c := newCA(t)
	k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, err := c.IssueCard(CardRequest{PublicKey: k.Public(), UserID: "555000111222", Name: "x", CardGUID: guid, NotBefore: now, NotAfter: now.Add(time.Hour)})
	if !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("P-384 key: %v", err)
	}
}

func TestSealKey(t *testing.T) {
	_, key, err := Generate("x", now)
	if err != nil {
		t.Fatal(err)
	}
	wrap := bytes.Repeat([]byte{7}, 32)
	sealed, err := SealKey(key, wrap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenKey(sealed, wrap)
	if err != nil || !key.Equal(got) {
		t.Fatalf("OpenKey = %v", err)
	}
	if _, err := OpenKey(sealed, bytes.Repeat([]byte{8}, 32)); err == nil {
		t.Fatal("opened with the wrong key")
	}
}

// BenchmarkECDSAP256Sign is the bare signing speed the renewal storm is
// compared with.
func BenchmarkECDSAP256Sign(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d := sha256.Sum256([]byte("x"))
	for b.Loop() {
		if _, err := ecdsa.SignASN1(rand.Reader, k, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueCard(b *testing.B) {
	c := newCA(b)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	req := CardRequest{PublicKey: k.Public(), UserID: "555000111222", Name: "Ada", CardGUID: guid, NotBefore: now, NotAfter: now.AddDate(2, 0, 0)}
	for b.Loop() {
		if _, err := c.IssueCard(req); err != nil {
			b.Fatal(err)
		}
	}
}
