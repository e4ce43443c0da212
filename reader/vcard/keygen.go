package vcard

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Tags of the GENERATE control template and its answer (SP 800-73-4 Part 2
// §3.3.3 Tables 10 and 11, Yubico's AA/AB policies).
const (
	tagCRT         = 0xAC
	tagAlgorithm   = 0x80
	tagPINPolicy   = 0xAA
	tagTouchPolicy = 0xAB
	tagPublicKey   = 0x7F49
	tagRSAModulus  = 0x81
	tagRSAExponent = 0x82
	tagECPoint     = 0x86
)

// generate implements GENERATE ASYMMETRIC KEY PAIR: it needs the management
// key, replaces the slot's key and answers 7F49 with the public key.
func (c *Card) generate(cmd apdu.Command) ([]byte, status) {
	if cmd.P1 != 0x00 || !isKeySlot(cmd.P2) {
		return nil, apdu.SWIncorrectP1P2
	}
	if !c.mgmtAuthed {
		return nil, apdu.SWSecurityStatus
	}
	crt, err := apdu.Unwrap(cmd.Data, tagCRT)
	if err != nil {
		return nil, apdu.SWWrongData
	}
	alg, ok, err := apdu.Find(crt, tagAlgorithm)
	if err != nil || !ok || len(alg) != 1 {
		return nil, apdu.SWWrongData
	}
	k := &slotKey{Alg: alg[0], Origin: originGenerated, TouchPolicy: touchPolicyNever}
	if v, ok, _ := apdu.Find(crt, tagPINPolicy); ok {
		if len(v) != 1 || v[0] > pinPolicyAlways {
			return nil, apdu.SWWrongData
		}
		k.PINPolicy = v[0]
	}
	if v, ok, _ := apdu.Find(crt, tagTouchPolicy); ok {
		if len(v) != 1 {
			return nil, apdu.SWWrongData
		}
		k.TouchPolicy = v[0] // stored and reported; this card has no button
	}
	priv, err := newKey(k.Alg)
	if err != nil {
		return nil, apdu.SWWrongData
	}
	if sw := c.storeKey(cmd.P2, k, priv); sw != apdu.SWSuccess {
		return nil, sw
	}
	return apdu.Encode(tagPublicKey, publicKeyTLVs(priv.Public())), apdu.SWSuccess
}

func newKey(alg byte) (crypto.Signer, error) {
	switch alg {
	case algECP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case algECP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case algRSA1024:
		return rsa.GenerateKey(rand.Reader, 1024)
	case algRSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("vcard: unsupported key algorithm %02X", alg)
}

// keyAlg tells a private key's PIV algorithm.
func keyAlg(key crypto.Signer) (byte, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return algECP256, nil
		case elliptic.P384():
			return algECP384, nil
		}
	case *rsa.PrivateKey:
		switch k.N.BitLen() {
		case 1024:
			return algRSA1024, nil
		case 2048:
			return algRSA2048, nil
		}
	}
	return 0, errors.New("vcard: key must be ECDSA P-256/P-384 or RSA 1024/2048")
}

// storeKey puts a key in a slot and persists it.
func (c *Card) storeKey(slot byte, k *slotKey, priv crypto.Signer) status {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return apdu.SWUnknown
	}
	k.PKCS8 = der
	c.st.Keys[slotName(slot)] = k
	c.keys[slot] = priv
	return c.save()
}

func parseKey(k *slotKey) (crypto.Signer, error) {
	p, err := x509.ParsePKCS8PrivateKey(k.PKCS8)
	if err != nil {
		return nil, err
	}
	s, ok := p.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	if alg, err := keyAlg(s); err != nil || alg != k.Alg {
		return nil, fmt.Errorf("key does not match algorithm %02X", k.Alg)
	}
	return s, nil
}

// publicKeyTLVs encodes a public key as PIV does inside 7F49: 86 point for
// ECC, 81 modulus 82 exponent for RSA.
func publicKeyTLVs(pub crypto.PublicKey) []byte {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		ek, err := p.ECDH()
		if err != nil {
			return nil
		}
		return apdu.Encode(tagECPoint, ek.Bytes())
	case *rsa.PublicKey:
		e := big32(p.E)
		return append(apdu.Encode(tagRSAModulus, p.N.Bytes()), apdu.Encode(tagRSAExponent, e)...)
	}
	return nil
}

func big32(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}
