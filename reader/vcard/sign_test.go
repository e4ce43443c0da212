package vcard

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

// generateKey runs GENERATE ASYMMETRIC KEY PAIR and decodes the answer.
func generateKey(t *testing.T, c *Card, slot, alg byte) crypto.PublicKey {
	t.Helper()
	data, s := send(t, c, apdu.Command{INS: 0x47, P2: slot, Data: apdu.Encode(0xAC, apdu.Encode(0x80, []byte{alg})), Ne: 256})
	mustSW(t, s, 0x9000, "GENERATE")
	in, err := apdu.Unwrap(data, 0x7F49)
	if err != nil {
		t.Fatal(err)
	}
	switch alg {
	case algECP256, algECP384:
		curve := elliptic.P256()
		if alg == algECP384 {
			curve = elliptic.P384()
		}
		pt, _, _ := apdu.Find(in, 0x86)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
		if err != nil {
			t.Fatal(err)
		}
		return pub
	}
	n, _, _ := apdu.Find(in, 0x81)
	e, _, _ := apdu.Find(in, 0x82)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
}

// sign runs GENERAL AUTHENTICATE on a slot and returns the 82 value.
func sign(t *testing.T, c *Card, slot, alg byte, data []byte) ([]byte, uint16) {
	t.Helper()
	tmpl := apdu.Encode(0x7C, apdu.Encode(0x82, nil), apdu.Encode(0x81, data))
	resp, s := send(t, c, apdu.Command{INS: 0x87, P1: alg, P2: slot, Data: tmpl, Ne: 256})
	if s != 0x9000 {
		return nil, s
	}
	in, err := apdu.Unwrap(resp, 0x7C)
	if err != nil {
		t.Fatal(err)
	}
	sig, ok, _ := apdu.Find(in, 0x82)
	if !ok {
		t.Fatalf("no 82 in % X", resp)
	}
	return sig, s
}

// pkcs1Block pads a SHA-256 digest the way a PIV host does before the
// card's raw RSA operation (RFC 8017 §9.2).
func pkcs1Block(digest []byte, k int) []byte {
	prefix := []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	t := append(prefix, digest...)
	b := make([]byte, k)
	b[1] = 0x01
	for i := 2; i < k-len(t)-1; i++ {
		b[i] = 0xFF
	}
	copy(b[k-len(t):], t)
	return b
}

