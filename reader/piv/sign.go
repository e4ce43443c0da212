package piv

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // hashes Sign may be asked for
	_ "crypto/sha512"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Signer returns a crypto.Signer for the private key in slot, whose public
// key the caller knows (from the slot's certificate, or GenerateKey). Its
// Sign runs GENERAL AUTHENTICATE on this Card.
//
// The signer never prompts and never verifies a PIN: verify first (for
// slot 9C, right before each signature), or Sign fails with
// ErrSecurityStatus. Every signature is checked against pub, so a slot that
// holds another key gives ErrBadSignature instead of a useless signature.
//
// Supported: ECDSA P-256 and P-384 (the card returns DER, passed through),
// RSA 1024 to 4096 with PKCS #1 v1.5 or PSS padding done here (the card does
// the raw RSA operation).
func (c *Card) Signer(slot Slot, pub crypto.PublicKey) (crypto.Signer, error) {
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		if pub == nil || pub.Curve == nil {
			break
		}
		alg, err := ecAlgorithm(pub.Curve)
		if err != nil {
			return nil, err
		}
		return &ecdsaKey{c: c, slot: slot, alg: alg, pub: pub}, nil
	case *rsa.PublicKey:
		if pub == nil || pub.N == nil {
			break
		}
		alg, err := rsaAlgorithm(pub.N.BitLen())
		if err != nil {
			return nil, err
		}
		return &rsaKey{c: c, slot: slot, alg: alg, pub: pub}, nil
	}
	return nil, fmt.Errorf("%w: public key of type %T", ErrUnsupported, pub)
}

var (
	_ crypto.Signer = (*ecdsaKey)(nil)
	_ crypto.Signer = (*rsaKey)(nil)
)

// ecdsaKey is an ECDSA private key on the card.
type ecdsaKey struct {
	c    *Card
	slot Slot
	alg  Algorithm
	pub  *ecdsa.PublicKey
}

func (k *ecdsaKey) Public() crypto.PublicKey { return k.pub }

// Sign signs a digest; opts is not needed since ECDSA signs the digest as
// is (truncated or zero-extended to the curve's size, which is the same
// number, FIPS 186-5 §6.4.1). The signature is ASN.1 DER, as crypto.Signer
// wants.
func (k *ecdsaKey) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	size := (k.pub.Curve.Params().BitSize + 7) / 8
	in := make([]byte, size)
	if len(digest) >= size {
		copy(in, digest[:size])
	} else {
		copy(in[size-len(digest):], digest)
	}
	sig, err := generalAuthSign(&k.c.cl, k.alg, k.slot, in)
	if err != nil {
		return nil, err
	}
	sig, err = ecdsaDER(sig, size)
	if err != nil {
		return nil, err
	}
	if !ecdsa.VerifyASN1(k.pub, digest, sig) {
		return nil, &MismatchError{Slot: k.slot, Signature: sig}
	}
	return sig, nil
}

// ecdsaDER checks that sig is an ECDSA-Sig-Value (RFC 3279 §2.2.3). Cards
// that answer with the raw r||s form of the same size get theirs wrapped.
func ecdsaDER(sig []byte, size int) ([]byte, error) {
	var v struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &v)
	if err == nil && len(rest) == 0 && v.R.Sign() > 0 && v.S.Sign() > 0 {
		return sig, nil
	}
	if len(sig) == 2*size {
		v.R = new(big.Int).SetBytes(sig[:size])
		v.S = new(big.Int).SetBytes(sig[size:])
		if v.R.Sign() > 0 && v.S.Sign() > 0 {
			return asn1.Marshal(v)
		}
	}
	return nil, malformed("ECDSA signature is neither DER nor r||s")
}

// rsaKey is an RSA private key on the card.
type rsaKey struct {
	c    *Card
	slot Slot
	alg  Algorithm
	pub  *rsa.PublicKey
}

func (k *rsaKey) Public() crypto.PublicKey { return k.pub }

// Sign pads the digest here (PKCS #1 v1.5, or PSS when opts is a
// *rsa.PSSOptions) and lets the card do the raw RSA operation.
func (k *rsaKey) Sign(random io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	size := k.pub.Size()
	h := crypto.Hash(0)
	if opts != nil {
		h = opts.HashFunc()
	}
	var em []byte
	var err error
	if pss, ok := opts.(*rsa.PSSOptions); ok {
		if random == nil {
			random = rand.Reader
		}
		em, err = emsaPSS(random, digest, pss, k.pub.N.BitLen()-1)
	} else {
		em, err = emsaPKCS1v15(digest, h, size)
	}
	if err != nil {
		return nil, err
	}
	block := make([]byte, size) // EM left-padded to the modulus size
	copy(block[size-len(em):], em)
	sig, err := generalAuthSign(&k.c.cl, k.alg, k.slot, block)
	if err != nil {
		return nil, err
	}
	if len(sig) < size { // a card may drop leading zero bytes
		sig = append(make([]byte, size-len(sig)), sig...)
	}
	if len(sig) != size {
		return nil, malformed("RSA signature of %d bytes for a %d-byte modulus", len(sig), size)
	}
	if pss, ok := opts.(*rsa.PSSOptions); ok {
		err = rsa.VerifyPSS(k.pub, pss.Hash, digest, sig, pss)
	} else {
		err = rsa.VerifyPKCS1v15(k.pub, h, digest, sig)
	}
	if err != nil {
		return nil, &MismatchError{Slot: k.slot, Signature: sig}
	}
	return sig, nil
}

