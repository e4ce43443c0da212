package demo

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/certfile"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/reader/vcard"
)

// The enrolment files: a directory with the CA (ca.pem) and, per demo user
// UUID, UUID.guid (32 hex digits), UUID.key.pem (PKCS #8 "PRIVATE KEY": it
// stands in for the card's private key, demo only) and the certificate pair
// UUID.9a.crt.pem, UUID.9c.crt.pem (certfile), and UUID.mgmt (the card's
// management key in hex: it too stands for what is inside the card; older
// directories without it give cards the factory default). Written by WriteEnrolments
// (`identityd demo -card-dir`), read by LoadEnrolment (`vcard init
// --enrol-dir`, the e2e rig).

// WriteEnrolments gives each demo user a software card enrolled by svc
// unless its files exist, and writes ca.pem; it prints each certificate
// path on out.
func WriteEnrolments(ctx context.Context, svc *identity.Service, dir string, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := certfile.WriteCertificate(filepath.Join(dir, "ca.pem"), svc.CA().Certificate()); err != nil {
		return err
	}
	for _, du := range Users {
		base := filepath.Join(dir, du.User.ID)
		if _, err := os.Stat(base + ".key.pem"); err == nil {
			continue
		}
		var guid [16]byte
		rand.Read(guid[:])
		e, err := enrol(ctx, svc, du.User.ID, guid)
		if err != nil {
			return err
		}
		if err := writeEnrolment(dir, du.User.ID, e, out); err != nil {
			return err
		}
	}
	return nil
}

func writeEnrolment(dir, userID string, e vcard.Enrolment, out io.Writer) error {
	base := filepath.Join(dir, userID)
	der, err := x509.MarshalPKCS8PrivateKey(e.Key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(base+".guid", []byte(api.FormatCardGUID(e.GUID[:])+"\n"), 0o644); err != nil {
		return err
	}
	if e.MgmtKey != nil {
		if err := os.WriteFile(base+".mgmt", []byte(hex.EncodeToString(e.MgmtKey)+"\n"), 0o600); err != nil {
			return err
		}
	}
	if e.PUK != nil {
		if err := os.WriteFile(base+".puk", append(append([]byte(nil), e.PUK...), '\n'), 0o600); err != nil {
			return err
		}
	}
	auth, err := x509.ParseCertificate(e.AuthCert)
	if err != nil {
		return err
	}
	sign, err := x509.ParseCertificate(e.SignCert)
	if err != nil {
		return err
	}
	paths, err := certfile.WritePair(dir, userID, auth, sign)
	for _, p := range paths {
		fmt.Fprintln(out, p)
	}
	return err
}

// LoadEnrolment reads the enrolment of user userID from dir.
func LoadEnrolment(dir, userID string) (vcard.Enrolment, error) {
	var e vcard.Enrolment
	base := filepath.Join(dir, userID)
	g, err := os.ReadFile(base + ".guid")
	if err != nil {
		return e, err
	}
	guid, err := hex.DecodeString(strings.TrimSpace(string(g)))
	if err != nil || len(guid) != 16 {
		return e, fmt.Errorf("demo: %s.guid is not 32 hex digits", base)
	}
	copy(e.GUID[:], guid)
	der, err := certfile.ReadPEM(base+".key.pem", "PRIVATE KEY")
	if err != nil {
		return e, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return e, fmt.Errorf("demo: %s.key.pem: %w", base, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return e, errors.New("demo: the demo key is not a signing key")
	}
	e.Key = signer
	switch mk, err := os.ReadFile(base + ".mgmt"); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return e, err
	default:
		if e.MgmtKey, err = hex.DecodeString(strings.TrimSpace(string(mk))); err != nil || len(e.MgmtKey) != 16 {
			return e, fmt.Errorf("demo: %s.mgmt is not 32 hex digits", base)
		}
	}
	switch p, err := os.ReadFile(base + ".puk"); {
	case errors.Is(err, os.ErrNotExist): // an older card directory: the factory PUK
	case err != nil:
		return e, err
	default:
		e.PUK = []byte(strings.TrimSpace(string(p)))
	}
	e.AuthCert, e.SignCert, err = certfile.ReadPair(dir, userID)
	return e, err
}
