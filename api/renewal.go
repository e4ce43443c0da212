package api

import (
	"encoding/base64"
	"time"
)

// RenewalState is where a certificate renewal stands (docs/renewal.md).
type RenewalState string

// Renewal states, in protocol order. Completed and expired are final; every
// other state is an open renewal, and a card has at most one.
const (
	RenewalStateOpened       RenewalState = "opened"        // 1: policy checked; expires untouched
	RenewalStateGenerating9C RenewalState = "generating_9c" // 2: 9B answered for GENERATE 9C
	RenewalStateRecorded9C   RenewalState = "recorded_9c"   // 3: the new 9C public key is recorded
	RenewalStateGenerating9A RenewalState = "generating_9a" // 4: 9B answered for GENERATE 9A
	RenewalStateRecorded9A   RenewalState = "recorded_9a"   // 4: the new 9A public key is recorded
	RenewalStateIssued       RenewalState = "issued"        // 5: pending certificates issued
	RenewalStateWriting      RenewalState = "writing"       // 6: 9B answered for PUT DATA
	RenewalStateCompleted    RenewalState = "completed"     // 7: the new certificates are current
	RenewalStateExpired      RenewalState = "expired"       // opened and untouched past its time
)

// Open reports whether a renewal in state s still holds its card's one
// open renewal (expiry of an opened one aside).
func (s RenewalState) Open() bool {
	return s != RenewalStateCompleted && s != RenewalStateExpired && s != ""
}

// CardAuthPurpose is what a relayed management-key (9B) authentication is for.
type CardAuthPurpose string

// Purposes of a card-auth call, and the states each is allowed from.
const (
	PurposeGenerate9C CardAuthPurpose = "generate-9c" // from opened or generating_9c
	PurposeGenerate9A CardAuthPurpose = "generate-9a" // from recorded_9c or generating_9a
	PurposeWrite      CardAuthPurpose = "write"       // from issued or writing
)

// Renewal-related sizes.
const (
	MgmtChallengeLen = 16      // AES-128 (PIV algorithm 08): one block
	MaxPublicKeyLen  = 1 << 10 // DER SubjectPublicKeyInfo (RSA-2048 is 294 bytes)
	MaxCSRLen        = 4 << 10 // DER PKCS#10
)

// Renewal is returned by every renewal call. Token is present only where a
// new one is handed out (open, and the renewal_incomplete refusal): identityd
// keeps only its hash. Send it as "Authorization: Bearer <token>" with the
// Cardagent-Workstation header on every call on the renewal.
type Renewal struct {
	ID       string       `json:"id"`
	Token    string       `json:"token,omitempty"`
	State    RenewalState `json:"state"`
	CardGUID string       `json:"card_guid"`
	// Kind says who renews: the holder, or an RA or sponsor face to face.
	Kind RenewalKind `json:"kind,omitempty"`
	// KeyAlgorithm is the kind of key pair the card generates, by policy.
	KeyAlgorithm KeyAlgorithm `json:"key_algorithm,omitempty"`
	// ExpiresAt is when an untouched (opened) renewal expires; absent once
	// the card may have changed.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// PublicKeys are the new keys recorded so far. PIV cannot read a public
	// key back from the card, so an agent going on after an interruption
	// takes them from here.
	PublicKeys *RenewalPublicKeys `json:"public_keys,omitempty"`
	// Certificates are the pending (issued, writing) or new (completed)
	// certificates to write to the card.
	Certificates *RenewalCertificates `json:"certificates,omitempty"`
}

// RenewalKind is who a renewal is done by.
type RenewalKind string

// Renewal kinds. Only an RA's renewal starts the count of renewals before
// the next RA one again.
const (
	RenewalBySelf    RenewalKind = "self"    // the holder, from their session
	RenewalByRA      RenewalKind = "ra"      // an RA face to face (also a repair)
	RenewalBySponsor RenewalKind = "sponsor" // a sponsor face to face, close to expiry
)

// KeyAlgorithm is the kind of the new key pairs of a renewal.
type KeyAlgorithm string

// The key algorithms the card profile allows.
const (
	KeyECCP256 KeyAlgorithm = "ecc-p256" // the default
	KeyRSA2048 KeyAlgorithm = "rsa-2048"
)

// RenewalPublicKeys are the recorded new keys, DER SubjectPublicKeyInfo,
// standard base64; a slot not recorded yet is empty.
type RenewalPublicKeys struct {
	Authentication string `json:"authentication,omitempty"` // slot 9A
	Signature      string `json:"signature,omitempty"`      // slot 9C
}

// RenewalCertificates are a renewal's two certificates, DER, standard base64.
type RenewalCertificates struct {
	Authentication string `json:"authentication"` // slot 9A
	Signature      string `json:"signature"`      // slot 9C
}