// digestInfo holds the DER prefix of a DigestInfo for each hash (RFC 8017
// §9.2 note 1). Hash 0 signs the data as given, like rsa.SignPKCS1v15.
var digestInfo = map[crypto.Hash][]byte{
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
	0:             {},
}

// emsaPKCS1v15 builds 00 01 FF…FF 00 DigestInfo (RFC 8017 §9.2).
func emsaPKCS1v15(digest []byte, h crypto.Hash, k int) ([]byte, error) {
	prefix, ok := digestInfo[h]
	if !ok {
		return nil, fmt.Errorf("%w: hash %v for RSA PKCS #1 v1.5", ErrUnsupported, h)
	}
	if h != 0 && len(digest) != h.Size() {
		return nil, fmt.Errorf("%w: digest of %d bytes for %v", ErrUnsupported, len(digest), h)
	}
	tLen := len(prefix) + len(digest)
	if k < tLen+11 {
		return nil, fmt.Errorf("%w: digest too long for the key", ErrUnsupported)
	}
	em := make([]byte, k)
	em[1] = 0x01
	for i := 2; i < k-tLen-1; i++ {
		em[i] = 0xFF
	}
	copy(em[k-tLen:], prefix)
	copy(em[k-len(digest):], digest)
	return em, nil
}

// emsaPSS builds a PSS encoded message of emBits bits (RFC 8017 §9.1.1).
func emsaPSS(random io.Reader, digest []byte, opts *rsa.PSSOptions, emBits int) ([]byte, error) {
	h := opts.Hash
	if !h.Available() || len(digest) != h.Size() {
		return nil, fmt.Errorf("%w: hash %v for RSA-PSS", ErrUnsupported, h)
	}
	hLen := h.Size()
	emLen := (emBits + 7) / 8
	sLen := opts.SaltLength
	switch sLen {
	case rsa.PSSSaltLengthAuto:
		sLen = emLen - hLen - 2
	case rsa.PSSSaltLengthEqualsHash:
		sLen = hLen
	}
	if sLen < 0 || emLen < hLen+sLen+2 {
		return nil, fmt.Errorf("%w: PSS salt of %d bytes for the key", ErrUnsupported, opts.SaltLength)
	}
	salt := make([]byte, sLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, err
	}
	hh := h.New()
	hh.Write(make([]byte, 8))
	hh.Write(digest)
	hh.Write(salt)
	mh := hh.Sum(nil)

	em := make([]byte, emLen)
	db := em[:emLen-hLen-1]
	db[emLen-sLen-hLen-2] = 0x01
	copy(db[emLen-sLen-hLen-1:], salt)
	mgf1XOR(db, h, mh)
	db[0] &= 0xFF >> (8*emLen - emBits)
	copy(em[emLen-hLen-1:], mh)
	em[emLen-1] = 0xBC
	return em, nil
}

// mgf1XOR xors out with MGF1(seed) (RFC 8017 §B.2.1).
func mgf1XOR(out []byte, h crypto.Hash, seed []byte) {
	var counter [4]byte
	for done := 0; done < len(out); {
		hh := h.New()
		hh.Write(seed)
		hh.Write(counter[:])
		for _, b := range hh.Sum(nil) {
			if done == len(out) {
				break
			}
			out[done] ^= b
			done++
		}
		for i := 3; i >= 0; i-- {
			if counter[i]++; counter[i] != 0 {
				break
			}
		}
	}
}

// generalAuthSign sends 7C {82 00, 81 data} and returns the 82 of the
// answer (part 2, Appendix A.4).
func generalAuthSign(cl *apdu.Client, alg Algorithm, slot Slot, data []byte) ([]byte, error) {
	inner := apdu.AppendTLV(nil, tagResponse, nil)
	inner = apdu.AppendTLV(inner, tagChallenge, data)
	cmd := apdu.Command{INS: insGeneralAuth, P1: byte(alg), P2: byte(slot), Data: apdu.Encode(tagDynAuth, inner), Ne: apdu.MaxExtendedNe}
	b, err := cl.Do(cmd)
	if err != nil {
		return nil, fmt.Errorf("piv: signing with slot %s: %w", slot, err)
	}
	sig, err := parseDynAuth(b, tagResponse)
	if err != nil {
		return nil, fmt.Errorf("piv: signing with slot %s: %w", slot, err)
	}
	return bytes.Clone(sig), nil
}

func ecAlgorithm(c elliptic.Curve) (Algorithm, error) {
	switch c {
	case elliptic.P256():
		return AlgECCP256, nil
	case elliptic.P384():
		return AlgECCP384, nil
	}
	return 0, fmt.Errorf("%w: curve %s", ErrUnsupported, c.Params().Name)
}

func rsaAlgorithm(bits int) (Algorithm, error) {
	for _, a := range []Algorithm{AlgRSA1024, AlgRSA2048, AlgRSA3072, AlgRSA4096} {
		if a.rsaBits() == bits {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: RSA key of %d bits", ErrUnsupported, bits)
}
