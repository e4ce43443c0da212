package api

import "fmt"

// ErrorCode is a stable, machine-readable reason. Clients switch on codes,
// never on messages, so a code once published is never renamed.
type ErrorCode string

// Request-shape errors (400, 413, 415).
const (
	CodeMalformedBody        ErrorCode = "malformed_body"
	CodeUnknownField         ErrorCode = "unknown_field"
	CodeBodyTooLarge         ErrorCode = "body_too_large"
	CodeUnsupportedMediaType ErrorCode = "unsupported_media_type"
	CodeInvalidRequest       ErrorCode = "invalid_request"
	CodeNotFound             ErrorCode = "not_found"
	CodeMethodNotAllowed     ErrorCode = "method_not_allowed"
)

// Login and resume refusals (401 unless noted).
const (
	CodeChallengeInvalid      ErrorCode = "challenge_invalid"
	CodeChallengeExpired      ErrorCode = "challenge_expired"
	CodeChallengeReplayed     ErrorCode = "challenge_replayed"
	CodeCertificateInvalid    ErrorCode = "certificate_invalid"
	CodeCertificateUntrusted  ErrorCode = "certificate_untrusted"
	CodeCertificateExpired    ErrorCode = "certificate_expired"
	CodeCertificateMismatch   ErrorCode = "certificate_card_mismatch"
	CodeSignatureInvalid      ErrorCode = "signature_invalid"
	CodeCertificateSuperseded ErrorCode = "certificate_superseded" // a renewed card's older 9A certificate
	CodeCardUnknown           ErrorCode = "card_unknown"
	CodeCardCancelled         ErrorCode = "card_cancelled" // 403
	CodeCardLocked            ErrorCode = "card_locked"    // 403
	CodeUserDisabled          ErrorCode = "user_disabled"  // 403
)

// Session refusals.
const (
	CodeUnauthenticated     ErrorCode = "unauthenticated"      // 401: no or unknown token
	CodeWorkstationMismatch ErrorCode = "workstation_mismatch" // 401: token of another workstation
	CodeSessionEnded        ErrorCode = "session_ended"        // 401: ended or expired
	CodeSessionSuspended    ErrorCode = "session_suspended"    // 409: resume first
	CodeSessionNotSuspended ErrorCode = "session_not_suspended"
	CodeCardNotSessionCard  ErrorCode = "card_not_session_card" // 403: resume with another card
	CodeTermsNotAccepted    ErrorCode = "terms_not_accepted"    // 403
	CodeTermsVersion        ErrorCode = "terms_version_mismatch"
	CodeRoleNotHeld         ErrorCode = "role_not_held"       // 403
	CodeRoleNotChosen       ErrorCode = "role_not_chosen"     // 409: an assertion needs the session's role: choose one first
	CodeRoleEnded           ErrorCode = "role_ended"          // 403: the selected role's position ended: choose another
	CodeSessionConflict     ErrorCode = "session_conflict"    // 409: changed by a concurrent call: read it again
	CodeSuspendNotAllowed   ErrorCode = "suspend_not_allowed" // 403: the policy ends sessions on removal
)

// Unlock refusals (docs/unlock.md).
const (
	CodeUnlockNotAvailable ErrorCode = "unlock_not_available" // 403: policy off, or no address that may receive codes
	CodeUnlockRateLimited  ErrorCode = "unlock_rate_limited"  // 429: too many requests for the card or the user
	CodeUnlockCodeWrong    ErrorCode = "unlock_code_wrong"    // 403: with the unlock (attempts left)
	CodeUnlockCodeExpired  ErrorCode = "unlock_code_expired"  // 403: ask for a new code
	CodeUnlockClosed       ErrorCode = "unlock_closed"        // 409: used, void or expired: ask again
	CodeUnlockOutOfOrder   ErrorCode = "unlock_out_of_order"  // 409: not the step the unlock is at
	CodeCardNotProven      ErrorCode = "card_not_proven"      // 403: the card's answer is not its key's
	CodeUnlockSendFailed   ErrorCode = "unlock_send_failed"   // 503: the code could not be sent; retry
	CodeUnlockNoQuestions  ErrorCode = "unlock_no_questions"  // 403: email+questions, and the holder registered none
	CodeUnlockAnswersWrong ErrorCode = "unlock_answers_wrong" // 403: with the unlock (answer attempts left)
	CodeUnlockFaceToFace   ErrorCode = "unlock_face_to_face"  // 403: wrong answers too many times: only an LSA unlocks
)

// Security question registration refusals (docs/unlock.md).
const (
	CodeQuestionUnknown       ErrorCode = "question_unknown"        // 400: not in the catalogue
	CodeAnswersRepeated       ErrorCode = "answers_repeated"        // 400: two answers are the same once normalised
	CodeQuestionsNotAvailable ErrorCode = "questions_not_available" // 403: no address that may receive the code
	CodeQuestionsRateLimited  ErrorCode = "questions_rate_limited"  // 429: too many codes for this session
	CodeQuestionsSendFailed   ErrorCode = "questions_send_failed"   // 503: the code could not be sent; retry
	CodeQuestionsCodeWrong    ErrorCode = "questions_code_wrong"    // 403: with attempts_left
	CodeQuestionsCodeExpired  ErrorCode = "questions_code_expired"  // 403: register again
	CodeQuestionsClosed       ErrorCode = "questions_closed"        // 409: wrong too many times, or nothing to confirm: register again
)

