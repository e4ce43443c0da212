package identity

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
)

// verifiedCerts remembers certificates whose CA signature already verified,
// so a login costs one ECDSA verification (the card's), not two. Only the
// issuer signature is cached: validity, card binding and card state are
// checked on every login. Bounded: it is emptied when full.
type verifiedCerts struct {
	mu sync.Mutex
	m  map[[32]byte]*x509.Certificate
}

const verifiedCertsMax = 100_000

func newVerifiedCerts() *verifiedCerts {
	return &verifiedCerts{m: make(map[[32]byte]*x509.Certificate)}
}

func (v *verifiedCerts) get(der []byte) (*x509.Certificate, bool) {
	k := sha256.Sum256(der)
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.m[k]
	return c, ok
}

func (v *verifiedCerts) put(c *x509.Certificate) {
	k := sha256.Sum256(c.Raw)
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= verifiedCertsMax {
		clear(v.m)
	}
	v.m[k] = c
}

// storedCert parses a certificate this service issued and stored (a
// renewal's pending pair), from the cache when it is there.
func (s *Service) storedCert(der []byte) (*x509.Certificate, error) {
	if c, ok := s.certs.get(der); ok {
		return c, nil
	}
	return x509.ParseCertificate(der)
}
