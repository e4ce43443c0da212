package piv

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/cardagent/cardagent/reader/apdu"
)

// Tags inside a certificate object (part 1, Appendix A: the X.509
// certificate containers).
const (
	tagCert     apdu.Tag = 0x70 // the certificate, DER (gzip'd if CertInfo says so)
	tagCertInfo apdu.Tag = 0x71 // CertInfo: bit 0 set = gzip compressed
)

const certInfoCompressed = 0x01

// maxCertSize bounds a decompressed certificate: a card object cannot be
// larger anyway, and a gzip bomb must not eat the workstation's memory.
const maxCertSize = 64 << 10

// Certificate reads and parses the X.509 certificate of a slot. A slot
// without one gives an error matching ErrNotFound.
func (c *Card) Certificate(slot Slot) (*x509.Certificate, error) {
	der, err := c.CertificateDER(slot)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, malformed("certificate of slot %s: %w", slot, err)
	}
	return cert, nil
}

// CertificateDER reads the certificate of a slot as DER, decompressed, for
// callers that cache it.
func (c *Card) CertificateDER(slot Slot) ([]byte, error) {
	tag, ok := slot.Object()
	if !ok {
		return nil, fmt.Errorf("%w: slot %s has no certificate object", ErrUnsupported, slot)
	}
	b, err := getData(&c.cl, tag, false)
	if err != nil {
		return nil, err
	}
	der, err := parseCertObject(b)
	if err != nil {
		return nil, fmt.Errorf("piv: certificate of slot %s: %w", slot, err)
	}
	return der, nil
}

// PutCertificate stores cert in the slot's certificate object, uncompressed.
// It needs an authenticated management key.
func (c *Card) PutCertificate(slot Slot, cert *x509.Certificate) error {
	tag, ok := slot.Object()
	if !ok {
		return fmt.Errorf("%w: slot %s has no certificate object", ErrUnsupported, slot)
	}
	return putData(&c.cl, tag, certObject(cert.Raw), false)
}

// certObject builds 70 {DER} 71 {00} FE {}.
func certObject(der []byte) []byte {
	b := apdu.AppendTLV(nil, tagCert, der)
	b = apdu.AppendTLV(b, tagCertInfo, []byte{0x00})
	return apdu.AppendTLV(b, tagLRC, nil)
}

// parseCertObject returns the DER certificate in 70, gunzipped when 71 has
// its compression bit set.
func parseCertObject(b []byte) ([]byte, error) {
	var der []byte
	var info byte
	var haveCert bool
	for len(b) > 0 {
		t, rest, err := apdu.ParseTLV(b)
		if err != nil {
			return nil, malformed("certificate object: %w", err)
		}
		switch t.Tag {
		case tagCert:
			der, haveCert = t.Value, true
		case tagCertInfo:
			if len(t.Value) > 0 {
				info = t.Value[0]
			}
		}
		b = rest
	}
	if !haveCert || len(der) == 0 {
		return nil, ErrNotFound
	}
	if info&certInfoCompressed == 0 {
		return bytes.Clone(der), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(der))
	if err != nil {
		return nil, malformed("certificate: gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxCertSize+1))
	if err != nil {
		return nil, malformed("certificate: gzip: %w", err)
	}
	if len(out) > maxCertSize {
		return nil, malformed("certificate: decompresses to over %d bytes", maxCertSize)
	}
	return out, nil
}
