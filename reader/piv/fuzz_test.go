package piv

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"testing"

	"github.com/cardagent/cardagent/reader/apdu"
)

// The fuzz targets feed card data to every parser: none may panic, and
// what parses must hold together.

func FuzzCHUID(f *testing.F) {
	f.Add(chuidObject)
	f.Add(h("34 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF"))
	f.Add(h("EE 01 00 30 00 35 08 32 30 33 30 31 32 33 31 FE 00"))
	f.Add(h("34 04 01 02 03 04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := parseCHUID(b)
		if err != nil {
			return
		}
		if v, ok, _ := apdu.Find(b, 0x34); ok && !bytes.Equal(v, ch.GUID[:]) {
			t.Errorf("GUID %X, tag 34 holds %X", ch.GUID, v)
		}
	})
}

func FuzzCertObject(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := testCert(f, key)
	f.Add(certObject(cert.Raw))
	f.Add(cat(apdu.Encode(0x70, gzipped(cert.Raw)), h("71 01 01 FE 00")))
	f.Add(cat(apdu.Encode(0x70, gzipped([]byte("not a cert"))), h("71 01 01")))
	f.Add(h("70 00 71 01 01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		der, err := parseCertObject(b)
		if err != nil {
			return
		}
		if len(der) == 0 || len(der) > maxCertSize {
			t.Errorf("certificate of %d bytes", len(der))
		}
	})
}

func FuzzPublicKey(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.Add(byte(AlgECCP256), ecPointTemplate(&ec.PublicKey))
	f.Add(byte(AlgRSA2048), rsaTemplate(&testRSAKey(f).PublicKey))
	f.Add(byte(AlgRSA1024), h("7F 49 09 81 02 FF FF 82 03 01 00 01"))
	f.Add(byte(AlgECCP384), h("7F 49 03 86 01 04"))
	f.Fuzz(func(t *testing.T, alg byte, b []byte) {
		pub, err := parsePublicKey(Algorithm(alg), b)
		if err != nil {
			return
		}
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			if _, err := k.ECDH(); err != nil {
				t.Errorf("EC key not on its curve: %v", err)
			}
		case *rsa.PublicKey:
			if k.N.BitLen() != Algorithm(alg).rsaBits() || k.E < 3 {
				t.Errorf("RSA key of %d bits, e %d", k.N.BitLen(), k.E)
			}
		default:
			t.Errorf("key of type %T", pub)
		}
	})
}

func FuzzSignatureResponse(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := ecdsa.SignASN1(rand.Reader, key, make([]byte, 32))
	f.Add(apdu.Encode(0x7C, apdu.Encode(0x82, der)))
	f.Add(apdu.Encode(0x7C, apdu.Encode(0x82, make([]byte, 64))))
	f.Add(h("7C 0A 81 08 00 11 22 33 44 55 66 77"))
	f.Add(h("7C 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sig, err := parseDynAuth(b, tagResponse)
		if err != nil {
			return
		}
		if out, err := ecdsaDER(sig, 32); err == nil {
			if _, err := ecdsaDER(out, 32); err != nil {
				t.Errorf("ecdsaDER output does not parse again: %v", err)
			}
		}
	})
}

func FuzzPrintedInfo(f *testing.F) {
	f.Add(printedInfoObject)
	f.Add(h("01 00 FE 00"))
	f.Add(h("01 81 01 41"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePrintedInfo(b)
		if err != nil {
			return
		}
		// Round trip: the fields written out as an object read back the same.
		var again []byte
		for tag, v := range map[apdu.Tag]string{0x01: p.Name, 0x02: p.EmployeeAffiliation, 0x04: p.Expiration,
			0x05: p.CardSerial, 0x06: p.IssuerID, 0x07: p.OrgAffiliation1, 0x08: p.OrgAffiliation2} {
			if v != "" {
				again = append(again, apdu.Encode(tag, []byte(v))...)
			}
		}
		if q, err := parsePrintedInfo(again); err != nil || q != p {
			t.Errorf("round trip: %+v → %+v (%v)", p, q, err)
		}
	})
}

func FuzzFacialImage(f *testing.F) {
	f.Add(facialRecord(fakeJPEG, 0))
	f.Add(facialRecord(fakeJPEG, 2))
	f.Add(apdu.Encode(0xBC, fakeJPEG))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := parseFacialImage(b)
		if err == nil && !isImage(img) {
			t.Errorf("returned % X… as an image", img[:min(len(img), 8)])
		}
	})
}

func FuzzSelectAnswer(f *testing.F) {
	f.Add(h(aptFull))
	f.Add(h(aptYubiKey))
	f.Add(h("61 0B 4F 02 A0 00 7F 66 04 02 02 04 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		app, extended := parseAPT(b)
		// Round trip: a template built from what was found says the same.
		var inner []byte
		if app.AID != nil {
			inner = append(inner, apdu.Encode(0x4F, app.AID)...)
		}
		if app.Label != "" {
			inner = append(inner, apdu.Encode(0x50, []byte(app.Label))...)
		}
		if app.URL != "" {
			inner = append(inner, apdu.Encode(0x5F50, []byte(app.URL))...)
		}
		if len(app.Algorithms) > 0 {
			var algs []byte
			for _, a := range app.Algorithms {
				algs = append(algs, apdu.Encode(0x80, []byte{byte(a)})...)
			}
			inner = append(inner, apdu.Encode(0xAC, algs)...)
		}
		if extended {
			inner = append(inner, apdu.Encode(0x7F66, nil)...)
		}
		app2, ext2 := parseAPT(apdu.Encode(0x61, inner))
		if !bytes.Equal(app.AID, app2.AID) || app.Label != app2.Label || app.URL != app2.URL ||
			!slices.Equal(app.Algorithms, app2.Algorithms) || extended != ext2 {
			t.Errorf("round trip: %+v %v → %+v %v", app, extended, app2, ext2)
		}
	})
}

func FuzzATR(f *testing.F) {
	f.Add(h("3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40"))
	f.Add(h("3B 88 80 01 00 73 C0 21 C0 00 90 00 00"))
	f.Fuzz(func(t *testing.T, atr []byte) {
		ext := ATRExtended(atr)
		// Only the historical bytes can say yes, and they must lie inside
		// the ATR.
		hist, ok := historicalBytes(atr)
		if ext && (!ok || len(hist) == 0) {
			t.Errorf("extended without historical bytes: % X", atr)
		}
		if ok && !bytes.Contains(atr, hist) {
			t.Errorf("historical bytes % X are not in the ATR % X", hist, atr)
		}
	})
}
