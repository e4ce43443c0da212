package identity

import (
	"crypto/aes"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// mgmtResponse answers a card's management-key (9B) challenge as PIV
// external authentication wants it: the challenge encrypted with the
// card's AES-128 key, one block, ECB (SP 800-73-4 part 2, appendix A.3).
func mgmtResponse(key, challenge []byte) ([]byte, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(challenge) != b.BlockSize() {
		return nil, fmt.Errorf("management key challenge of %d bytes", len(challenge))
	}
	out := make([]byte, b.BlockSize())
	b.Encrypt(out, challenge)
	return out, nil
}

// mgmtOpen decrypts a card's mutual-authentication witness with its
// AES-128 key, one block, ECB (SP 800-73-4 part 2, appendix A.2).
func mgmtOpen(key, block []byte) ([]byte, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(block) != b.BlockSize() {
		return nil, fmt.Errorf("management key witness of %d bytes", len(block))
	}
	out := make([]byte, b.BlockSize())
	b.Decrypt(out, block)
	return out, nil
}

// cardAuthNext is the state a relayed 9B authentication for purpose moves a
// renewal in state from to; false if the purpose is not allowed there.
func cardAuthNext(from store.RenewalState, purpose api.CardAuthPurpose) (store.RenewalState, bool) {
	switch {
	case purpose == api.PurposeGenerate9C && (from == store.RenewalOpened || from == store.RenewalGenerating9C):
		return store.RenewalGenerating9C, true
	case purpose == api.PurposeGenerate9A && (from == store.RenewalRecorded9C || from == store.RenewalGenerating9A):
		return store.RenewalGenerating9A, true
	case purpose == api.PurposeWrite && (from == store.RenewalIssued || from == store.RenewalWriting):
		return store.RenewalWriting, true
	}
	return "", false
}

// parseCardKey reads a public key sent as DER SubjectPublicKeyInfo, checks
// the card profile allows its type and returns it with its canonical DER,
// the form keys are recorded and compared in.
func parseCardKey(der []byte) ([]byte, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errs.BadRequest(api.CodeInvalidRequest, "public_key is not a DER SubjectPublicKeyInfo", err)
	}
	if err := ca.CheckCardKey(pub); err != nil {
		return nil, errs.BadRequest(api.CodeInvalidRequest, "public_key: "+err.Error(), err)
	}
	return marshalKey(pub)
}

// marshalKey is the canonical DER SubjectPublicKeyInfo of pub.
func marshalKey(pub any) ([]byte, error) {
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, errs.BadRequest(api.CodeInvalidRequest, "the key cannot be encoded", err)
	}
	return b, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