// Admin refusals (docs/admin.md).
const (
	CodeAdminNotAuthorised ErrorCode = "admin_not_authorised" // 403: the session's role gives no such right
	CodeAdminOutOfScope    ErrorCode = "admin_out_of_scope"   // 403: the holder holds no position in the role's organisation
	CodeAdminOwnCard       ErrorCode = "admin_own_card"       // 403: an admin does not service their own card
	CodeUserUnknown        ErrorCode = "user_unknown"         // 404: no user with this UUID
	CodeCardEnrolled       ErrorCode = "card_enrolled"        // 409: the card is enrolled already: renew or repair it
	CodeAdminOwnPosition   ErrorCode = "admin_own_position"   // 403: an admin does not grant or end their own positions
	CodePositionUnknown    ErrorCode = "position_unknown"     // 404: the user holds no such position
	CodePositionHeld       ErrorCode = "position_held"        // 409: the user holds this role there already
	CodePositionEnded      ErrorCode = "position_ended"       // 409: the position has ended already
)

// Server-side errors.
const (
	CodeInternal    ErrorCode = "internal"    // 500
	CodeUnavailable ErrorCode = "unavailable" // 503 with Retry-After: the store is down or full; retry
)

// Error is the body of every non-2xx response.
type Error struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
	// RenewalRefusal is why renewal_refused refused.
	RenewalRefusal RenewalRefusal `json:"renewal_refusal,omitempty"`
	// Renewal is the renewal a renewal_* refusal is about (its token only
	// in renewal_incomplete, once the card is proven).
	Renewal *Renewal `json:"renewal,omitempty"`
	// Unlock is the unlock an unlock_code_wrong or unlock_answers_wrong
	// refusal is about.
	Unlock *Unlock `json:"unlock,omitempty"`
	// AttemptsLeft is how many wrong codes questions_code_wrong still allows.
	AttemptsLeft int `json:"attempts_left,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// ValidationError says which field of a request is wrong and why.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }

// AllErrorCodes lists every code above; openapi.yaml must name each.
var AllErrorCodes = []ErrorCode{
	CodeMalformedBody, CodeUnknownField, CodeBodyTooLarge, CodeUnsupportedMediaType,
	CodeInvalidRequest, CodeNotFound, CodeMethodNotAllowed,
	CodeChallengeInvalid, CodeChallengeExpired, CodeChallengeReplayed,
	CodeCertificateInvalid, CodeCertificateUntrusted, CodeCertificateExpired,
	CodeCertificateMismatch, CodeSignatureInvalid, CodeCardUnknown,
	CodeCardCancelled, CodeCardLocked, CodeUserDisabled,
	CodeUnauthenticated, CodeWorkstationMismatch, CodeSessionEnded, CodeSessionSuspended,
	CodeSessionNotSuspended, CodeCardNotSessionCard, CodeTermsNotAccepted,
	CodeTermsVersion, CodeRoleNotHeld, CodeInternal, CodeUnavailable,
	CodeCertificateSuperseded, CodeRoleEnded, CodeSessionConflict, CodeSuspendNotAllowed,
	CodeRenewalRefused, CodeRenewalIncomplete, CodeRenewalNotOpen, CodeRenewalExpired,
	CodeRenewalWrongState, CodeRenewalKeyMismatch,
	CodeUnlockNotAvailable, CodeUnlockRateLimited, CodeUnlockCodeWrong, CodeUnlockCodeExpired,
	CodeUnlockClosed, CodeUnlockOutOfOrder, CodeCardNotProven, CodeUnlockSendFailed,
	CodeUnlockNoQuestions, CodeUnlockAnswersWrong, CodeUnlockFaceToFace,
	CodeQuestionUnknown, CodeAnswersRepeated, CodeQuestionsNotAvailable, CodeQuestionsRateLimited, CodeQuestionsSendFailed,
	CodeQuestionsCodeWrong, CodeQuestionsCodeExpired, CodeQuestionsClosed,
	CodeAdminNotAuthorised, CodeAdminOutOfScope, CodeAdminOwnCard, CodeUserUnknown, CodeCardEnrolled,
	CodeAdminOwnPosition, CodePositionUnknown, CodePositionHeld, CodePositionEnded, CodeRoleNotChosen,
}

// Renewal refusals (docs/renewal.md).
const (
	// CodeRenewalRefused (403): the policy does not allow self-renewal now;
	// Error.RenewalRefusal says why (outside_window, expired, ra_due).
	CodeRenewalRefused ErrorCode = "renewal_refused"
	// CodeRenewalIncomplete (409, at login): the card has an unfinished
	// renewal whose steps left it unable to log in; Error.Renewal carries
	// its id, state and, once the card is proven, a fresh token to go on.
	CodeRenewalIncomplete ErrorCode = "renewal_incomplete"
	// CodeRenewalNotOpen (409): the renewal is completed; Error.Renewal
	// says so.
	CodeRenewalNotOpen ErrorCode = "renewal_not_open"
	// CodeRenewalExpired (409): the renewal was opened and left untouched
	// past its time: open a new one.
	CodeRenewalExpired ErrorCode = "renewal_expired"
	// CodeRenewalWrongState (409): the step is not allowed in the
	// renewal's state; Error.Renewal carries the state to go on from.
	CodeRenewalWrongState ErrorCode = "renewal_wrong_state"
	// CodeRenewalKeyMismatch (409): a CSR's key (or a key recorded again)
	// is not the key recorded for its slot.
	CodeRenewalKeyMismatch ErrorCode = "renewal_key_mismatch"
)
