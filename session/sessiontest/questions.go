package sessiontest

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// QuestionAnswers are the right answers to the fake's catalogue, as a
// holder registers them; an unlock compares them normalised, as identityd.
var QuestionAnswers = map[string]string{
	"q01": "Biscuit", "q02": "Sam Jones", "q03": "Mill Lane", "q04": "Raleigh", "q05": "Anne",
}

// Catalogue is the fake's question catalogue.
var Catalogue = []api.SecurityQuestion{
	{ID: "q01", Text: "What was the name of your first pet?"},
	{ID: "q02", Text: "What was the first name of your best friend at primary school?"},
	{ID: "q03", Text: "What was the name of the street you lived on at age ten?"},
	{ID: "q04", Text: "What was the make of your first car or bicycle?"},
	{ID: "q05", Text: "What is the middle name of your oldest sibling or cousin?"},
}

// SecurityQuestions answers the catalogue and Registered ("questions").
func (b *Backend) SecurityQuestions(ctx context.Context, t client.Ticket) (api.SecurityQuestions, error) {
	b.record("questions")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.SecurityQuestions{}, err
	}
	return b.questionsView(), nil
}

func (b *Backend) questionsView() api.SecurityQuestions {
	q := api.SecurityQuestions{Catalogue: Catalogue, Registered: slices.Clone(b.Registered),
		Asked: b.Rules.SelfServiceUnlock == "email+questions"}
	if b.Registered != nil {
		at := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
		q.RegisteredAt = &at
	}
	return q
}

// RegisterQuestions checks the card's proof in the questions' domain and
// keeps the answers until ConfirmQuestions ("questions-register").
func (b *Backend) RegisterQuestions(ctx context.Context, t client.Ticket, proof api.CardProof, answers []api.SecurityAnswer) (api.QuestionsRegistration, error) {
	b.record("questions-register")
	if err := b.checkOf(proof, api.QuestionsDigest); err != nil {
		return api.QuestionsRegistration{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.QuestionsRegistration{}, err
	}
	if b.FailQuestions != nil {
		return api.QuestionsRegistration{}, b.FailQuestions
	}
	req := api.RegisterQuestionsRequest{Proof: proof, Answers: answers}
	if err := req.Validate(); err != nil {
		return api.QuestionsRegistration{}, &client.APIError{Status: 400, Code: api.CodeInvalidRequest, Message: err.Error()}
	}
	seen := map[string]bool{}
	for _, a := range answers {
		if seen[fold(a.Answer)] {
			return api.QuestionsRegistration{}, &client.APIError{Status: 400, Code: api.CodeAnswersRepeated}
		}
		seen[fold(a.Answer)] = true
	}
	b.pending = slices.Clone(answers)
	return api.QuestionsRegistration{SentTo: "a•••@nhs.net", CodeExpiresAt: time.Now().Add(15 * time.Minute), CodeAttemptsLeft: 3}, nil
}

// ConfirmQuestions registers the pending answers if code is UnlockCode
// ("questions-confirm").
func (b *Backend) ConfirmQuestions(ctx context.Context, t client.Ticket, code string) (api.SecurityQuestions, error) {
	b.record("questions-confirm")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.get(t); err != nil {
		return api.SecurityQuestions{}, err
	}
	if b.pending == nil {
		return api.SecurityQuestions{}, &client.APIError{Status: 409, Code: api.CodeQuestionsClosed}
	}
	if code != UnlockCode {
		return api.SecurityQuestions{}, &client.APIError{Status: 403, Code: api.CodeQuestionsCodeWrong, AttemptsLeft: 2}
	}
	b.Registered = nil
	for _, a := range b.pending {
		b.Registered = append(b.Registered, a.QuestionID)
	}
	b.pending, b.answerFails = nil, 0
	return b.questionsView(), nil
}

// PendingAnswers are the answers of a registration waiting for its code.
func (b *Backend) PendingAnswers() []api.SecurityAnswer {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.pending)
}

// UnlockAnswers checks the answers to an unlock's questions against
// QuestionAnswers ("unlock-answers"): right, the code is "sent"; wrong
// three times, only face to face.
func (b *Backend) UnlockAnswers(ctx context.Context, t client.Ticket, answers []api.SecurityAnswer) (api.Unlock, error) {
	b.record("unlock-answers")
	b.mu.Lock()
	defer b.mu.Unlock()
	u, err := b.unlockAt(t, api.UnlockStateQuestions)
	if err != nil {
		return api.Unlock{}, err
	}
	right := len(answers) == len(u.Questions)
	for i, a := range answers {
		right = right && a.QuestionID == u.Questions[i].ID && fold(a.Answer) == fold(QuestionAnswers[a.QuestionID])
	}
	if !right {
		b.answerFails++
		if b.answerFails >= 3 {
			u.State = api.UnlockStateVoid
			return api.Unlock{}, &client.APIError{Status: 403, Code: api.CodeUnlockFaceToFace, Message: "face to face only"}
		}
		v := u.Unlock
		v.Token, v.AnswerAttemptsLeft = "", 3-b.answerFails
		return api.Unlock{}, &client.APIError{Status: 403, Code: api.CodeUnlockAnswersWrong, Unlock: &v}
	}
	b.answerFails = 0
	u.State, u.SentTo, u.Questions, u.AnswerAttemptsLeft = api.UnlockStateCodeSent, "a•••@nhs.net", nil, 0
	u.CodeExpiresAt = time.Now().Add(15 * time.Minute)
	v := u.Unlock
	v.Token = ""
	return v, nil
}

// fold is a rough stand-in for identityd's normal form of an answer
// (lower case, letters and digits only; identityd also applies NFKC).
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
