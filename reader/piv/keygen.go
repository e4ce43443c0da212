package piv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"math/big"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Tags of key generation (part 2, §3.3.2).
const (
	tagGenTemplate apdu.Tag = 0xAC   // control reference template
	tagGenAlg      apdu.Tag = 0x80   // algorithm
	tagPublicKey   apdu.Tag = 0x7F49 // public key template
	tagModulus     apdu.Tag = 0x81   // RSA modulus n
	tagExponent    apdu.Tag = 0x82   // RSA public exponent e
	tagPoint       apdu.Tag = 0x86   // EC point, uncompressed
)

// GenerateKey makes the card generate a key pair in slot (GENERATE
// ASYMMETRIC KEY PAIR) and returns the public key: *ecdsa.PublicKey or
// *rsa.PublicKey. The slot's old key is gone; its certificate stays until
// replaced. It needs an authenticated management key.
func (c *Card) GenerateKey(slot Slot, alg Algorithm) (crypto.PublicKey, error) {
	return generateKey(&c.cl, slot, alg)
}

func generateKey(cl *apdu.Client, slot Slot, alg Algorithm) (crypto.PublicKey, error) {
	if _, err := curveOf(alg); err != nil && alg.rsaBits() == 0 {
		return nil, fmt.Errorf("%w: %s cannot be generated", ErrUnsupported, alg)
	}
	data := apdu.Encode(tagGenTemplate, apdu.AppendTLV(nil, tagGenAlg, []byte{byte(alg)}))
	b, err := cl.Do(apdu.Command{INS: insGenerateKey, P2: byte(slot), Data: data, Ne: apdu.MaxExtendedNe})
	if err != nil {
		return nil, fmt.Errorf("piv: generating %s key in slot %s: %w", alg, slot, err)
	}
	pub, err := parsePublicKey(alg, b)
	if err != nil {
		return nil, fmt.Errorf("piv: generating %s key in slot %s: %w", alg, slot, err)
	}
	return pub, nil
}

// parsePublicKey reads 7F49 {86 point} or 7F49 {81 n, 82 e}. The template's
// content alone is accepted too.
func parsePublicKey(alg Algorithm, b []byte) (crypto.PublicKey, error) {
	if v, ok, err := apdu.Find(b, tagPublicKey); err == nil && ok {
		b = v
	}
	if curve, err := curveOf(alg); err == nil {
		p, ok, err := apdu.Find(b, tagPoint)
		if err != nil || !ok {
			return nil, malformed("public key without EC point")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, p)
		if err != nil {
			return nil, malformed("EC point: %w", err)
		}
		return pub, nil
	}
	bits := alg.rsaBits()
	if bits == 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, alg)
	}
	n, okN, errN := apdu.Find(b, tagModulus)
	e, okE, errE := apdu.Find(b, tagExponent)
	if errN != nil || errE != nil || !okN || !okE {
		return nil, malformed("RSA public key without modulus or exponent")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n)}
	if pub.N.BitLen() != bits {
		return nil, malformed("RSA modulus of %d bits for %s", pub.N.BitLen(), alg)
	}
	exp := new(big.Int).SetBytes(e)
	if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 || exp.Bit(0) == 0 {
		return nil, malformed("RSA public exponent")
	}
	pub.E = int(exp.Int64())
	return pub, nil
}

func curveOf(alg Algorithm) (elliptic.Curve, error) {
	switch alg {
	case AlgECCP256:
		return elliptic.P256(), nil
	case AlgECCP384:
		return elliptic.P384(), nil
	}
	return nil, fmt.Errorf("%w: %s is not an EC algorithm", ErrUnsupported, alg)
}
