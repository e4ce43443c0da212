package api

import (
	"encoding/base64"
	"time"
)

// Self-service unlock of a blocked card (docs/unlock.md): a code emailed to
// the holder proves the person; a mutual management-key (9B)
// authentication relayed by the agent proves the card; then identityd
// releases the card's PUK for this one RESET RETRY COUNTER and hands out
// the new PUK the agent sets at once. No passcode ever travels.

// UnlockState is where an unlock stands.
type UnlockState string

// Unlock states, in protocol order. Completed, void and expired are final.
const (
	UnlockStateQuestions    UnlockState = "questions"     // answer the questions asked (email+questions): then the code is emailed
	UnlockStateCodeSent     UnlockState = "code_sent"     // the code is emailed: send it back
	UnlockStateCodeAccepted UnlockState = "code_accepted" // the person is proven: prove the card
	UnlockStateCardProving  UnlockState = "card_proving"  // the card's witness is open: send its answer
	UnlockStateReleased     UnlockState = "released"      // the PUK is out: unblock, set the new PUK, complete
	UnlockStateCompleted    UnlockState = "completed"
	UnlockStateVoid         UnlockState = "void"    // too many wrong codes, or a newer request
	UnlockStateExpired      UnlockState = "expired" // the code's time ran out
)

// Unlock-related sizes.
const (
	UnlockCodeLen = 8 // digits
	PUKLen        = 8 // digits
)

// UnlockRequest is the body of POST /v1/unlocks: the blocked card, read
// from its CHUID (anyone can read it: the code and the card's proof come
// next).
type UnlockRequest struct {
	CardGUID      string `json:"card_guid"`
	WorkstationID string `json:"workstation_id"` // every later call comes from here
}

// Validate checks the request shape.
func (r *UnlockRequest) Validate() error {
	if _, err := ParseCardGUID(r.CardGUID); err != nil {
		return err
	}
	return validateWorkstationID("workstation_id", r.WorkstationID)
}

// Unlock is returned by every unlock call. Token is present only in the
// answer to POST /v1/unlocks: send it as "Authorization: Bearer <token>"
// with the Cardagent-Workstation header on every later call.
type Unlock struct {
	ID    string      `json:"id"`
	Token string      `json:"token,omitempty"`
	State UnlockState `json:"state"`
	// SentTo is the address the code went to, partly hidden (a•••@nhs.net).
	SentTo        string    `json:"sent_to,omitempty"`
	CodeExpiresAt time.Time `json:"code_expires_at"`
	// CodeAttemptsLeft is how many wrong codes void the unlock.
	CodeAttemptsLeft int `json:"code_attempts_left"`
	// Questions are the holder's questions to answer, in state questions;
	// AnswerAttemptsLeft is how many wrong answers leave only a
	// face-to-face unlock (they count across unlocks).
	Questions          []SecurityQuestion `json:"questions,omitempty"`
	AnswerAttemptsLeft int                `json:"answer_attempts_left,omitempty"`
}

// UnlockCodeRequest is the body of POST /v1/unlocks/{id}/code.
type UnlockCodeRequest struct {
	Code string `json:"code"`
}

// Validate checks the request shape (not the code: identityd does).
func (r *UnlockCodeRequest) Validate() error { return validateCode(r.Code) }

// UnlockWitnessRequest is the body of POST /v1/unlocks/{id}/witness: the
// card's answer to GENERAL AUTHENTICATE 9B 7C{80 00}, its witness
// encrypted with its management key.
type UnlockWitnessRequest struct {
	EncryptedWitness string `json:"encrypted_witness"` // base64
}

// Validate checks the request shape.
func (r *UnlockWitnessRequest) Validate() error {
	return checkBlock("encrypted_witness", r.EncryptedWitness)
}

// UnlockWitness answers it: the witness opened and identityd's challenge,
// both for the card (7C{80 witness, 81 challenge}).
type UnlockWitness struct {
	Witness   string `json:"witness"`   // base64
	Challenge string `json:"challenge"` // base64
}

// UnlockPUKRequest is the body of POST /v1/unlocks/{id}/puk: the card's
// answer to identityd's challenge, which proves the card holds its key.
type UnlockPUKRequest struct {
	CardAnswer string `json:"card_answer"` // base64
}

// Validate checks the request shape.
func (r *UnlockPUKRequest) Validate() error { return checkBlock("card_answer", r.CardAnswer) }

// UnlockPUK is the PUK released for this one operation and the new one the
// agent sets straight after RESET RETRY COUNTER. PreviousPUK is there when
// an earlier unlock stopped before identityd learnt which PUK the card
// kept: if PUK is refused, the card holds PreviousPUK. Never display, log
// or store them.
type UnlockPUK struct {
	PUK         string `json:"puk"`
	PreviousPUK string `json:"previous_puk,omitempty"`
	NewPUK      string `json:"new_puk"`
}

// UnlockCompleteRequest is the body of POST /v1/unlocks/{id}/complete: the
// card is unblocked and holds the new PUK.
type UnlockCompleteRequest struct {
	// UsedPrevious says the card took PreviousPUK, not PUK.
	UsedPrevious bool `json:"used_previous,omitempty"`
}

// Validate checks the request shape.
func (r *UnlockCompleteRequest) Validate() error { return nil }

func checkBlock(field, b64 string) error {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != MgmtChallengeLen {
		return invalid(field, "must be one 16-byte block, base64")
	}
	return nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
