//go:build e2e

package reader

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"time"

	"github.com/cardagent/cardagent/reader/vcard"
)

// provisionCert puts a self-signed P-256 certificate in 9A so reads are
// the size of a real login certificate.
func provisionCert(card *vcard.Card) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Bench User", SerialNumber: "123456789012"},
		NotBefore:    time.Now(),
		NotAfter:     time.Now().AddDate(2, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return err
	}
	return card.Provision(0x9A, key, der)
}
