package api

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

func TestLoginSignedData(t *testing.T) {
	guid, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	got := LoginSignedData([]byte{1, 2, 3}, "ws-1", guid)
	want, _ := hex.DecodeString(strings.ReplaceAll(
		hex.EncodeToString([]byte("cardagent-login-v1"))+"00"+
			"0003 010203"+
			"0004 "+hex.EncodeToString([]byte("ws-1"))+
			"0010 00112233445566778899aabbccddeeff", " ", ""))
	if !bytes.Equal(got, want) {
		t.Fatalf("LoginSignedData =\n %x\nwant\n %x", got, want)
	}
	if d := LoginDigest([]byte{1, 2, 3}, "ws-1", guid); len(d) != 32 {
		t.Fatalf("digest length %d", len(d))
	}
}

func TestCardProofValidate(t *testing.T) {
	good := CardProof{
		Nonce: "AQID", WorkstationID: "ws-1", CardGUID: "00112233445566778899aabbccddeeff",
		Certificate: "MIIB", Signature: "MEUC",
	}
	tests := []struct {
		name  string
		edit  func(*CardProof)
		field string
	}{
		{"ok", func(*CardProof) {}, ""},
		{"empty nonce", func(p *CardProof) { p.Nonce = "" }, "nonce"},
		{"nonce not base64url", func(p *CardProof) { p.Nonce = "a+b/" }, "nonce"},
		{"workstation with space", func(p *CardProof) { p.WorkstationID = "ws 1" }, "workstation_id"},
		{"workstation too long", func(p *CardProof) { p.WorkstationID = strings.Repeat("w", 129) }, "workstation_id"},
		{"short guid", func(p *CardProof) { p.CardGUID = "0011" }, "card_guid"},
		{"guid not hex", func(p *CardProof) { p.CardGUID = strings.Repeat("zz", 16) }, "card_guid"},
		{"no certificate", func(p *CardProof) { p.Certificate = "" }, "certificate"},
		{"signature not base64", func(p *CardProof) { p.Signature = "%%" }, "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.edit(&p)
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			ve, ok := err.(*ValidationError)
			if !ok || ve.Field != tt.field {
				t.Fatalf("Validate = %v, want a ValidationError on %s", err, tt.field)
			}
		})
	}
}

// FuzzCardProof decodes arbitrary JSON as a proof: Validate must never panic,
// and a valid proof must survive a JSON round trip unchanged.
func FuzzCardProof(f *testing.F) {
	f.Add(`{"nonce":"AQID","workstation_id":"ws-1","card_guid":"00112233445566778899aabbccddeeff","certificate":"MIIB","signature":"MEUC"}`)
	f.Add(`{"nonce":""}`)
	f.Add(`{"card_guid":"zz"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		var p CardProof
		if json.Unmarshal([]byte(s), &p) != nil || p.Validate() != nil {
			return
		}
		b, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		var q CardProof
		if err := json.Unmarshal(b, &q); err != nil || q != p || q.Validate() != nil {
			t.Fatalf("round trip changed %+v into %+v (%v)", p, q, err)
		}
	})
}
