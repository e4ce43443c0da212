package identity

import "github.com/cardagent/cardagent/api"

// questionCatalogue is the twenty security questions a holder chooses four
// from. Their ids never change meaning: a registered answer is kept by id.
// They ask for facts that stay true and that a colleague would not know,
// rather than ones a profile page shows (no mother's maiden name, no
// birthplace).
var questionCatalogue = []api.SecurityQuestion{
	{ID: "q01", Text: "What was the name of your first pet?"},
	{ID: "q02", Text: "What was the first name of your best friend at primary school?"},
	{ID: "q03", Text: "What was the name of the street you lived on at age ten?"},
	{ID: "q04", Text: "What was the make of your first car or bicycle?"},
	{ID: "q05", Text: "What is the middle name of your oldest sibling or cousin?"},
	{ID: "q06", Text: "What was the surname of your favourite teacher?"},
	{ID: "q07", Text: "In what town was your first job?"},
	{ID: "q08", Text: "What was the name of your first stuffed toy?"},
	{ID: "q09", Text: "What was the first concert you went to?"},
	{ID: "q10", Text: "What is the name of the hospital where you trained?"},
	{ID: "q11", Text: "What was your childhood nickname?"},
	{ID: "q12", Text: "What was the first foreign country you visited?"},
	{ID: "q13", Text: "What was the name of your first school?"},
	{ID: "q14", Text: "What was the first film you saw at a cinema?"},
	{ID: "q15", Text: "What is the first name of your oldest niece or nephew?"},
	{ID: "q16", Text: "What was the name of the first ward you worked on?"},
	{ID: "q17", Text: "What was your favourite book as a child?"},
	{ID: "q18", Text: "What was the surname of your first manager?"},
	{ID: "q19", Text: "What was the first musical instrument you played?"},
	{ID: "q20", Text: "Where did you go on your first holiday without your family?"},
}

// catalogueQuestion finds a question by id.
func catalogueQuestion(id string) (api.SecurityQuestion, bool) {
	for _, q := range questionCatalogue {
		if q.ID == id {
			return q, true
		}
	}
	return api.SecurityQuestion{}, false
}