func TestGenerateAndSign(t *testing.T) {
	c := newSelected(t, Options{})
	gen := apdu.Encode(0xAC, apdu.Encode(0x80, []byte{algECP256}))
	_, s := send(t, c, apdu.Command{INS: 0x47, P2: 0x9A, Data: gen, Ne: 256})
	mustSW(t, s, 0x6982, "GENERATE without 9B")
	mustSW(t, mutualAuth(t, c, alg3DES, defaultMgmtKey), 0x9000, "9B")
	runSteps(t, c, []step{
		{name: "unknown algorithm", cmd: "00 47 00 9A 05 AC 03 80 01 42 00", sw: 0x6A80},
		{name: "not a slot", cmd: "00 47 00 9B 05 AC 03 80 01 11 00", sw: 0x6A86},
		{name: "no template", cmd: "00 47 00 9A 03 80 01 11 00", sw: 0x6A80},
	})
	digest := sha256.Sum256([]byte("login challenge"))

	t.Run("P-256 in 9A", func(t *testing.T) {
		pub := generateKey(t, c, 0x9A, algECP256).(*ecdsa.PublicKey)
		_, s := sign(t, c, 0x9A, algECP256, digest[:])
		mustSW(t, s, 0x6982, "sign before VERIFY")
		mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
		for i := range 2 { // PIN once: any number of signatures
			sig, s := sign(t, c, 0x9A, algECP256, digest[:])
			mustSW(t, s, 0x9000, "sign")
			if !ecdsa.VerifyASN1(pub, digest[:], sig) {
				t.Fatalf("signature %d does not verify", i)
			}
		}
		_, s = sign(t, c, 0x9A, algRSA2048, digest[:])
		mustSW(t, s, 0x6A86, "wrong algorithm for the slot")
	})

	t.Run("P-384 in 9D", func(t *testing.T) {
		pub := generateKey(t, c, 0x9D, algECP384).(*ecdsa.PublicKey)
		d := sha512.Sum384([]byte("x"))
		sig, s := sign(t, c, 0x9D, algECP384, d[:])
		mustSW(t, s, 0x9000, "sign")
		if !ecdsa.VerifyASN1(pub, d[:], sig) {
			t.Fatal("P-384 signature does not verify")
		}
	})

	t.Run("RSA-2048 in 9C, PIN always", func(t *testing.T) {
		pub := generateKey(t, c, 0x9C, algRSA2048).(*rsa.PublicKey) // 61xx chained answer
		if pub.N.BitLen() != 2048 || pub.E != 65537 {
			t.Fatalf("public key %d bits, e %d", pub.N.BitLen(), pub.E)
		}
		block := pkcs1Block(digest[:], 256)
		mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
		sig, s := sign(t, c, 0x9C, algRSA2048, block) // 266 bytes: chained command
		mustSW(t, s, 0x9000, "sign")
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			t.Fatal(err)
		}
		_, s = sign(t, c, 0x9C, algRSA2048, block)
		mustSW(t, s, 0x6982, "second signature without a fresh VERIFY")
		mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
		_, s = sign(t, c, 0x9C, algRSA2048, block)
		mustSW(t, s, 0x9000, "after a fresh VERIFY")
		_, s = sign(t, c, 0x9C, algRSA2048, block[:255])
		mustSW(t, s, 0x6982, "PIN used up")
		mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
		_, s = sign(t, c, 0x9C, algRSA2048, block[:255])
		mustSW(t, s, 0x6700, "short block")
	})

	t.Run("9E needs no PIN, ECDH", func(t *testing.T) {
		pub := generateKey(t, c, 0x9E, algECP256).(*ecdsa.PublicKey)
		mustSW(t, verifyPIN(t, c, "000000"), 0x63C2, "wrong PIN clears verification")
		sig, s := sign(t, c, 0x9E, algECP256, digest[:])
		mustSW(t, s, 0x9000, "sign with 9E")
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			t.Fatal("9E signature does not verify")
		}
		peer, _ := ecdh.P256().GenerateKey(rand.Reader)
		tmpl := apdu.Encode(0x7C, apdu.Encode(0x82, nil), apdu.Encode(0x85, peer.PublicKey().Bytes()))
		resp, s := send(t, c, apdu.Command{INS: 0x87, P1: algECP256, P2: 0x9E, Data: tmpl, Ne: 256})
		mustSW(t, s, 0x9000, "ECDH")
		epub, _ := pub.ECDH()
		want, _ := peer.ECDH(epub)
		if got := resp[4:]; string(got) != string(want) {
			t.Fatalf("shared secret % X, want % X", got, want)
		}
	})

	runSteps(t, c, []step{
		{name: "empty slot", cmd: "00 87 11 82 0A 7C 08 82 00 81 04 01 02 03 04 00", sw: 0x6A82},
		{name: "no 82 request", cmd: "00 87 11 9E 08 7C 06 81 04 01 02 03 04 00", sw: 0x6A80},
	})
}

func TestProvisionedKeyAndPINAlways(t *testing.T) {
	c := newSelected(t, Options{})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := c.Provision(0x9C, key, []byte{0x30, 0x00}); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("doc"))
	mustSW(t, verifyPIN(t, c, "123456"), 0x9000, "VERIFY")
	// Other commands between VERIFY and the signature do not use the PIN up.
	runSteps(t, c, []step{{name: "read cert", cmd: "00 CB 3F FF 05 5C 03 5F C1 0A 00", want: "53 09 70 02 30 00 71 01 00 FE 00 90 00"}})
	sig, s := sign(t, c, 0x9C, algECP256, d[:])
	mustSW(t, s, 0x9000, "sign")
	if !ecdsa.VerifyASN1(&key.PublicKey, d[:], sig) {
		t.Fatal("does not verify")
	}
	_, s = sign(t, c, 0x9C, algECP256, d[:])
	mustSW(t, s, 0x6982, "PIN always")
	runSteps(t, c, []step{{name: "PIN itself still verified", cmd: "00 20 00 80 00", sw: 0x9000}})
}
