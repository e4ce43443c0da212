package session

import (
	"bytes"

	"github.com/cardagent/cardagent/wording"
)

// newPasscodeProblem says why a passcode change would be refused, before
// anything reaches the card (which would cost a try): the current passcode
// must be given, the new one must follow the rule, be typed the same twice
// and, as the policy says, differ from the current one and not be simple.
// The current passcode is not held to today's rule: it was set under the
// rule of its day, and the card judges it.
func newPasscodeProblem(current, next, again []byte, r PasscodeRule) string {
	switch {
	case len(current) == 0:
		return wording.CurrentPasscodeNeeded
	case len(current) > maxPasscodeBytes:
		return wording.PasscodeWrongLength(r.Describe())
	}
	return chosenPasscodeProblem(next, again, current, r)
}

// chosenPasscodeProblem is the check of a new passcode typed twice, with
// the current one where it is known (nil at an unlock: forgotten).
func chosenPasscodeProblem(next, again, current []byte, r PasscodeRule) string {
	switch {
	case len(next) < r.MinLength || len(next) > r.MaxLength:
		return wording.NewPasscodeRule(r.Describe())
	case r.DigitsOnly && !allDigits(next):
		return wording.NewPasscodeNotDigits(r.Describe())
	case !bytes.Equal(next, again):
		return wording.NewPasscodesDiffer
	case r.RefuseCurrent && current != nil && bytes.Equal(next, current):
		return wording.NewPasscodeIsCurrent
	case r.RefuseSimple && simplePasscode(next):
		return wording.NewPasscodeTooSimple
	}
	return ""
}

// maxPasscodeBytes is the longest passcode a PIV card holds (the PIN is 8
// bytes, padded).
const maxPasscodeBytes = 8

func allDigits(p []byte) bool {
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// simplePasscode reports whether p is one character repeated (1111, aaaa)
// or a run going up or down by one (1234, 87654, abcd).
func simplePasscode(p []byte) bool {
	if len(p) < 2 {
		return true
	}
	step := int(p[1]) - int(p[0])
	if step < -1 || step > 1 {
		return false
	}
	for i := 2; i < len(p); i++ {
		if int(p[i])-int(p[i-1]) != step {
			return false
		}
	}
	return true
}
