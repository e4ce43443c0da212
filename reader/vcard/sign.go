package vcard

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"math/big"

	"github.com/cardagent/cardagent/reader/apdu"
)

// pinPolicy is the slot's rule for using its key (SP 800-73-4 Part 1 §3.1:
// 9C is "PIN always", 9E needs no PIN), unless the key was generated with
// an explicit Yubico policy.
func pinPolicy(slot byte, k *slotKey) byte {
	if k.PINPolicy != pinPolicyDefault {
		return k.PINPolicy
	}
	switch slot {
	case slot9C:
		return pinPolicyAlways
	case slot9E:
		return pinPolicyNever
	}
	return pinPolicyOnce
}

// useKey runs a private-key operation with GENERAL AUTHENTICATE (SP 800-73-4
// Part 2 §3.2.4, Appendix A.3–A.5): 7C{82 00, 81 data} signs (ECDSA over the
// given hash, or raw RSA over a block the host padded) and 7C{82 00, 85 point}
// is ECDH. The answer is 7C{82 result}.
func (c *Card) useKey(cmd apdu.Command) ([]byte, status) {
	k := c.st.Keys[slotName(cmd.P2)]
	key := c.keys[cmd.P2]
	if k == nil || key == nil {
		return nil, apdu.SWNotFound
	}
	if cmd.P1 != k.Alg {
		return nil, apdu.SWIncorrectP1P2
	}
	items, ok := dynAuth(cmd.Data)
	if !ok {
		return nil, apdu.SWWrongData
	}
	resp, hasR := items[tagResponse]
	data, hasC := items[tagChallenge]
	point, hasE := items[tagExponential]
	if !hasR || len(resp) != 0 || hasC == hasE {
		return nil, apdu.SWWrongData
	}

	policy := pinPolicy(cmd.P2, k)
	switch {
	case policy == pinPolicyAlways && !c.pinAlways,
		policy == pinPolicyOnce && !c.pinVerified:
		return nil, apdu.SWSecurityStatus
	}

	var out []byte
	var sw status = apdu.SWSuccess
	switch priv := key.(type) {
	case *ecdsa.PrivateKey:
		if hasE {
			out, sw = ecdhShared(priv, point)
		} else {
			var err error
			if out, err = ecdsa.SignASN1(rand.Reader, priv, data); err != nil {
				sw = apdu.SWWrongData
			}
		}
	case *rsa.PrivateKey:
		if hasE {
			return nil, apdu.SWWrongData
		}
		out, sw = rawRSA(priv, data)
	default:
		return nil, apdu.SWUnknown
	}
	if sw != apdu.SWSuccess {
		return nil, sw
	}
	if policy == pinPolicyAlways {
		c.pinAlways = false // one verification, one use
	}
	return apdu.Encode(tagDynAuth, apdu.Encode(tagResponse, out)), apdu.SWSuccess
}

// rawRSA is the card's RSA private operation: no padding, the host does it.
// It serves both signing (PKCS#1 v1.5 or PSS block) and decryption.
func rawRSA(priv *rsa.PrivateKey, block []byte) ([]byte, status) {
	k := priv.Size()
	if len(block) != k {
		return nil, apdu.SWWrongLength
	}
	m := new(big.Int).SetBytes(block)
	if m.Cmp(priv.N) >= 0 {
		return nil, apdu.SWWrongData
	}
	s := new(big.Int).Exp(m, priv.D, priv.N)
	return s.FillBytes(make([]byte, k)), apdu.SWSuccess
}

// ecdhShared is key agreement with the peer's uncompressed point; the
// answer is the shared X coordinate (SP 800-73-4 Part 2 Appendix A.5).
func ecdhShared(priv *ecdsa.PrivateKey, point []byte) ([]byte, status) {
	ek, err := priv.ECDH()
	if err != nil {
		return nil, apdu.SWUnknown
	}
	peer, err := ek.Curve().NewPublicKey(point)
	if err != nil {
		return nil, apdu.SWWrongData
	}
	secret, err := ek.ECDH(peer)
	if err != nil {
		return nil, apdu.SWWrongData
	}
	return secret, apdu.SWSuccess
}
