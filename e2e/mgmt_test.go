//go:build e2e

package e2e

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/reader/vcard"
)

// TestMgmtKeyAndKeygenThroughPcscd does what renewal will do, through
// pcscd: authenticate with an AES-128 management key in two steps (the
// response computed "elsewhere", as the backend will), generate ECC and RSA
// keys on the card, store a certificate, sign with the new key.
func TestMgmtKeyAndKeygenThroughPcscd(t *testing.T) {
	needRig(t)
	_, ch := startMonitor(t)
	card, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mgmtKey := bytes.Repeat([]byte{0x5A}, 16)
	if err := card.SetManagementKey(byte(piv.AlgAES128), mgmtKey); err != nil {
		t.Fatal(err)
	}
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	ca := newTestCA(t)

	for _, alg := range []piv.Algorithm{piv.AlgECCP256, piv.AlgRSA2048} {
		var pub crypto.PublicKey
		err := onCard(t, 0, func(p *piv.Card) error {
			chal, err := p.BeginMgmtAuth(piv.AlgAES128)
			if err != nil {
				return err
			}
			resp, err := piv.MgmtResponse(piv.AlgAES128, mgmtKey, chal.Challenge)
			if err != nil {
				return err
			}
			if err := p.FinishMgmtAuth(chal, resp); err != nil {
				return err
			}
			if pub, err = p.GenerateKey(piv.SlotAuthentication, alg); err != nil {
				return err
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Renewed"}, NotBefore: time.Now(), NotAfter: time.Now().AddDate(2, 0, 0)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
			if err != nil {
				return err
			}
			cert, _ := x509.ParseCertificate(der)
			return p.PutCertificate(piv.SlotAuthentication, cert)
		})
		if err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
		err = onCard(t, 0, func(p *piv.Card) error {
			cert, err := p.Certificate(piv.SlotAuthentication)
			if err != nil {
				return err
			}
			if err := p.Verify([]byte("123456")); err != nil {
				return err
			}
			s, err := p.Signer(piv.SlotAuthentication, cert.PublicKey)
			if err != nil {
				return err
			}
			digest := sha256.Sum256([]byte("after renewal"))
			sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				return err
			}
			return cert.CheckSignature(sigAlg(alg), []byte("after renewal"), sig)
		})
		if err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
	}
}

func sigAlg(alg piv.Algorithm) x509.SignatureAlgorithm {
	if alg == piv.AlgRSA2048 {
		return x509.SHA256WithRSA
	}
	return x509.ECDSAWithSHA256
}
