package piv

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/reader/apdu"
)

// tagWitness is the witness of a mutual authentication (part 2, table 7).
const tagWitness apdu.Tag = 0x80

// MgmtWitness is the card's witness for a mutual management-key (9B)
// authentication, encrypted with the card's key. Whoever holds the key
// decrypts it and proves so in FinishMutualAuth; the card's answer there
// proves the card holds the key too.
type MgmtWitness struct {
	Alg       Algorithm
	Encrypted []byte
}

// BeginMutualAuth starts a mutual management-key authentication
// (GENERAL AUTHENTICATE 9B with 7C {80 00}, SP 800-73-4 part 2 Appendix
// A.2): the card draws a witness and answers it encrypted. As with
// BeginMgmtAuth, nothing else may reach the card's PIV application before
// FinishMutualAuth.
//
// Unlike the external authentication it proves the card to the key holder:
// a backend that must know the real card is present (its GUID alone is
// readable by anyone) relays this exchange.
func (c *Card) BeginMutualAuth(alg Algorithm) (MgmtWitness, error) {
	n, err := mgmtBlockSize(alg)
	if err != nil {
		return MgmtWitness{}, err
	}
	data := apdu.Encode(tagDynAuth, apdu.AppendTLV(nil, tagWitness, nil))
	b, err := c.cl.Do(apdu.Command{INS: insGeneralAuth, P1: byte(alg), P2: keyMgmt, Data: data, Ne: apdu.MaxShortNe})
	if err != nil {
		return MgmtWitness{}, fmt.Errorf("piv: management key witness: %w", err)
	}
	w, err := parseDynAuth(b, tagWitness)
	if err != nil {
		return MgmtWitness{}, fmt.Errorf("piv: management key witness: %w", err)
	}
	if len(w) != n {
		return MgmtWitness{}, malformed("management key witness of %d bytes for %s", len(w), alg)
	}
	return MgmtWitness{Alg: alg, Encrypted: bytes.Clone(w)}, nil
}

// FinishMutualAuth sends the decrypted witness and the key holder's own
// challenge (7C {80 witness, 81 challenge}) and returns the card's answer,
// the challenge encrypted with its key (7C {82 …}), for the key holder to
// check. A witness the card does not recognise gives ErrMgmtKeyRejected;
// then the card's management key is not authenticated.
func (c *Card) FinishMutualAuth(w MgmtWitness, witness, challenge []byte) ([]byte, error) {
	n, err := mgmtBlockSize(w.Alg)
	if err != nil {
		return nil, err
	}
	if len(witness) != n || len(challenge) != n {
		return nil, fmt.Errorf("%w: witness and challenge must be %d bytes for %s", ErrMgmtKeyRejected, n, w.Alg)
	}
	inner := apdu.AppendTLV(apdu.AppendTLV(nil, tagWitness, witness), tagChallenge, challenge)
	data := apdu.AppendTLV(nil, tagDynAuth, inner)
	defer clear(inner)
	defer clear(data)
	b, err := c.cl.Do(apdu.Command{INS: insGeneralAuth, P1: byte(w.Alg), P2: keyMgmt, Data: data, Ne: apdu.MaxShortNe, Sensitive: true})
	if err != nil {
		var se *apdu.StatusError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %w", ErrMgmtKeyRejected, err)
		}
		return nil, fmt.Errorf("piv: management key witness: %w", err)
	}
	resp, err := parseDynAuth(b, tagResponse)
	if err != nil {
		return nil, fmt.Errorf("piv: management key answer: %w", err)
	}
	if len(resp) != n {
		return nil, malformed("management key answer of %d bytes for %s", len(resp), w.Alg)
	}
	return bytes.Clone(resp), nil
}

// MgmtDecrypt opens a witness with the management key (one block, ECB):
// the key holder's part of a mutual authentication, here for tests and
// tools; a backend does the same with the key it never lets out.
func MgmtDecrypt(alg Algorithm, key, block []byte) ([]byte, error) {
	b, err := mgmtBlock(alg, key)
	if err != nil {
		return nil, err
	}
	if len(block) != b.BlockSize() {
		return nil, malformed("a %d-byte block for %s", len(block), alg)
	}
	out := make([]byte, b.BlockSize())
	b.Decrypt(out, block)
	return out, nil
}
