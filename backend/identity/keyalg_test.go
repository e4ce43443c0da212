package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
)

// A renewal records only keys of the kind the policy asks for.
func TestCheckKeyAlgorithm(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	rsDER, _ := x509.MarshalPKIXPublicKey(&rs.PublicKey)
	for _, c := range []struct {
		der  []byte
		want api.KeyAlgorithm
		ok   bool
	}{
		{ecDER, api.KeyECCP256, true},
		{rsDER, api.KeyRSA2048, true},
		{ecDER, api.KeyRSA2048, false},
		{rsDER, api.KeyECCP256, false},
		{[]byte("not a key"), api.KeyECCP256, false},
	} {
		err := checkKeyAlgorithm(c.der, c.want)
		if (err == nil) != c.ok {
			t.Errorf("want %s: %v", c.want, err)
		}
		if err != nil && !c.ok && len(c.der) > 20 && !strings.Contains(err.Error(), "the policy asks for "+string(c.want)) {
			t.Errorf("the refusal does not say what the policy asks for: %v", err)
		}
	}
}
