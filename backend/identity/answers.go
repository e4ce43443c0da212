package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// normaliseAnswer is the form of a security answer identityd hashes and
// compares: Unicode NFKC (full-width and composed letters as their plain
// forms), case-folded, letters and digits only. "St. Mary's" and "st
// marys" are the same answer; how it was typed does not matter.
func normaliseAnswer(s string) string {
	var b strings.Builder
	for _, r := range cases.Fold().String(norm.NFKC.String(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// distinctAnswers refuses an answer that keeps too few letters once
// normalised, and two answers that are then the same: one guess must not
// open two questions.
func distinctAnswers(as []api.SecurityAnswer) error {
	seen := map[string]bool{}
	for _, a := range as {
		n := normaliseAnswer(a.Answer)
		if utf8.RuneCountInString(n) < api.MinAnswerLen {
			return errs.BadRequest(api.CodeInvalidRequest, "answers: each answer must have at least 3 letters or digits", nil)
		}
		if seen[n] {
			return errs.BadRequest(api.CodeAnswersRepeated, "give a different answer to each question", nil)
		}
		seen[n] = true
	}
	return nil
}
