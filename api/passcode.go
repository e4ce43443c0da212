package api

// PasscodeOutcome is what the card answered to a passcode change (CHANGE
// REFERENCE DATA). The agent reports it; identityd audits it. The card
// checks the passcodes, so no passcode ever travels: only the outcome.
type PasscodeOutcome string

const (
	PasscodeChanged      PasscodeOutcome = "changed"        // the card holds the new passcode
	PasscodeWrongCurrent PasscodeOutcome = "wrong_passcode" // the current passcode was wrong: a try used
	PasscodeBlocked      PasscodeOutcome = "blocked"        // no tries left: the card is locked
)

// PasscodeChangeReport is the body of POST /v1/sessions/{id}/passcode.
type PasscodeChangeReport struct {
	Outcome PasscodeOutcome `json:"outcome"`
	// TriesLeft is the card's count after a wrong current passcode.
	TriesLeft int `json:"tries_left,omitempty"`
}

// Validate checks the request shape.
func (r *PasscodeChangeReport) Validate() error {
	switch r.Outcome {
	case PasscodeChanged, PasscodeBlocked:
		if r.TriesLeft != 0 {
			return invalid("tries_left", "is given only with wrong_passcode")
		}
	case PasscodeWrongCurrent:
		if r.TriesLeft < 1 || r.TriesLeft > 15 {
			return invalid("tries_left", "must be 1–15 after a wrong passcode")
		}
	default:
		return invalid("outcome", "must be changed, wrong_passcode or blocked")
	}
	return nil
}
