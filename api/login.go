package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// Sizes and limits of login fields.
const (
	CardGUIDLen          = 16       // CHUID GUID (tag 34), hex on the wire
	MaxWorkstationIDLen  = 128      // printable ASCII
	MaxCertificateLen    = 8 << 10  // DER, before base64
	MaxSignatureLen      = 512      // RSA-2048 is 256 bytes, ECDSA P-256 DER ≤ 72
	MaxRequestBody       = 64 << 10 // larger bodies are refused with body_too_large
	WorkstationHeader    = "Cardagent-Workstation"
	loginSignatureDomain = "cardagent-login-v1"
)

// ChallengeRequest asks for a login (or resume) challenge bound to one
// workstation.
type ChallengeRequest struct {
	WorkstationID string `json:"workstation_id"`
}

// Validate checks the request shape.
func (r *ChallengeRequest) Validate() error {
	return validateWorkstationID("workstation_id", r.WorkstationID)
}

// Challenge is a single-use nonce that expires at ExpiresAt. Nonce is opaque
// base64url (no padding); the card signs its decoded bytes.
type Challenge struct {
	Nonce     string    `json:"nonce"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CardProof is what the agent sends to prove the card is present: the
// challenge, the slot 9A certificate read from the card, and the card's
// signature over LoginDigest(nonce, workstation, card GUID).
type CardProof struct {
	Nonce         string `json:"nonce"`          // from Challenge, unchanged
	WorkstationID string `json:"workstation_id"` // the one the challenge was issued for
	CardGUID      string `json:"card_guid"`      // 32 hex digits
	Certificate   string `json:"certificate"`    // slot 9A certificate, DER, standard base64
	Signature     string `json:"signature"`      // ECDSA ASN.1 DER or RSA PKCS#1 v1.5, standard base64
}

// Validate checks the shape of every field; it does not check the crypto.
func (p *CardProof) Validate() error {
	if _, err := p.NonceBytes(); err != nil {
		return err
	}
	if err := validateWorkstationID("workstation_id", p.WorkstationID); err != nil {
		return err
	}
	if _, err := p.GUID(); err != nil {
		return err
	}
	if _, err := p.CertificateDER(); err != nil {
		return err
	}
	_, err := p.SignatureBytes()
	return err
}

// NonceBytes decodes Nonce.
func (p *CardProof) NonceBytes() ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(p.Nonce)
	if err != nil || len(b) == 0 || len(b) > 256 {
		return nil, invalid("nonce", "must be the base64url nonce of a challenge")
	}
	return b, nil
}

// GUID decodes CardGUID.
func (p *CardProof) GUID() ([]byte, error) { return ParseCardGUID(p.CardGUID) }

// CertificateDER decodes Certificate.
func (p *CardProof) CertificateDER() ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(p.Certificate)
	if err != nil || len(b) == 0 || len(b) > MaxCertificateLen {
		return nil, invalid("certificate", "must be a base64 DER certificate")
	}
	return b, nil
}

// SignatureBytes decodes Signature.
func (p *CardProof) SignatureBytes() ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(p.Signature)
	if err != nil || len(b) == 0 || len(b) > MaxSignatureLen {
		return nil, invalid("signature", "must be a base64 signature")
	}
	return b, nil
}

// CreateSessionRequest is the body of POST /v1/sessions.
type CreateSessionRequest struct {
	CardProof
}

// ResumeRequest is the body of POST /v1/sessions/{id}/resume: a fresh proof
// from the same card that opened the session.
type ResumeRequest struct {
	CardProof
}

// LoginSignedData is the exact byte string whose SHA-256 digest the card
// signs with its slot 9A key, for login and resume alike:
//
//	"cardagent-login-v1" || 0x00
//	|| uint16be(len(nonce)) || nonce
//	|| uint16be(len(workstationID)) || workstationID
//	|| uint16be(len(cardGUID)) || cardGUID
//
// nonce is the decoded challenge, cardGUID the 16 raw GUID bytes. Lengths
// make the encoding unambiguous.
func LoginSignedData(nonce []byte, workstationID string, cardGUID []byte) []byte {
	return signedData(loginSignatureDomain, nonce, workstationID, cardGUID)
}

func signedData(domain string, nonce []byte, workstationID string, cardGUID []byte) []byte {
	b := make([]byte, 0, len(domain)+1+6+len(nonce)+len(workstationID)+len(cardGUID))
	b = append(b, domain...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(nonce)))
	b = append(b, nonce...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(workstationID)))
	b = append(b, workstationID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(cardGUID)))
	b = append(b, cardGUID...)
	return b
}

// LoginDigest is SHA-256(LoginSignedData(...)): pass it to the card's
// crypto.Signer with crypto.SHA256 (ECDSA P-256 returns ASN.1 DER, RSA-2048
// signs PKCS#1 v1.5).
func LoginDigest(nonce []byte, workstationID string, cardGUID []byte) []byte {
	return digest(LoginSignedData(nonce, workstationID, cardGUID))
}

func digest(b []byte) []byte {
	d := sha256.Sum256(b)
	return d[:]
}

// ParseCardGUID decodes a 32-hex-digit card GUID.
func ParseCardGUID(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != CardGUIDLen {
		return nil, invalid("card_guid", "must be 32 hex digits")
	}
	return b, nil
}

// FormatCardGUID is the canonical (lower-case hex) form of a card GUID.
func FormatCardGUID(guid []byte) string { return hex.EncodeToString(guid) }

func validateWorkstationID(field, s string) error {
	if s == "" || len(s) > MaxWorkstationIDLen {
		return invalid(field, "must be 1 to 128 printable ASCII characters")
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return invalid(field, "must be printable ASCII without spaces")
	}
	return nil
}
