// Package ca is identityd's certificate authority (stdlib crypto/x509): it
// issues the card certificates for PIV slots 9A (authentication) and 9C
// (digital signature) with the user's UUID and name in the subject and the
// card GUID in the subjectAltName, and the server's TLS certificate. Its
// signer is injected, so the key may live in memory (sealed at rest) or in
// hardware.
package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// CA signs certificates with one key under one self-signed root.
type CA struct {
	cert   *x509.Certificate
	signer crypto.Signer
	roots  *x509.CertPool
}

// New checks that signer holds the key of certDER and returns the CA.
func New(certDER []byte, signer crypto.Signer) (*CA, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("parsing CA certificate: %w", err)
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("CA key does not match the CA certificate")
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &CA{cert: cert, signer: signer, roots: roots}, nil
}

// Generate makes a new ECDSA P-256 root, valid 20 years from now.
func Generate(commonName string, now time.Time) (certDER []byte, key *ecdsa.PrivateKey, err error) {
	key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"cardagent"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	certDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	return certDER, key, err
}

// Certificate is the CA certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// Roots is a pool holding only this CA: what clients pin.
func (c *CA) Roots() *x509.CertPool { return c.roots }

// Fingerprint is the SHA-256 of the CA certificate, as colon-separated hex.
func (c *CA) Fingerprint() string { return Fingerprint(c.cert.Raw) }

// Fingerprint formats the SHA-256 of a DER certificate.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// randomSerial is a positive 127-bit serial: unpredictable, as CA/B rules ask.
func randomSerial() *big.Int {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b)
}
