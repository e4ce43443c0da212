package ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"time"
)

// Reasons VerifyCard refuses a certificate.
var (
	ErrUntrusted      = errors.New("certificate not issued by this CA")
	ErrExpired        = errors.New("certificate expired")
	ErrNotYetValid    = errors.New("certificate not yet valid")
	ErrWrongCard      = errors.New("certificate not issued to this card")
	ErrWrongProfile   = errors.New("certificate is not a card authentication certificate")
	ErrBadSignature   = errors.New("signature does not verify")
	ErrUnsupportedSig = errors.New("unsupported signature key")
)

// VerifyCard checks that cert was signed by this CA, is valid at at, is an
// authentication certificate and names cardGUID.
func (c *CA) VerifyCard(cert *x509.Certificate, cardGUID []byte, at time.Time) error {
	// The issuer's signature first: nothing else in an untrusted
	// certificate means anything.
	if err := c.CheckIssuer(cert); err != nil {
		return err
	}
	return CheckCardCert(cert, cardGUID, at)
}

// CheckIssuer checks that this CA signed cert.
func (c *CA) CheckIssuer(cert *x509.Certificate) error {
	if !bytes.Equal(cert.RawIssuer, c.cert.RawSubject) || cert.CheckSignatureFrom(c.cert) != nil {
		return ErrUntrusted
	}
	return nil
}

// CheckCardCert checks what VerifyCard checks beyond the issuer signature:
// validity at at, the authentication profile and the card GUID.
func CheckCardCert(cert *x509.Certificate, cardGUID []byte, at time.Time) error {
	switch {
	case at.Before(cert.NotBefore):
		return ErrNotYetValid
	case at.After(cert.NotAfter):
		return ErrExpired
	}
	clientAuth := false
	for _, u := range cert.ExtKeyUsage {
		clientAuth = clientAuth || u == x509.ExtKeyUsageClientAuth
	}
	if !clientAuth || cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return ErrWrongProfile
	}
	want := CardURI(cardGUID).String()
	for _, u := range cert.URIs {
		if u.String() == want {
			return nil
		}
	}
	return ErrWrongCard
}

// VerifyDigestSignature checks a card signature over a SHA-256 digest:
// ECDSA (ASN.1 DER) or RSA PKCS#1 v1.5.
func VerifyDigestSignature(pub crypto.PublicKey, digest, sig []byte) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if ecdsa.VerifyASN1(k, digest, sig) {
			return nil
		}
		return ErrBadSignature
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) != nil {
			return ErrBadSignature
		}
		return nil
	}
	return ErrUnsupportedSig
}
