package vcard

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Enrolment is a card as a card management system hands it out for demos
// and tests: the card id, the key (in slots 9A and 9C) and the two
// certificates. `identityd demo -card-dir DIR` writes one per demo user as
// DIR/<uuid>.guid, <uuid>.key.pem, <uuid>.9a.crt.pem and <uuid>.9c.crt.pem.
type Enrolment struct {
	GUID     [16]byte
	Key      crypto.Signer
	AuthCert []byte // DER, slot 9A
	SignCert []byte // DER, slot 9C
}

// LoadEnrolment reads the files of user userID from dir.
func LoadEnrolment(dir, userID string) (Enrolment, error) {
	var e Enrolment
	base := filepath.Join(dir, userID)
	g, err := os.ReadFile(base + ".guid")
	if err != nil {
		return e, err
	}
	guid, err := hex.DecodeString(strings.TrimSpace(string(g)))
	if err != nil || len(guid) != 16 {
		return e, fmt.Errorf("vcard: %s.guid is not 32 hex digits", base)
	}
	copy(e.GUID[:], guid)
	der, err := readPEM(base+".key.pem", "PRIVATE KEY")
	if err != nil {
		return e, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return e, fmt.Errorf("vcard: %s.key.pem: %w", base, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return e, errors.New("vcard: the demo key is not a signing key")
	}
	e.Key = signer
	if e.AuthCert, err = readPEM(base+".9a.crt.pem", "CERTIFICATE"); err != nil {
		return e, err
	}
	if e.SignCert, err = readPEM(base+".9c.crt.pem", "CERTIFICATE"); err != nil {
		return e, err
	}
	return e, nil
}

func readPEM(path, kind string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != kind {
		return nil, fmt.Errorf("vcard: %s holds no %s", path, kind)
	}
	return blk.Bytes, nil
}

// Enrol personalises the card with e: GUID, keys and certificates. Like
// Provision it is a demo and test aid, not an APDU path.
func (c *Card) Enrol(e Enrolment) error {
	if err := c.SetGUID(e.GUID); err != nil {
		return err
	}
	if err := c.Provision(0x9A, e.Key, e.AuthCert); err != nil {
		return err
	}
	return c.Provision(0x9C, e.Key, e.SignCert)
}

// SetGUID gives the card a new identity: the GUID in a fresh CHUID.
func (c *Card) SetGUID(guid [16]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.GUID = append(hexBytes(nil), guid[:]...)
	c.st.Objects[tagName(tagCHUID)] = newCHUID(guid[:])
	return c.persist()
}
