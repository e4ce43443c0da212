package piv_test

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/reader/vcard"
)

var defaultMgmtKey, _ = hex.DecodeString("010203040506070801020304050607080102030405060708")

// newVCard returns a factory-fresh in-process virtual card and a selected
// piv.Card on it.
func newVCard(t testing.TB, opts ...piv.Option) (*vcard.Card, *piv.Card) {
	t.Helper()
	vc, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := piv.New(vc, opts...)
	if err := c.Select(); err != nil {
		t.Fatal(err)
	}
	return vc, c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantAuth(t testing.TB, err error, want piv.AuthError) {
	t.Helper()
	var ae piv.AuthError
	if !errors.As(err, &ae) || ae != want {
		t.Fatalf("got %v, want %+v", err, want)
	}
}

// TestVCardFlow is the life of a card: select, GUID, tries, passcode, 9B
// authentication in two steps, key generation, certificates, signatures,
// PIN-always on 9C, blocking and unblocking. It runs with short APDUs and
// with extended ones.
func TestVCardFlow(t *testing.T) {
	t.Run("short", func(t *testing.T) { testVCardFlow(t, false) })
	t.Run("extended", func(t *testing.T) { testVCardFlow(t, true) })
}

// yubiKey5ATR advertises extended APDUs in its card capabilities (73 C0 21
// C0); vcard's default ATR (a YubiKey 4's) does not.
var yubiKey5ATR, _ = hex.DecodeString("3BFD1300008131FE158073C021C057597562694B657940")

func testVCardFlow(t *testing.T, extended bool) {
	var vopts vcard.Options
	if extended {
		vopts.ATR = yubiKey5ATR
	}
	vc, err := vcard.New(vopts)
	must(t, err)
	var opts []piv.Option
	if extended {
		opts = append(opts, piv.WithATR(vc.ATR()), piv.WithExtendedAPDUs())
	}
	cnt := &counter{t: vc}
	c := piv.New(cnt, opts...)
	must(t, c.Select())
	if c.Extended() != extended {
		t.Fatalf("Extended() = %v (ATR % X)", c.Extended(), vc.ATR())
	}

	g, err := c.GUID()
	must(t, err)
	if g != vc.GUID() {
		t.Fatalf("GUID %X, card made with %X", g, vc.GUID())
	}
	if n, err := c.Retries(); n != 3 || err != nil {
		t.Fatalf("Retries() = %d, %v; want 3", n, err)
	}
	wantAuth(t, c.Verify([]byte("000000")), piv.AuthError{Retries: 2})
	if n, err := c.Retries(); n != 2 || err != nil {
		t.Fatalf("Retries() = %d, %v; want 2", n, err)
	}
	must(t, c.Verify([]byte("123456")))
	if _, err := c.Retries(); !errors.Is(err, piv.ErrAlreadyVerified) {
		t.Fatalf("Retries() after VERIFY: %v", err)
	}

	// Management key, the way the backend will do it: the challenge goes
	// out, the response comes back.
	ch, err := c.BeginMgmtAuth(piv.Alg3DES)
	must(t, err)
	resp, err := piv.MgmtResponse(ch.Alg, defaultMgmtKey, ch.Challenge)
	must(t, err)
	must(t, c.FinishMgmtAuth(ch, resp))

	// 9A: ECC P-256, a certificate signed by the card's own key.
	pub, err := c.GenerateKey(piv.SlotAuthentication, piv.AlgECCP256)
	must(t, err)
	ecPub, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("GenerateKey(9A, P-256) = %T", pub)
	}
	signer, err := c.Signer(piv.SlotAuthentication, pub)
	must(t, err)
	cert := selfSigned(t, signer)
	must(t, c.PutCertificate(piv.SlotAuthentication, cert))
	got, err := c.Certificate(piv.SlotAuthentication)
	must(t, err)
	if !got.Equal(cert) {
		t.Fatal("certificate read back differs")
	}
	digest := sha256.Sum256([]byte("login challenge"))
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	must(t, err)
	if !ecdsa.VerifyASN1(ecPub, digest[:], sig) {
		t.Fatal("9A signature does not verify")
	}

	// 9C: RSA-2048, PIN always.
	pub, err = c.GenerateKey(piv.SlotSignature, piv.AlgRSA2048)
	must(t, err)
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok || rsaPub.N.BitLen() != 2048 {
		t.Fatalf("GenerateKey(9C, RSA-2048) = %T", pub)
	}
	rsaSigner, err := c.Signer(piv.SlotSignature, pub)
	must(t, err)
	must(t, c.Verify([]byte("123456")))
	sig, err = rsaSigner.Sign(rand.Reader, digest[:], crypto.SHA256)
	must(t, err)
	must(t, rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest[:], sig))
	if _, err := rsaSigner.Sign(rand.Reader, digest[:], crypto.SHA256); !errors.Is(err, piv.ErrSecurityStatus) {
		t.Fatalf("second 9C signature without VERIFY: %v", err)
	}
	must(t, c.Verify([]byte("123456")))
	pss := &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}
	sig, err = rsaSigner.Sign(rand.Reader, digest[:], pss)
	must(t, err)
	must(t, rsa.VerifyPSS(rsaPub, crypto.SHA256, digest[:], sig, pss))
	cert9C := selfSigned(t, signer) // 9A signs, the 9C key is the subject's
	must(t, c.PutCertificate(piv.SlotSignature, cert9C))

	// A signer given the wrong public key notices.
	wrong, err := c.Signer(piv.SlotAuthentication, &mustECKey(t).PublicKey)
	must(t, err)
	if _, err := wrong.Sign(rand.Reader, digest[:], crypto.SHA256); !errors.Is(err, piv.ErrBadSignature) {
		t.Fatalf("signature with a mismatched public key: %v", err)
	}

	// Pulled and re-inserted: keys and certificates stay, the PIN is
	// needed again.
	vc.Reset()
	must(t, c.Select())
	got, err = c.Certificate(piv.SlotAuthentication)
	must(t, err)
	if !got.Equal(cert) {
		t.Fatal("certificate lost on reset")
	}
	if _, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256); !errors.Is(err, piv.ErrSecurityStatus) {
		t.Fatalf("9A signature after reset without VERIFY: %v", err)
	}

	// Block the PIN, then unblock it with the PUK.
	wantAuth(t, c.Verify([]byte("111111")), piv.AuthError{Retries: 2})
	wantAuth(t, c.Verify([]byte("111111")), piv.AuthError{Retries: 1})
	wantAuth(t, c.Verify([]byte("111111")), piv.AuthError{Blocked: true})
	n, err := c.Retries()
	wantAuth(t, err, piv.AuthError{Blocked: true})
	if n != 0 {
		t.Fatalf("Retries() = %d on a blocked PIN", n)
	}
	wantAuth(t, c.Verify([]byte("123456")), piv.AuthError{Blocked: true})
	wantAuth(t, c.Unblock([]byte("87654321"), []byte("654321")), piv.AuthError{Retries: 2})
	must(t, c.Unblock([]byte("12345678"), []byte("654321")))
	if n, err := c.Retries(); n != 3 || err != nil {
		t.Fatalf("Retries() after unblock = %d, %v", n, err)
	}
	must(t, c.Verify([]byte("654321")))

	// Change PIN and PUK.
	must(t, c.ChangePIN([]byte("654321"), []byte("24681357")))
	wantAuth(t, c.ChangePIN([]byte("654321"), []byte("111111")), piv.AuthError{Retries: 2})
	must(t, c.Verify([]byte("24681357")))
	must(t, c.ChangePUK([]byte("12345678"), []byte("87654321")))
	must(t, c.Unblock([]byte("87654321"), []byte("123456")))
	must(t, c.Verify([]byte("123456")))

	// The RSA signature (266 bytes of data) travelled in one extended APDU
	// or in chained short ones.
	const maxShort = 5 + 255 + 1
	if extended != (cnt.longest > maxShort) {
		t.Errorf("longest APDU %d bytes with extended=%v", cnt.longest, extended)
	}
}

