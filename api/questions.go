package api

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Security questions (docs/unlock.md): under the policy "email+questions"
// a holder answers two of their four registered questions before an unlock
// code is emailed. The questions are registered in an active session, with
// a fresh card signature (the passcode typed now) and an emailed code.
// Answers travel only over the pinned TLS connection and identityd keeps
// only a salted slow hash of each one, normalised (Unicode NFKC, lower
// case, letters and digits only: how it was typed does not matter).

// Question counts and answer sizes.
const (
	QuestionsRegistered = 4  // a holder registers this many
	QuestionsAsked      = 2  // an unlock asks this many of them
	MinAnswerLen        = 3  // letters and digits, once normalised
	MaxAnswerLen        = 64 // characters as typed
	questionsDomain     = "cardagent-questions-v1"
)

// SecurityQuestion is one question of identityd's catalogue.
type SecurityQuestion struct {
	ID   string `json:"id"` // stable: "q01"…"q20"
	Text string `json:"text"`
}

// SecurityAnswer is a holder's answer to one question, as typed.
type SecurityAnswer struct {
	QuestionID string `json:"question_id"`
	Answer     string `json:"answer"`
}

// SecurityQuestions is GET /v1/sessions/{id}/questions: the catalogue to
// choose from and which of them the session's holder has registered.
type SecurityQuestions struct {
	Catalogue    []SecurityQuestion `json:"catalogue"`
	Registered   []string           `json:"registered,omitempty"` // question ids
	RegisteredAt *time.Time         `json:"registered_at,omitempty"`
	// Asked says the policy asks them before an unlock code (email+questions).
	Asked bool `json:"asked"`
}

// RegisterQuestionsRequest is the body of POST /v1/sessions/{id}/questions:
// four answers and a fresh proof from the session's card, signed over
// QuestionsDigest, which only a card whose passcode was just verified gives.
type RegisterQuestionsRequest struct {
	Proof   CardProof        `json:"proof"`
	Answers []SecurityAnswer `json:"answers"`
}

// Validate checks the request shape; which questions exist is identityd's.
func (r *RegisterQuestionsRequest) Validate() error {
	if err := r.Proof.Validate(); err != nil {
		return err
	}
	return validateAnswers("answers", r.Answers, QuestionsRegistered)
}

// QuestionsRegistration answers it: the answers wait for the code emailed
// to the holder (POST /v1/sessions/{id}/questions/confirm).
type QuestionsRegistration struct {
	SentTo           string    `json:"sent_to"` // partly hidden
	CodeExpiresAt    time.Time `json:"code_expires_at"`
	CodeAttemptsLeft int       `json:"code_attempts_left"`
}

// ConfirmQuestionsRequest is the body of POST /v1/sessions/{id}/questions/confirm.
type ConfirmQuestionsRequest struct {
	Code string `json:"code"`
}

// Validate checks the request shape.
func (r *ConfirmQuestionsRequest) Validate() error { return validateCode(r.Code) }

// UnlockAnswersRequest is the body of POST /v1/unlocks/{id}/answers: the
// answers to the questions the unlock asked.
type UnlockAnswersRequest struct {
	Answers []SecurityAnswer `json:"answers"`
}

// Validate checks the request shape.
func (r *UnlockAnswersRequest) Validate() error {
	return validateAnswers("answers", r.Answers, QuestionsAsked)
}

// QuestionsSignedData is what the card signs to register questions: as
// LoginSignedData, in a domain of its own, so a login signature can never
// stand for a registration.
func QuestionsSignedData(nonce []byte, workstationID string, cardGUID []byte) []byte {
	return signedData(questionsDomain, nonce, workstationID, cardGUID)
}

// QuestionsDigest is SHA-256(QuestionsSignedData(...)), signed as LoginDigest is.
func QuestionsDigest(nonce []byte, workstationID string, cardGUID []byte) []byte {
	return digest(QuestionsSignedData(nonce, workstationID, cardGUID))
}

// AnswerProblem says what is wrong with an answer as typed ("" if nothing).
func AnswerProblem(s string) string {
	switch {
	case utf8.RuneCountInString(s) > MaxAnswerLen:
		return "must be at most 64 characters"
	case !utf8.ValidString(s):
		return "must be text"
	case letters(s) < MinAnswerLen:
		return "must have at least 3 letters or digits"
	}
	return ""
}

// letters counts the letters and digits in s: what an answer keeps once
// normalised.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func validateAnswers(field string, as []SecurityAnswer, n int) error {
	if len(as) != n {
		return invalid(field, fmt.Sprintf("must hold %d answers", n))
	}
	seen := map[string]bool{}
	for _, a := range as {
		if !questionIDShape(a.QuestionID) {
			return invalid(field, "question_id must be a catalogue id such as q07")
		}
		if msg := AnswerProblem(a.Answer); msg != "" {
			return invalid(field, "each answer "+msg)
		}
		if seen[a.QuestionID] {
			return invalid(field, "must answer different questions")
		}
		seen[a.QuestionID] = true
	}
	return nil
}

func questionIDShape(id string) bool {
	return len(id) == 3 && id[0] == 'q' && digits(id[1:])
}

func validateCode(code string) error {
	if len(code) != UnlockCodeLen || !digits(code) {
		return invalid("code", "must be the 8 digits of the emailed code")
	}
	return nil
}
