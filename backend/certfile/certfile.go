// Package certfile is the PEM files identityd's admin commands and the demo
// exchange: a card's public key in, its certificate pair out as
// NAME.9a.crt.pem (authentication) and NAME.9c.crt.pem (signature).
package certfile

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// ReadPublicKey reads a PEM "PUBLIC KEY" (PKIX) file.
func ReadPublicKey(path string) (crypto.PublicKey, error) {
	der, err := ReadPEM(path, "") // any block type, as before
	if err != nil {
		return nil, err
	}
	return x509.ParsePKIXPublicKey(der)
}

// WritePair writes the pair into dir and returns the two paths.
func WritePair(dir, name string, auth, sign *x509.Certificate) ([]string, error) {
	var paths []string
	for _, c := range []struct {
		slot string
		cert *x509.Certificate
	}{{"9a", auth}, {"9c", sign}} {
		path := pairPath(dir, name, c.slot)
		if err := WriteCertificate(path, c.cert); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// ReadPair reads what WritePair wrote, as DER.
func ReadPair(dir, name string) (auth, sign []byte, err error) {
	if auth, err = ReadPEM(pairPath(dir, name, "9a"), "CERTIFICATE"); err != nil {
		return nil, nil, err
	}
	sign, err = ReadPEM(pairPath(dir, name, "9c"), "CERTIFICATE")
	return auth, sign, err
}

func pairPath(dir, name, slot string) string { return filepath.Join(dir, name+"."+slot+".crt.pem") }

// WriteCertificate writes one PEM certificate, readable by all (0644).
func WriteCertificate(path string, c *x509.Certificate) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
}

// ReadPEM reads the first PEM block of path, which must be of type kind.
func ReadPEM(path, kind string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || (kind != "" && blk.Type != kind) {
		return nil, fmt.Errorf("%s holds no PEM %s", path, kind)
	}
	return blk.Bytes, nil
}
