package piv_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/reader/vcard"
)

// counter counts the APDUs that reach the card and remembers the longest.
type counter struct {
	t       apdu.Transmitter
	n       int
	longest int
}

func (c *counter) Transmit(cmd []byte) ([]byte, error) {
	c.n++
	c.longest = max(c.longest, len(cmd))
	return c.t.Transmit(cmd)
}

// provisioned returns a card with keys and certificates in 9A (alg) and
// 9C, as after issuance.
func provisioned(b testing.TB, alg piv.Algorithm, opts vcard.Options) (*vcard.Card, *x509.Certificate) {
	vc, err := vcard.New(opts)
	must(b, err)
	c := piv.New(vc)
	must(b, c.Select())
	must(b, c.AuthenticateMgmtKey(piv.Alg3DES, defaultMgmtKey))
	pub, err := c.GenerateKey(piv.SlotAuthentication, alg)
	must(b, err)
	must(b, c.Verify([]byte("123456")))
	signer, err := c.Signer(piv.SlotAuthentication, pub)
	must(b, err)
	cert := selfSigned(b, signer)
	must(b, c.PutCertificate(piv.SlotAuthentication, cert))
	return vc, cert
}

// BenchmarkLoginSequence is what a login costs at the card: select, tries
// left, VERIFY, the 9A certificate (read, or cached by GUID) and one
// signature. apdus/op counts every APDU sent, GET RESPONSE included.
func BenchmarkLoginSequence(b *testing.B) {
	for _, bc := range []struct {
		name     string
		alg      piv.Algorithm
		cached   bool
		extended bool
	}{
		{"P256/read-cert", piv.AlgECCP256, false, false},
		{"P256/cached-cert", piv.AlgECCP256, true, false},
		{"P256/read-cert/extended", piv.AlgECCP256, false, true},
		{"RSA2048/read-cert", piv.AlgRSA2048, false, false},
		{"RSA2048/cached-cert", piv.AlgRSA2048, true, false},
		{"RSA2048/read-cert/extended", piv.AlgRSA2048, false, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var vopts vcard.Options
			var opts []piv.Option
			if bc.extended {
				vopts.ATR = yubiKey5ATR
				opts = append(opts, piv.WithATR(yubiKey5ATR), piv.WithExtendedAPDUs())
			}
			vc, cached := provisioned(b, bc.alg, vopts)
			cnt := &counter{t: vc}
			digest := sha256.Sum256([]byte("login challenge"))
			b.ResetTimer()
			for b.Loop() {
				vc.Reset() // a fresh insert: nothing verified
				pin := []byte("123456")
				c := piv.New(cnt, opts...)
				must(b, c.Select())
				cert := cached
				if bc.cached {
					_, err := c.GUID() // the cache key
					must(b, err)
				}
				if _, err := c.Retries(); err != nil {
					b.Fatal(err)
				}
				must(b, c.Verify(pin))
				if !bc.cached {
					var err error
					cert, err = c.Certificate(piv.SlotAuthentication)
					must(b, err)
				}
				s, err := c.Signer(piv.SlotAuthentication, cert.PublicKey)
				must(b, err)
				if _, err := s.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cnt.n)/float64(b.N), "apdus/op")
		})
	}
}
