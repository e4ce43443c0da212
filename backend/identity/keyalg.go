package identity

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// checkKeyAlgorithm refuses a renewal key (canonical DER, as parseCardKey
// returns it) of another kind than the policy asks for.
func checkKeyAlgorithm(der []byte, want api.KeyAlgorithm) error {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return errs.BadRequest(api.CodeInvalidRequest, "public_key is not a DER SubjectPublicKeyInfo", err)
	}
	var got api.KeyAlgorithm
	switch pub.(type) {
	case *ecdsa.PublicKey:
		got = api.KeyECCP256 // parseCardKey let through P-256 only
	case *rsa.PublicKey:
		got = api.KeyRSA2048
	}
	if got != want {
		return errs.BadRequest(api.CodeInvalidRequest, fmt.Sprintf("public_key: the policy asks for %s keys, not %s", want, got), nil)
	}
	return nil
}