// OpenRenewalRequest is the body of POST /v1/renewals. The call carries the
// session's bearer token: only an active session of the card opens one.
type OpenRenewalRequest struct {
	SessionID string `json:"session_id"`
}

// Validate checks the request shape.
func (r *OpenRenewalRequest) Validate() error {
	if !ValidID(r.SessionID) {
		return invalid("session_id", "must be a session id")
	}
	return nil
}

// CardAuthRequest is the body of POST /v1/renewals/{id}/card-auth: the
// card's 9B challenge (GENERAL AUTHENTICATE 9B, 7C{81}) and what the
// authentication is for.
type CardAuthRequest struct {
	Purpose   CardAuthPurpose `json:"purpose"`
	Challenge string          `json:"challenge"` // 16 bytes, standard base64
}

// Validate checks the request shape.
func (r *CardAuthRequest) Validate() error {
	switch r.Purpose {
	case PurposeGenerate9C, PurposeGenerate9A, PurposeWrite:
	default:
		return invalid("purpose", "must be generate-9c, generate-9a or write")
	}
	_, err := r.ChallengeBytes()
	return err
}

// ChallengeBytes decodes Challenge.
func (r *CardAuthRequest) ChallengeBytes() ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(r.Challenge)
	if err != nil || len(b) != MgmtChallengeLen {
		return nil, invalid("challenge", "must be the card's 16-byte challenge, base64")
	}
	return b, nil
}

// CardAuthResponse is the answer to hand to the card (7C{82 response}):
// the challenge encrypted with the card's management key, one block ECB.
type CardAuthResponse struct {
	Response string       `json:"response"` // standard base64
	State    RenewalState `json:"state"`    // the renewal's state after the call
}

// RecordKeyRequest is the body of PUT /v1/renewals/{id}/keys/{slot} (slot
// 9a or 9c): the public key GENERATE returned, as DER SubjectPublicKeyInfo.
type RecordKeyRequest struct {
	PublicKey string `json:"public_key"` // standard base64
}

// Validate checks the request shape.
func (r *RecordKeyRequest) Validate() error {
	_, err := r.PublicKeyDER()
	return err
}

// PublicKeyDER decodes PublicKey.
func (r *RecordKeyRequest) PublicKeyDER() ([]byte, error) {
	return decodeDER("public_key", r.PublicKey, MaxPublicKeyLen)
}

// ValidSlot reports whether slot names a renewed key slot ("9a", "9c").
func ValidSlot(slot string) bool { return slot == "9a" || slot == "9c" }

// IssueRequest is the body of POST /v1/renewals/{id}/certificates: one CSR
// per slot, each signed by that slot's new key.
type IssueRequest struct {
	AuthenticationCSR string `json:"authentication_csr"` // slot 9A, DER PKCS#10, standard base64
	SignatureCSR      string `json:"signature_csr"`      // slot 9C
}

// Validate checks the request shape.
func (r *IssueRequest) Validate() error {
	_, _, err := r.CSRs()
	return err
}

// CSRs decodes both CSRs.
func (r *IssueRequest) CSRs() (auth, sign []byte, err error) {
	if auth, err = decodeDER("authentication_csr", r.AuthenticationCSR, MaxCSRLen); err != nil {
		return nil, nil, err
	}
	if sign, err = decodeDER("signature_csr", r.SignatureCSR, MaxCSRLen); err != nil {
		return nil, nil, err
	}
	return auth, sign, nil
}

// CompleteRenewalRequest is the body of POST /v1/renewals/{id}/complete: a
// login proof (a fresh challenge signed as at login) made with the new 9A
// key and carrying the pending 9A certificate.
type CompleteRenewalRequest struct {
	CardProof
}

func decodeDER(field, s string, max int) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > max {
		return nil, invalid(field, "must be base64 DER")
	}
	return b, nil
}

// RecoverySignedData is what the new 9C key signs to prove the card when a
// renewal stands in generating_9a (no 9A key identityd knows is on the
// card): LoginSignedData with the domain "cardagent-renewal-9c-v1", so a
// login signature is never one of these and the reverse.
func RecoverySignedData(nonce []byte, workstationID string, cardGUID []byte) []byte {
	return signedData(recoverySignatureDomain, nonce, workstationID, cardGUID)
}

// RecoveryDigest is SHA-256(RecoverySignedData(...)), signed as LoginDigest is.
func RecoveryDigest(nonce []byte, workstationID string, cardGUID []byte) []byte {
	return digest(RecoverySignedData(nonce, workstationID, cardGUID))
}

const recoverySignatureDomain = "cardagent-renewal-9c-v1"
