package piv

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Tags of the dynamic authentication template (part 2, §3.2.4, table 7).
const (
	tagDynAuth   apdu.Tag = 0x7C
	tagChallenge apdu.Tag = 0x81
	tagResponse  apdu.Tag = 0x82
)

// MgmtChallenge is the card's challenge for a management-key (9B)
// authentication. Whoever holds the key encrypts Challenge with it (one
// block, ECB) and hands the result to FinishMgmtAuth.
type MgmtChallenge struct {
	Alg       Algorithm
	Challenge []byte
}

// BeginMgmtAuth asks the card for a challenge (GENERAL AUTHENTICATE 9B with
// 7C {81 00}, the "external authenticate" of SP 800-73-4 part 2 Appendix
// A.3). The response may be computed elsewhere, e.g. by a backend that never
// lets the key out. Nothing else may reach the card's PIV application
// between BeginMgmtAuth and FinishMgmtAuth: the card forgets its challenge
// on the next command.
func (c *Card) BeginMgmtAuth(alg Algorithm) (MgmtChallenge, error) {
	return beginMgmtAuth(&c.cl, alg)
}

// FinishMgmtAuth sends the encrypted challenge (7C {82 response}). A wrong
// response gives an error matching ErrMgmtKeyRejected. The response never
// appears in the trace.
func (c *Card) FinishMgmtAuth(ch MgmtChallenge, response []byte) error {
	return finishMgmtAuth(&c.cl, ch, response)
}

// AuthenticateMgmtKey does both steps with a key held here: for tests,
// demos and the factory-default key. key is not wiped: it is the caller's.
func (c *Card) AuthenticateMgmtKey(alg Algorithm, key []byte) error {
	if err := checkMgmtKey(alg, key); err != nil {
		return err
	}
	ch, err := beginMgmtAuth(&c.cl, alg)
	if err != nil {
		return err
	}
	resp, err := MgmtResponse(alg, key, ch.Challenge)
	if err != nil {
		return err
	}
	defer clear(resp)
	return finishMgmtAuth(&c.cl, ch, resp)
}

// SetManagementKey replaces the management key (YubiKey's SET MANAGEMENT
// KEY, INS FF, which many PIV implementations copy; others answer
// ErrNotSupported). It needs an authenticated management key. The key never
// appears in the trace; it is not wiped: it is the caller's.
func (c *Card) SetManagementKey(alg Algorithm, key []byte) error {
	if err := checkMgmtKey(alg, key); err != nil {
		return err
	}
	data := make([]byte, 0, 3+len(key))
	data = append(data, byte(alg), keyMgmt, byte(len(key)))
	data = append(data, key...)
	defer clear(data)
	_, err := c.cl.Do(apdu.Command{INS: insSetMgmtKey, P1: 0xFF, P2: 0xFF, Data: data, Sensitive: true})
	if err != nil {
		return fmt.Errorf("piv: setting management key: %w", err)
	}
	return nil
}

// MgmtResponse computes the answer to a management-key challenge: the
// challenge encrypted with key, one block in ECB mode. It is what a backend
// holding the key does; here for AuthenticateMgmtKey and tests.
func MgmtResponse(alg Algorithm, key, challenge []byte) ([]byte, error) {
	b, err := mgmtBlock(alg, key)
	if err != nil {
		return nil, err
	}
	if len(challenge) != b.BlockSize() {
		return nil, malformed("management key challenge of %d bytes for %s", len(challenge), alg)
	}
	out := make([]byte, b.BlockSize())
	b.Encrypt(out, challenge)
	return out, nil
}

// mgmtBlock is the block cipher of a management key.
func mgmtBlock(alg Algorithm, key []byte) (cipher.Block, error) {
	if err := checkMgmtKey(alg, key); err != nil {
		return nil, err
	}
	var b cipher.Block
	var err error
	if alg == Alg3DES {
		b, err = des.NewTripleDESCipher(key)
	} else {
		b, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: management key: %w", ErrUnsupported, err)
	}
	return b, nil
}

func beginMgmtAuth(cl *apdu.Client, alg Algorithm) (MgmtChallenge, error) {
	n, err := mgmtBlockSize(alg)
	if err != nil {
		return MgmtChallenge{}, err
	}
	data := apdu.Encode(tagDynAuth, apdu.AppendTLV(nil, tagChallenge, nil))
	b, err := cl.Do(apdu.Command{INS: insGeneralAuth, P1: byte(alg), P2: keyMgmt, Data: data, Ne: apdu.MaxShortNe})
	if err != nil {
		return MgmtChallenge{}, fmt.Errorf("piv: management key challenge: %w", err)
	}
	chal, err := parseDynAuth(b, tagChallenge)
	if err != nil {
		return MgmtChallenge{}, fmt.Errorf("piv: management key challenge: %w", err)
	}
	if len(chal) != n {
		return MgmtChallenge{}, malformed("management key challenge of %d bytes for %s", len(chal), alg)
	}
	return MgmtChallenge{Alg: alg, Challenge: bytes.Clone(chal)}, nil
}

func finishMgmtAuth(cl *apdu.Client, ch MgmtChallenge, response []byte) error {
	n, err := mgmtBlockSize(ch.Alg)
	if err != nil {
		return err
	}
	if len(response) != n {
		return fmt.Errorf("%w: management key response of %d bytes for %s", ErrMgmtKeyRejected, len(response), ch.Alg)
	}
	inner := apdu.AppendTLV(nil, tagResponse, response)
	data := apdu.AppendTLV(nil, tagDynAuth, inner)
	defer clear(inner)
	defer clear(data)
	_, err = cl.Do(apdu.Command{INS: insGeneralAuth, P1: byte(ch.Alg), P2: keyMgmt, Data: data, Sensitive: true})
	if err != nil {
		var se *apdu.StatusError
		if errors.As(err, &se) {
			return fmt.Errorf("%w: %w", ErrMgmtKeyRejected, err)
		}
		return fmt.Errorf("piv: management key response: %w", err)
	}
	return nil
}

// parseDynAuth returns one element of a 7C dynamic authentication template.
func parseDynAuth(b []byte, tag apdu.Tag) ([]byte, error) {
	inner, err := apdu.Unwrap(b, tagDynAuth)
	if err != nil {
		return nil, malformed("authentication template: %w", err)
	}
	v, ok, err := apdu.Find(inner, tag)
	if err != nil {
		return nil, malformed("authentication template: %w", err)
	}
	if !ok {
		return nil, malformed("authentication template without %s", tag)
	}
	return v, nil
}

func mgmtBlockSize(alg Algorithm) (int, error) {
	switch alg {
	case Alg3DES:
		return des.BlockSize, nil
	case AlgAES128, AlgAES192, AlgAES256:
		return aes.BlockSize, nil
	}
	return 0, fmt.Errorf("%w: %s is no management key algorithm", ErrUnsupported, alg)
}

func checkMgmtKey(alg Algorithm, key []byte) error {
	want := map[Algorithm]int{Alg3DES: 24, AlgAES128: 16, AlgAES192: 24, AlgAES256: 32}[alg]
	if want == 0 {
		return fmt.Errorf("%w: %s is no management key algorithm", ErrUnsupported, alg)
	}
	if len(key) != want {
		return fmt.Errorf("%w: %s management key must be %d bytes", ErrUnsupported, alg, want)
	}
	return nil
}
