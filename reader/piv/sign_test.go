package piv

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

var (
	rsaOnce sync.Once
	rsaKey2 *rsa.PrivateKey
)

// testRSAKey is one RSA-2048 key shared by the tests: generating is slow.
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey2
}

// sigResponse wraps a signature as the card answers: 7C {82 sig} 90 00.
func sigResponse(sig []byte) []byte {
	return cat(apdu.Encode(0x7C, apdu.Encode(0x82, sig)), h("90 00"))
}

func TestSignECDSA(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("login challenge"))
	cmd := cat(h("00 87 11 9A 26 7C 24 82 00 81 20"), digest[:], h("00"))

	der, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	wrong, _ := ecdsa.SignASN1(rand.Reader, other, digest[:])
	r, s, _ := parseRS(der)
	raw := cat(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32)))

	tests := []struct {
		name    string
		resp    []byte
		wantErr error
	}{
		{"DER", sigResponse(der), nil},
		{"raw r||s", sigResponse(raw), nil},
		{"other key", sigResponse(wrong), ErrBadSignature},
		{"garbage", sigResponse([]byte{1, 2, 3}), ErrMalformed},
		{"no 82", cat(apdu.Encode(0x7C, apdu.Encode(0x81, der)), h("90 00")), ErrMalformed},
		{"PIN needed", h("69 82"), ErrSecurityStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScript(t).add(cmd, tt.resp)
			signer, err := sc.card().Signer(SlotAuthentication, &key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
			sc.done()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sign: %v, want %v", err, tt.wantErr)
			}
			if err == nil && !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				t.Error("signature does not verify")
			}
		})
	}
}

func parseRS(der []byte) (r, s *big.Int, err error) {
	b, err := ecdsaDER(der, 32)
	if err != nil {
		return nil, nil, err
	}
	var v struct{ R, S *big.Int }
	_, err = asn1.Unmarshal(b, &v)
	return v.R, v.S, err
}

// TestSignECDSAP384 signs a SHA-256 digest with a P-384 key: the card gets
// it zero-extended to 48 bytes.
func TestSignECDSAP384(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	digest := sha256.Sum256([]byte("x"))
	in := cat(make([]byte, 16), digest[:])
	der, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	sc := newScript(t).add(cat(h("00 87 14 9C 36 7C 34 82 00 81 30"), in, h("00")), sigResponse(der))
	signer, err := sc.card().Signer(SlotSignature, &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signer.Sign(nil, digest[:], crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	sc.done()
}

// rsaSteps plays a card that does raw RSA with priv: the 266-byte GENERAL
// AUTHENTICATE arrives in two chained short APDUs, and the 264-byte answer
// leaves in two parts (61 08, GET RESPONSE). check sees the block the card
// got.
func rsaSteps(t *testing.T, priv *rsa.PrivateKey, slot Slot, check func(block []byte)) *script {
	var first []byte
	s := newScript(t)
	head := h("10 87 07 00 FF")
	head[3] = byte(slot)
	s.addFunc(nil, func(cmd []byte) []byte {
		if !bytes.HasPrefix(cmd, head) || len(cmd) != 5+255 {
			t.Errorf("first chained command % X", cmd[:min(len(cmd), 16)])
		}
		first = cmd[5:]
		return h("90 00")
	})
	var resp []byte
	s.addFunc(nil, func(cmd []byte) []byte {
		if !bytes.HasPrefix(cmd, []byte{0x00, 0x87, 0x07, byte(slot), 0x0B}) || len(cmd) != 5+11+1 {
			t.Errorf("last chained command % X", cmd)
		}
		data := cat(first, cmd[5:16])
		if !bytes.HasPrefix(data, h("7C 82 01 06 82 00 81 82 01 00")) {
			t.Errorf("GENERAL AUTHENTICATE data % X…", data[:16])
		}
		block := data[10:]
		check(block)
		m := new(big.Int).SetBytes(block)
		sig := m.Exp(m, priv.D, priv.N).FillBytes(make([]byte, 256))
		resp = apdu.Encode(0x7C, apdu.Encode(0x82, sig))
		return cat(resp[:256], h("61 08"))
	})
	s.addFunc(h("00 C0 00 00 08"), func([]byte) []byte { return cat(resp[256:], h("90 00")) })
	return s
}

func TestSignRSAPKCS1v15(t *testing.T) {
	priv := testRSAKey(t)
	digest := sha256.Sum256([]byte("login challenge"))
	want := cat(h("00 01"), bytes.Repeat([]byte{0xFF}, 256-3-19-32), h("00"),
		h("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"), digest[:])
	s := rsaSteps(t, priv, SlotAuthentication, func(block []byte) {
		if !bytes.Equal(block, want) {
			t.Errorf("padded block\n got % X\nwant % X", block, want)
		}
	})
	signer, err := s.card().Signer(SlotAuthentication, &priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	s.done()
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Error(err)
	}
}

func TestSignRSAPSS(t *testing.T) {
	priv := testRSAKey(t)
	for _, opts := range []*rsa.PSSOptions{
		{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash},
		{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthAuto},
		{Hash: crypto.SHA384, SaltLength: 20},
	} {
		hh := opts.Hash.New()
		hh.Write([]byte("tls 1.3 handshake"))
		digest := hh.Sum(nil)
		s := rsaSteps(t, priv, SlotSignature, func(block []byte) {
			if block[0]&0x80 != 0 || block[255] != 0xBC {
				t.Errorf("not a PSS block: % X…% X", block[:4], block[252:])
			}
		})
		signer, _ := s.card().Signer(SlotSignature, &priv.PublicKey)
		sig, err := signer.Sign(rand.Reader, digest, opts)
		s.done()
		if err != nil {
			t.Fatalf("%v: %v", opts.Hash, err)
		}
		if err := rsa.VerifyPSS(&priv.PublicKey, opts.Hash, digest, sig, opts); err != nil {
			t.Errorf("%v salt %d: %v", opts.Hash, opts.SaltLength, err)
		}
	}
}

func TestSignerUnsupported(t *testing.T) {
	c := newScript(t).card()
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	for name, pub := range map[string]crypto.PublicKey{
		"P-224":   &p224.PublicKey,
		"RSA-512": &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537},
		"nil RSA": (*rsa.PublicKey)(nil),
		"string":  "key",
	} {
		if _, err := c.Signer(SlotAuthentication, pub); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// RSA with a hash we do not pad for: nothing reaches the card.
	signer, _ := c.Signer(SlotAuthentication, &testRSAKey(t).PublicKey)
	d := sha512.Sum512_256([]byte("x"))
	if _, err := signer.Sign(nil, d[:], crypto.SHA512_256); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SHA-512/256: %v", err)
	}
	if _, err := signer.Sign(nil, d[:16], crypto.SHA256); !errors.Is(err, ErrUnsupported) {
		t.Errorf("short digest: %v", err)
	}
}
