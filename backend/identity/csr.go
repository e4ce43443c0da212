package identity

import (
	"crypto"
	"crypto/x509"
	"fmt"

	"github.com/cardagent/cardagent/backend/ca"
)

// KeysFromCSRs reads the card keys of a renewal from the two CSRs the card
// signed (x509.CreateCertificateRequest with the slot's crypto.Signer): each
// must parse, carry its own valid signature (proof the card holds the key)
// and hold a key type the card profile allows.
func KeysFromCSRs(authCSR, signCSR []byte) (CardKeys, error) {
	var keys CardKeys
	for _, c := range []struct {
		der []byte
		dst *crypto.PublicKey
		who string
	}{{authCSR, &keys.Authentication, "9a"}, {signCSR, &keys.Signature, "9c"}} {
		csr, err := x509.ParseCertificateRequest(c.der)
		if err != nil {
			return keys, fmt.Errorf("slot %s CSR: %w", c.who, err)
		}
		if err := csr.CheckSignature(); err != nil {
			return keys, fmt.Errorf("slot %s CSR signature: %w", c.who, err)
		}
		if err := ca.CheckCardKey(csr.PublicKey); err != nil {
			return keys, fmt.Errorf("slot %s CSR: %w", c.who, err)
		}
		*c.dst = csr.PublicKey
	}
	return keys, nil
}
