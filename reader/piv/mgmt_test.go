package piv

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// Known answers from openssl enc -nopad (3DES with the factory key, AES
// from FIPS-197 appendix C).
var mgmtVectors = []struct {
	alg                 Algorithm
	key, chal, resp, p1 string
}{
	{Alg3DES, "01 02 03 04 05 06 07 08 01 02 03 04 05 06 07 08 01 02 03 04 05 06 07 08",
		"00 11 22 33 44 55 66 77", "26 60 4D 88 E5 5B D3 E7", "03"},
	{AlgAES128, "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",
		"00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", "69 C4 E0 D8 6A 7B 04 30 D8 CD B7 80 70 B4 C5 5A", "08"},
	{AlgAES192, "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17",
		"00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", "DD A9 7C A4 86 4C DF E0 6E AF 70 A0 EC 0D 71 91", "0A"},
	{AlgAES256, "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F",
		"00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", "8E A2 B7 CA 51 67 45 BF EA FC 49 90 4B 49 60 89", "0C"},
}

// mgmtScript is the two-step exchange: 7C {81 00} → 7C {81 challenge}, then
// 7C {82 response} → sw.
func mgmtScript(t *testing.T, p1, chal, resp, sw string) *script {
	n := len(h(chal))
	return newScript(t,
		"00 87 "+p1+" 9B 04 7C 02 81 00 00", fmt.Sprintf("7C %02X 81 %02X %s 90 00", n+2, n, chal),
		fmt.Sprintf("00 87 %s 9B %02X 7C %02X 82 %02X %s", p1, n+4, n+2, n, resp), sw)
}

func TestMgmtTwoSteps(t *testing.T) {
	for _, v := range mgmtVectors {
		t.Run(v.alg.String(), func(t *testing.T) {
			s := mgmtScript(t, v.p1, v.chal, v.resp, "90 00")
			c := s.card()
			ch, err := c.BeginMgmtAuth(v.alg)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Alg != v.alg || !bytes.Equal(ch.Challenge, h(v.chal)) {
				t.Fatalf("challenge %+v", ch)
			}
			// The backend's part, here with the known answer.
			resp, err := MgmtResponse(v.alg, h(v.key), ch.Challenge)
			if err != nil || !bytes.Equal(resp, h(v.resp)) {
				t.Fatalf("MgmtResponse = % X, %v; want %s", resp, err, v.resp)
			}
			if err := c.FinishMgmtAuth(ch, resp); err != nil {
				t.Fatal(err)
			}
			s.done()
		})
	}
}

func TestAuthenticateMgmtKey(t *testing.T) {
	v := mgmtVectors[0]
	s := mgmtScript(t, v.p1, v.chal, v.resp, "90 00")
	if err := s.card().AuthenticateMgmtKey(v.alg, h(v.key)); err != nil {
		t.Fatal(err)
	}
	s.done()

	s = mgmtScript(t, v.p1, v.chal, v.resp, "69 82")
	err := s.card().AuthenticateMgmtKey(v.alg, h(v.key))
	if !errors.Is(err, ErrMgmtKeyRejected) || !errors.Is(err, ErrSecurityStatus) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestMgmtErrors(t *testing.T) {
	// The card has an AES key but we asked for 3DES.
	s := newScript(t, "00 87 03 9B 04 7C 02 81 00 00", "6A 80")
	if _, err := s.card().BeginMgmtAuth(Alg3DES); err == nil {
		t.Error("BeginMgmtAuth accepted 6A80")
	}
	// A challenge of the wrong size.
	s = newScript(t, "00 87 08 9B 04 7C 02 81 00 00", "7C 0A 81 08 00 11 22 33 44 55 66 77 90 00")
	if _, err := s.card().BeginMgmtAuth(AlgAES128); !errors.Is(err, ErrMalformed) {
		t.Errorf("short AES challenge: %v", err)
	}
	// No APDU for a response of the wrong size or an unknown algorithm.
	c := newScript(t).card()
	if err := c.FinishMgmtAuth(MgmtChallenge{Alg: AlgAES128}, make([]byte, 8)); !errors.Is(err, ErrMgmtKeyRejected) {
		t.Errorf("short response: %v", err)
	}
	if _, err := c.BeginMgmtAuth(AlgECCP256); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ECC management key: %v", err)
	}
	if err := c.AuthenticateMgmtKey(AlgAES128, make([]byte, 24)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("AES-128 with a 24-byte key: %v", err)
	}
	if _, err := MgmtResponse(AlgAES256, make([]byte, 16), make([]byte, 16)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("AES-256 with a 16-byte key: %v", err)
	}
}

func TestSetManagementKey(t *testing.T) {
	key := "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"
	s := newScript(t, "00 FF FF FF 13 08 9B 10 "+key, "90 00")
	if err := s.card().SetManagementKey(AlgAES128, h(key)); err != nil {
		t.Fatal(err)
	}
	s.done()
}
