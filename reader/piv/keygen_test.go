package piv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

func ecPointTemplate(pub *ecdsa.PublicKey) []byte {
	pt, _ := pub.Bytes()
	return apdu.Encode(0x7F49, apdu.Encode(0x86, pt))
}

func rsaTemplate(pub *rsa.PublicKey) []byte {
	return apdu.Encode(0x7F49, apdu.Encode(0x81, pub.N.Bytes()), apdu.Encode(0x82, []byte{0x01, 0x00, 0x01}))
}

func TestGenerateKeyECC(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s := newScript(t).add(h("00 47 00 9A 05 AC 03 80 01 11 00"), cat(ecPointTemplate(&key.PublicKey), h("90 00")))
	pub, err := s.card().GenerateKey(SlotAuthentication, AlgECCP256)
	s.done()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := pub.(*ecdsa.PublicKey); !ok || !got.Equal(&key.PublicKey) {
		t.Errorf("GenerateKey = %v", pub)
	}
}

func TestGenerateKeyRSA(t *testing.T) {
	priv := testRSAKey(t)
	s := newScript(t).addLongResponse(h("00 47 00 9C 05 AC 03 80 01 07 00"), rsaTemplate(&priv.PublicKey))
	pub, err := s.card().GenerateKey(SlotSignature, AlgRSA2048)
	s.done()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := pub.(*rsa.PublicKey); !ok || !got.Equal(&priv.PublicKey) {
		t.Errorf("GenerateKey = %v", pub)
	}
}

func TestParsePublicKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pt, _ := ec.PublicKey.Bytes()
	priv := testRSAKey(t)
	tests := []struct {
		name    string
		alg     Algorithm
		b       []byte
		wantErr error
	}{
		{"EC", AlgECCP256, ecPointTemplate(&ec.PublicKey), nil},
		{"EC without 7F49", AlgECCP256, apdu.Encode(0x86, pt), nil},
		{"EC point off the curve", AlgECCP256, apdu.Encode(0x7F49, apdu.Encode(0x86, append([]byte{4}, make([]byte, 64)...))), ErrMalformed},
		{"EC compressed", AlgECCP256, apdu.Encode(0x7F49, apdu.Encode(0x86, append([]byte{2}, pt[1:33]...))), ErrMalformed},
		{"EC point for P-384", AlgECCP384, ecPointTemplate(&ec.PublicKey), ErrMalformed},
		{"EC no point", AlgECCP256, h("7F 49 00"), ErrMalformed},
		{"RSA", AlgRSA2048, rsaTemplate(&priv.PublicKey), nil},
		{"RSA modulus for 1024", AlgRSA1024, rsaTemplate(&priv.PublicKey), ErrMalformed},
		{"RSA exponent 1", AlgRSA2048, apdu.Encode(0x7F49, apdu.Encode(0x81, priv.N.Bytes()), h("82 01 01")), ErrMalformed},
		{"RSA no exponent", AlgRSA2048, apdu.Encode(0x7F49, apdu.Encode(0x81, priv.N.Bytes())), ErrMalformed},
		{"3DES", Alg3DES, h("7F 49 00"), ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parsePublicKey(tt.alg, tt.b)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("parsePublicKey: %v, want %v", err, tt.wantErr)
			}
		})
	}
	if _, err := newScript(t).card().GenerateKey(SlotAuthentication, AlgAES128); !errors.Is(err, ErrUnsupported) {
		t.Errorf("GenerateKey(AES): %v", err)
	}
}