func TestVCardObjects(t *testing.T) {
	vc, c := newVCard(t)
	ch, err := c.CHUID()
	must(t, err)
	if len(ch.FASCN) != 25 {
		t.Errorf("FASC-N of %d bytes", len(ch.FASCN))
	}
	must(t, c.Verify([]byte("123456")))
	if _, err := c.PrintedInfo(); !errors.Is(err, piv.ErrNotFound) {
		t.Errorf("PrintedInfo on a fresh card: %v", err)
	}
	if _, err := c.FacialImage(); !errors.Is(err, piv.ErrNotFound) {
		t.Errorf("FacialImage on a fresh card: %v", err)
	}
	if _, err := c.Certificate(piv.SlotAuthentication); !errors.Is(err, piv.ErrNotFound) {
		t.Errorf("Certificate on a fresh card: %v", err)
	}
	if d, err := c.GetData(piv.ObjDiscovery); err != nil || !bytes.Contains(d, []byte{0xA0, 0, 0, 3, 8}) {
		t.Errorf("discovery object % X, %v", d, err)
	}

	// Writing needs the management key.
	info := apdu.Encode(0x01, []byte("DOE, JANE"))
	if err := c.PutData(piv.ObjPrintedInfo, info); !errors.Is(err, piv.ErrSecurityStatus) {
		t.Fatalf("PutData without management key: %v", err)
	}
	if err := c.AuthenticateMgmtKey(piv.Alg3DES, bytes.Repeat([]byte{1}, 24)); !errors.Is(err, piv.ErrMgmtKeyRejected) {
		t.Fatalf("wrong management key: %v", err)
	}
	must(t, c.AuthenticateMgmtKey(piv.Alg3DES, defaultMgmtKey))
	must(t, c.PutData(piv.ObjPrintedInfo, info))
	must(t, c.Deauthenticate())
	if n, err := c.Retries(); n != 3 || err != nil {
		t.Errorf("Retries() after Deauthenticate = %d, %v", n, err)
	}
	// A real card wants the PIN for printed information (part 1, table 3);
	// vcard does not check it yet, so only the way back is tested here.
	must(t, c.Verify([]byte("123456")))
	p, err := c.PrintedInfo()
	must(t, err)
	if p.Name != "DOE, JANE" {
		t.Errorf("PrintedInfo = %+v", p)
	}
	// A certificate stored compressed (CertInfo 71 = 01), as some issuers do.
	cert := selfSigned(t, mustECKey(t))
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(cert.Raw)
	zw.Close()
	must(t, vc.PutObject(0x5FC10A, append(apdu.Encode(0x70, z.Bytes()), 0x71, 0x01, 0x01, 0xFE, 0x00)))
	got, err := c.Certificate(piv.SlotSignature)
	must(t, err)
	if !got.Equal(cert) {
		t.Error("compressed certificate read back differs")
	}

	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, 3000)...)
	must(t, c.PutData(piv.ObjFacialImage, append(apdu.Encode(0xBC, jpeg), 0xFE, 0x00)))
	img, err := c.FacialImage()
	must(t, err)
	if !bytes.Equal(img, jpeg) {
		t.Errorf("facial image of %d bytes, want %d", len(img), len(jpeg))
	}
}

// TestVCardWriteObjects writes a CHUID and the printed information the way
// an issuer does and reads them back.
func TestVCardWriteObjects(t *testing.T) {
	vc, c := newVCard(t)
	guid := [16]byte{0xCA, 0xFE, 0xBA, 0xBE, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	expiry := time.Date(2031, 12, 3, 0, 0, 0, 0, time.UTC)
	info := piv.PrintedInfo{Name: "DOE, JANE", EmployeeAffiliation: "Nurse", Expiration: piv.PrintedExpiration(expiry),
		CardSerial: "SN0001", IssuerID: "NHS", OrgAffiliation1: "Ward 7"}

	// Both need the management key; the card keeps what it had.
	old, err := c.GUID()
	must(t, err)
	if err := c.PutCHUID(guid, expiry); !errors.Is(err, piv.ErrSecurityStatus) {
		t.Fatalf("PutCHUID without management key: %v", err)
	}
	if err := c.PutPrintedInfo(info); !errors.Is(err, piv.ErrSecurityStatus) {
		t.Fatalf("PutPrintedInfo without management key: %v", err)
	}
	if g, err := c.GUID(); err != nil || g != old {
		t.Fatalf("GUID after a refused PutCHUID = %X, %v; want %X", g, err, old)
	}

	must(t, c.AuthenticateMgmtKey(piv.Alg3DES, defaultMgmtKey))
	if err := c.PutCHUID([16]byte{}, expiry); !errors.Is(err, piv.ErrInvalidField) {
		t.Fatalf("PutCHUID with a zero GUID: %v", err)
	}
	must(t, c.PutCHUID(guid, expiry))
	g, err := c.GUID()
	must(t, err)
	if g != guid || vc.GUID() != guid {
		t.Fatalf("GUID = %X, the card's own %X, want %X", g, vc.GUID(), guid)
	}
	ch, err := c.CHUID()
	must(t, err)
	if !ch.Expiry.Equal(expiry) || len(ch.FASCN) != 25 {
		t.Errorf("CHUID = %+v", ch)
	}

	long := info
	long.IssuerID = "National Health Service"
	if err := c.PutPrintedInfo(long); !errors.Is(err, piv.ErrFieldTooLong) {
		t.Fatalf("PutPrintedInfo with a long issuer: %v", err)
	}
	must(t, c.PutPrintedInfo(info))
	if _, err := c.PrintedInfo(); !errors.Is(err, piv.ErrSecurityStatus) {
		t.Fatalf("PrintedInfo without PIN: %v", err)
	}
	must(t, c.Verify([]byte("123456")))
	p, err := c.PrintedInfo()
	must(t, err)
	if p != info {
		t.Errorf("PrintedInfo = %+v, want %+v", p, info)
	}
}

// TestVCardAESMgmtKey authenticates with each AES management key size.
func TestVCardAESMgmtKey(t *testing.T) {
	for _, tt := range []struct {
		alg    piv.Algorithm
		valg   byte
		keyLen int
	}{
		{piv.AlgAES128, vcard.MgmtAlgAES128, 16},
		{piv.AlgAES192, vcard.MgmtAlgAES192, 24},
		{piv.AlgAES256, vcard.MgmtAlgAES256, 32},
	} {
		t.Run(tt.alg.String(), func(t *testing.T) {
			vc, c := newVCard(t)
			key := make([]byte, tt.keyLen)
			rand.Read(key)
			must(t, vc.SetManagementKey(tt.valg, key))
			if err := c.AuthenticateMgmtKey(piv.Alg3DES, defaultMgmtKey); err == nil {
				t.Fatal("3DES accepted by a card with an AES key")
			}
			must(t, c.AuthenticateMgmtKey(tt.alg, key))
			// And through our own SET MANAGEMENT KEY back to 3DES.
			must(t, c.SetManagementKey(piv.Alg3DES, defaultMgmtKey))
			must(t, c.AuthenticateMgmtKey(piv.Alg3DES, defaultMgmtKey))
		})
	}
}

func selfSigned(t testing.TB, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "123456789012 Jane Doe"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return cert
}

func mustECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(ecdsaP256(), rand.Reader)
	must(t, err)
	return k
}

func ecdsaP256() elliptic.Curve { return elliptic.P256() }
