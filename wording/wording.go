// Package wording holds every sentence the agent says to a person — in the
// window, the terminal, the tray, notifications and `cardagent doctor` —
// keyed by situation, so a situation reads the same wherever it is met. The
// words follow the NHS smartcard leaflets. Nothing here decides anything:
// the session picks the situation, the user interfaces show its words.
package wording

import "fmt"

// Trouble is what is wrong and what the person can do about it.
type Trouble struct {
	Problem string
	Fix     string
}

// The workstation and the card.
var (
	NoService   = Trouble{"The smartcard service is not running on this computer.", "Ask your IT service desk to start the smartcard service (pcscd). It usually starts by itself when a reader is plugged in."}
	NoReader    = Trouble{"No smartcard reader is connected.", "Plug in your smartcard reader. If it is plugged in, unplug it and plug it in again."}
	NoCard      = Trouble{"No smartcard is in the reader.", "Insert your smartcard, chip first and facing up."}
	CardMute    = Trouble{"The card does not answer.", "Take the card out and insert it chip first, with the chip facing up. If it still fails, contact your Registration Authority (RA)."}
	CardBusy    = Trouble{"The card is in use by another program.", "Close other smartcard programs and try again."}
	CardSlow    = Trouble{"The card did not answer in time.", "Take the card out and insert it again. If it keeps happening, try another reader or contact your IT service desk."}
	CardPulled  = Trouble{"The card was taken out while it was being read.", "Insert your smartcard, chip first and facing up."}
	NotPIV      = Trouble{"This is not an NHS smartcard.", "Insert your own NHS smartcard."}
	NoLoginCert = Trouble{"This smartcard has no login certificate.", "Contact your Registration Authority (RA): they will issue your certificates."}
	ForeignCard = Trouble{"This card was not issued by your organisation's identity service.", "Do not enter your passcode. Take the card out and insert your own NHS smartcard; if this is yours, contact your Registration Authority (RA)."}
	Unreadable  = Trouble{"The card could not be read.", "Take the card out and insert it again. If it keeps failing, contact your IT service desk."}
	Blocked     = Trouble{"Your smartcard is locked after too many wrong passcodes.", "Unlock it with self-service unlock (a code is emailed to you), or ask your Local Smartcard Administrator (LSA) to unlock it with you face to face."}
	CertExpired = Trouble{"Your smartcard certificates have expired.", RenewalExpired}
	NoRoles     = Trouble{"You have no role at any organisation on this system.", "Ask your Registration Authority (RA) or sponsor to give you the access you need."}
)

// FixRetry is the fix for a failure that trying again may cure.
const FixRetry = "Check the network connection and try again. No passcode attempt was used."

// The identity service.
var (
	Untrusted         = Trouble{"This computer does not trust the identity service it reached.", "Contact your IT service desk: the identity service's certificate is not the expected one."}
	Redirected        = Trouble{"The identity service sent this computer somewhere else, which it does not follow.", "Contact your IT service desk: the identity service's address may be wrong."}
	Unreachable       = Trouble{"The identity service cannot be reached.", FixRetry}
	Unavailable       = Trouble{"The identity service is unavailable for a moment.", FixRetry}
	LoginIncomplete   = Trouble{"The identity service could not complete the login.", FixRetry}
	CardCancelled     = Trouble{"This smartcard has been cancelled and can no longer be used.", "Contact your Registration Authority (RA) for a new card."}
	CardLockedByRA    = Trouble{"This smartcard has been locked by the Registration Authority.", "Contact your Registration Authority (RA)."}
	CardNotRegistered = Trouble{"This smartcard is not registered with this identity service.", NoLoginCert.Fix}
	AccountDisabled   = Trouble{"Your account is disabled.", "Contact your Registration Authority (RA)."}
	SignatureRejected = Trouble{"The card's signature was not accepted.", Unreadable.Fix}
	CertsSuperseded   = Trouble{"This smartcard's certificates have been replaced by newer ones that are not on the card.", "Take the card to your Registration Authority (RA)."}
)

// LoginFailed is a failure nothing above names.
func LoginFailed(detail string) Trouble { return Trouble{"Logging in failed: " + detail, FixRetry} }

// Refused is a backend refusal nothing above names, in the backend's words.
func Refused(message string) Trouble {
	return Trouble{"The identity service refused the request: " + message, FixRetry}
}

// One-line notices.
const (
	// TermsNotice is the line from the smartcard terms that every passcode
	// prompt shows: entering the passcode accepts the terms of use.
	TermsNotice   = "By entering your passcode you confirm your acceptance of the terms and conditions of smartcard use."
	TermsDeclined = "You must accept the terms and conditions to use your smartcard: no session was started."
	LoggedOut     = "You have logged out."
	ResumeEnded   = "Your previous session has ended. Enter your passcode to log in again."
	SessionLocked = "Your session is locked. Enter your passcode to continue."
	// LoggedOutOnRemoval: the removal action "logout" ended the session.
	LoggedOutOnRemoval = "You were logged out because your card was removed."
	SessionKept        = "Your session is kept open for this card."
	// UnverifiedCard stands where the holder's name would, with why.
	UnverifiedCard    = "Unverified card"
	UnverifiedCardWhy = "Whose card this is cannot be checked until the identity service answers."
)

// WrongPasscode is the notice after a wrong passcode; the tries left are
// shown beside it.
func WrongPasscode(left int) string {
	if left == 1 {
		return "Wrong passcode. One more wrong passcode locks your card."
	}
	return "Wrong passcode."
}

// AttemptsLeft says how many passcode tries remain ("" when unknown).
func AttemptsLeft(n int) string {
	switch {
	case n <= 0:
		return ""
	case n == 1:
		return "1 attempt left"
	default:
		return fmt.Sprintf("%d attempts left", n)
	}
}

// PasscodeRule says what a passcode must look like: "6 to 8 digits".
func PasscodeRule(min, max int, digitsOnly bool) string {
	kind := "characters"
	if digitsOnly {
		kind = "digits"
	}
	if min == max {
		return fmt.Sprintf("%d %s", min, kind)
	}
	return fmt.Sprintf("%d to %d %s", min, max, kind)
}

// PasscodeRuleLine is the rule as the prompt shows it.
func PasscodeRuleLine(rule string) string { return "Your passcode is " + rule + "." }

// PasscodeWrongLength and PasscodeNotDigits say why a typed passcode was
// refused before it reached the card.
func PasscodeWrongLength(rule string) string { return "Your passcode has " + rule + "." }
func PasscodeNotDigits(rule string) string   { return "Your passcode has only digits (" + rule + ")." }

// Why self-renewal is not offered.
const (
	RenewalExpired       = "Certificates cannot be renewed by yourself after they expire: see your Registration Authority (RA) in person."
	RenewalRADue         = "Every third renewal must be done by your Registration Authority (RA): please arrange a visit."
	RenewalOutsideWindow = "Renewal opens 90 days before expiry."
)

// ExpiryAlert is the certificate expiry alert: when, and what to do.
func ExpiryAlert(daysLeft int, canSelfRenew bool, reason string) string {
	var s string
	switch {
	case daysLeft < 0:
		s = "Your certificates have expired."
	case daysLeft == 0:
		s = "Your certificates expire today."
	case daysLeft == 1:
		s = "Your certificates expire tomorrow."
	default:
		s = fmt.Sprintf("Your certificates expire in %d days.", daysLeft)
	}
	if canSelfRenew {
		return s + " Renew them now."
	}
	if reason != "" {
		return s + " " + reason
	}
	return s
}

// Renewing the certificates from the agent.
const (
	TitleRenew       = "Renew your certificates"
	RenewButton      = "Renew now"
	RenewTrayItem    = "Renew certificates…"
	RenewRemindLater = "Remind me tomorrow"
	// RenewExplain says what will happen, before the passcode.
	RenewExplain    = "New keys are made on your smartcard and new certificates are written to it. It takes less than a minute. Keep the card in the reader until it is done; you can go on working afterwards."
	RenewKeepCardIn = "Keep your smartcard in the reader."
	// RenewInterrupted is shown when the card left or the service failed mid-way.
	RenewInterrupted = "Nothing is lost: the renewal is finished or undone when you try again or next log in."
)

// RenewSteps names the steps of a renewal, in order, as the progress shows them.
var RenewSteps = []string{"Preparing the card", "Generating keys on the card", "Requesting certificates", "Writing certificates", "Checking"}

// Renewed says the renewal is done and until when the new certificates last.
func Renewed(notAfter string) string {
	return "Your certificates are renewed. They are valid until " + notAfter + "."
}

// RenewalNotOffered is the problem when renewal is not offered now; the fix
// is the reason (RenewalExpired, RenewalRADue, RenewalOutsideWindow).
const RenewalNotOffered = "Your certificates cannot be renewed here now."

// RenewUnfinished asks for the passcode to finish a renewal that stopped
// half-way, before the card can log in.
const RenewUnfinished = "Your last certificate renewal did not finish. Enter your passcode to finish it; then sign in."

// RenewalStuck is an interrupted renewal the agent cannot finish itself.
var RenewalStuck = Trouble{"This card's last certificate renewal did not finish.", "Contact your Registration Authority (RA): they can finish it or renew the card in person."}

// RenewalFailed is a renewal that did not finish for a reason the session
// has no better words for.
var RenewalFailed = Trouble{"The renewal did not finish.", RenewInterrupted}

// ExpiryNotificationTitle heads the system notification of the alert.
const ExpiryNotificationTitle = "Smartcard certificates"

// Screen titles and status lines (window, tray, terminal).
const (
	TitleNoService    = "Smartcard service not running"
	TitleNoReader     = "No card reader found"
	TitleCardProblem  = "This card cannot be used"
	TitleBlocked      = "Your smartcard is locked"
	TitleBackendError = "Cannot sign you in"
	TitleOther        = "Something went wrong"

	StatusWaitingCard     = "Waiting for a smartcard"
	StatusReadingCard     = "Reading the card"
	StatusRenewing        = "Renewing certificates"
	StatusWaitingPasscode = "Waiting for the passcode"
	StatusSigningIn       = "Signing in"
	StatusLocked          = "Locked — card removed"
	StatusUnlocking       = "Unlocking the card"
	StatusStarting        = "Starting"
)

// StatusSignedIn is the tray's line for an active session.
func StatusSignedIn(user, role string) string {
	if user == "" {
		return "Signed in"
	}
	return "Signed in: " + user + " — " + role
}

// StatusProblem is the tray's line for a problem screen.
func StatusProblem(title string) string { return "Problem: " + title }

// InsertCard asks for the card (the terminal names the reader).
func InsertCard(reader string) string {
	return fmt.Sprintf("Insert your smartcard (reader %s)…", reader)
}

// CardRemovedLocked is the terminal's line when the card leaves.
const CardRemovedLocked = "Card removed: session locked."

// What `cardagent doctor` says beyond the situations above: the set-up of
// the workstation, in words a help desk can act on (with the commands).
var (
	SetupNoService   = Trouble{"The smartcard service (pcscd) is not running.", "Start the smartcard service: `sudo systemctl start pcscd` (or `sudo pcscd` where there is no systemd), then try again."}
	SetupNoReader    = Trouble{NoReader.Problem, "Plug in a smartcard reader. If it is plugged in, unplug it and plug it in again, and check that the reader driver is installed (`sudo apt-get install libccid`)."}
	SetupNoUsable    = Trouble{"No usable smartcard found.", NoCard.Fix}
	SetupUntrusted   = Trouble{"The identity service's certificate is not the pinned one.", "The identity service's certificate does not match the CA fingerprint this workstation pins (--ca-pin). If the service was reinstalled, update the pin from `identityd ca fingerprint`; otherwise contact your IT service desk — someone may be intercepting the connection."}
	SetupUnreachable = Trouble{Unreachable.Problem, "Check the network cable or Wi-Fi and that the identity service address in the agent's configuration is right; if it is, the service may be down: contact your IT service desk."}
)

// ServiceFailed, ReadFailed, ConnectFailed and BackendFailed carry an
// error's own words where no situation above fits.
func ServiceFailed(detail string) Trouble {
	return Trouble{"The smartcard service failed: " + detail, SetupNoService.Fix}
}
func ReadFailed(detail string) Trouble {
	return Trouble{"Reading the card failed: " + detail, Unreadable.Fix}
}
func ConnectFailed(detail string) Trouble {
	return Trouble{"Connecting to the card failed: " + detail, Unreadable.Fix}
}
func BackendFailed(detail string) Trouble {
	return Trouble{"The identity service answered with an error: " + detail, SetupUnreachable.Fix}
}

// LoginCertExpired says when the card's login certificate expired.
func LoginCertExpired(on string) Trouble {
	return Trouble{"The login certificate expired on " + on + ".", RenewalExpired}
}

// Changing the passcode from the active session.
const (
	TitleChangePasscode    = "Change your passcode"
	ChangePasscodeButton   = "Change passcode"
	ChangePasscodeTrayItem = "Change passcode…"
	// ChangePasscodeExplain says what will happen, before the passcodes.
	ChangePasscodeExplain = "Your smartcard checks your current passcode and stores the new one. Keep the card in the reader until it is done."
	CurrentPasscodeLabel  = "Current passcode"
	NewPasscodeLabel      = "New passcode"
	RepeatPasscodeLabel   = "New passcode again"
	ChangingPasscode      = "Changing the passcode on your smartcard…"
	PasscodeChanged       = "Your passcode has been changed. Use the new one from now on."
	// Why a new passcode was refused before it reached the card (no try used).
	NewPasscodesDiffer    = "The two new passcodes are not the same."
	NewPasscodeIsCurrent  = "The new passcode must be different from your current one."
	NewPasscodeTooSimple  = "The new passcode must not be one repeated character or a run such as 123456 or 8765."
	CurrentPasscodeNeeded = "Enter your current passcode."
)

// NewPasscodeRule is the rule a new passcode must follow, as the popup
// shows it and as the refusal of one that does not says it;
// NewPasscodeNotDigits is the refusal of letters where only digits go.
func NewPasscodeRule(rule string) string { return "The new passcode must have " + rule + "." }
func NewPasscodeNotDigits(rule string) string {
	return "The new passcode must have only digits (" + rule + ")."
}

// Why a passcode change did not happen, after the card was asked.
var (
	PasscodeCardRefused = Trouble{"Your smartcard did not accept the new passcode.", "Choose another passcode and try again."}
	PasscodeNotChanged  = Trouble{"Your passcode was not changed.", "Keep the card in the reader and try again. Your current passcode still works."}
)

// Self-service unlock of a blocked card.
const (
	TitleUnlock       = "Unlock your smartcard"
	UnlockButton      = "Unlock my card"
	ForgottenPasscode = "Forgotten your passcode?"
	UnlockExplain     = "A code is emailed to the address on your profile. With it you choose a new passcode; your smartcard is unlocked in the reader. Keep the card in until it is done."
	UnlockCodeLabel   = "Code from the email"
	UnlockCodeShape   = "The code has 8 digits."
	UnlockContinue    = "Continue"
	UnlockAskAgain    = "Send a new code"
	// UnlockChoose asks for the new passcode once the code is accepted.
	UnlockChoose       = "The code is right. Choose a new passcode: you will log in with it from now on."
	UnlockSendingCode  = "Sending a code to your email address…"
	UnlockCheckingCode = "Checking the code…"
	UnlockingCard      = "Unlocking your smartcard…"
	Unlocked           = "Your smartcard is unlocked. Log in with your new passcode."
)

// UnlockCodeSent says where the code went and until when it is valid.
func UnlockCodeSent(sentTo, until string) string {
	return "We have emailed a code to " + sentTo + ". It is valid until " + until + "."
}

// UnlockCodeWrong is the notice after a wrong code; the attempts left are
// shown beside it.
func UnlockCodeWrong(left int) string {
	if left == 1 {
		return "That is not the code. One more wrong code and you must ask for a new one."
	}
	return "That is not the code."
}

// Why an unlock did not happen.
var (
	UnlockNotOffered    = Trouble{"Self-service unlock is not available for this card.", "Ask your Local Smartcard Administrator (LSA) to unlock it with you face to face."}
	UnlockRateLimited   = Trouble{"Too many unlock codes were asked for.", "Try again later, or ask your Local Smartcard Administrator (LSA) to unlock it with you face to face."}
	UnlockCodeExpired   = Trouble{"The code has expired.", "Ask for a new code."}
	UnlockClosed        = Trouble{"This code can no longer be used: it was wrong too many times, or a newer code was asked for.", "Ask for a new code, or see your Local Smartcard Administrator (LSA)."}
	UnlockSendFailed    = Trouble{"The code could not be sent just now.", "Try again in a few minutes."}
	UnlockCardNotProven = Trouble{"This card could not prove it is the card that was issued to you.", "See your Local Smartcard Administrator (LSA)."}
	UnlockCardRefused   = Trouble{"Your smartcard refused to be unlocked.", "See your Local Smartcard Administrator (LSA): the card may need replacing."}
	UnlockInterrupted   = Trouble{"The unlock did not finish.", "Nothing is lost: ask for a new code and try again."}
)

// Security questions asked before an unlock code (email+questions).
const (
	UnlockQuestionsExplain = "Answer two of the security questions you registered. If the answers are right, a code is emailed to you."
	UnlockAnswerLabel      = "Your answer"
	UnlockCheckingAnswers  = "Checking your answers…"
	UnlockCheckAnswers     = "Check the answers"
	AnswerShape            = "Each answer needs at least 3 letters or digits."
)

// UnlockAnswersWrong is the notice after wrong answers; the attempts left
// before only a face-to-face unlock is possible are shown beside it.
func UnlockAnswersWrong(left int) string {
	if left == 1 {
		return "Those answers are not the ones you registered. One more wrong attempt and only your Local Smartcard Administrator can unlock the card."
	}
	return "Those answers are not the ones you registered."
}

// Why an unlock with questions did not happen.
var (
	UnlockNoQuestions = Trouble{"You have not registered security questions, so this card can only be unlocked face to face.", "See your Local Smartcard Administrator (LSA). Once logged in again, register your questions from the session screen."}
	UnlockFaceToFace  = Trouble{"The security questions were answered wrongly too many times.", "Only your Local Smartcard Administrator (LSA) can unlock this card now, face to face. Once logged in again, register your questions anew."}
)

// Registering security questions, over the active session.
const (
	TitleQuestions       = "Security questions"
	QuestionsButton      = "Security questions…"
	QuestionsExplain     = "If you forget your passcode, you answer two of these before an unlock code is emailed to you. Choose four different questions whose answers only you know and will not forget."
	QuestionsNone        = "You have not registered security questions yet: without them your card can only be unlocked face to face."
	QuestionChoose       = "Choose a question"
	QuestionsPasscode    = "Your passcode confirms it is you"
	QuestionsSave        = "Save"
	QuestionsFour        = "Choose four different questions and answer each one."
	QuestionsDifferent   = "Give a different answer to each question."
	QuestionsLoading     = "Reading your security questions…"
	QuestionsSigning     = "Checking your passcode on the card…"
	QuestionsSending     = "Sending a code to your email address…"
	QuestionsConfirming  = "Checking the code…"
	QuestionsCodeExplain = "To confirm the questions are yours, type the code we emailed you."
	QuestionsSaved       = "Your security questions are registered. You can use them to unlock your card if you forget your passcode."
	QuestionsAnswersHint = "Answers show as you type, so make sure nobody is watching. Capitals, spaces and punctuation do not matter. Once saved, an answer is never shown again."
	QuestionsConfirm     = "Confirm"
	QuestionsAgain       = "Choose again"
)

// QuestionsRegisteredOn says when the questions now held were registered.
func QuestionsRegisteredOn(day string) string {
	return "Your questions were registered on " + day + ". Saving new ones replaces them."
}

// Why security questions were not registered.
var (
	QuestionsCodeExpired  = Trouble{"The code has expired.", "Choose the questions again for a new code."}
	QuestionsClosed       = Trouble{"The questions were not registered: the code was wrong too many times.", "Choose the questions again for a new code."}
	QuestionsRateLimited  = Trouble{"Too many codes were sent in this session.", "Log out and in again later, then try again."}
	QuestionsSendFailed   = Trouble{"The code could not be sent just now.", "Try again in a few minutes."}
	QuestionsNotAvailable = Trouble{"There is no email address on your profile that can receive the code.", "Ask your Registration Authority to add your NHS email address."}
	QuestionsNotSaved     = Trouble{"Your security questions were not registered.", "Keep the card in the reader and try again."}
)

// Admin mode: an administrator services another person's card.
const (
	TitleAdmin              = "Service a card"
	AdminButton             = "Service a card…"
	AdminInsertTarget       = "Put the card to service in another reader. Keep your own card in its reader: removing it locks your session."
	AdminReadingTarget      = "Reading the card…"
	AdminUnlockButton       = "Unlock face to face"
	AdminUnlockExplain      = "Check the holder's identity in person. Then the holder, not you, types their new passcode twice: you never learn it."
	AdminIdentityLabel      = "I have seen the holder and their identity document"
	AdminReasonLabel        = "Reason (recorded in the audit trail)"
	AdminIdentityFirst      = "Confirm you have checked the holder's identity first."
	AdminReasonNeeded       = "Type a reason: it is recorded with your name."
	AdminUnlocking          = "Unlocking the card…"
	AdminUnlockSend         = "Unlock the card"
	AdminNewPasscode        = "Holder's new passcode"
	AdminRepeatPasscode     = "Holder's new passcode again"
	AdminUnlocked           = "The card is unlocked. The holder can log in with their new passcode."
	AdminCardRemoved        = "The card to service was removed: whatever was under way on it stopped, and nothing is lost."
	AdminNotInScope         = "This card's holder holds no position in your role's organisation: an administrator there can help."
	AdminSomeoneElse        = "A card you may not service"
	AdminRepairButton       = "Repair the card"
	AdminRepairExplain      = "Check the holder's identity in person. Repairing replaces the card's keys and certificates and sets a new passcode, which the holder, not you, types twice. Keep the card in its reader until it is done."
	AdminRepairSend         = "Repair the card"
	AdminRenewButton        = "Renew certificates"
	AdminRenewExplain       = "Check the holder's identity in person. New keys are made on the card and new certificates are written to it; the holder types their passcode, which you never learn. Keep the card in its reader until it is done."
	AdminRenewSend          = "Renew the certificates"
	AdminHolderPasscode     = "Holder's passcode"
	AdminRenewing           = "Renewing the card's certificates…"
	AdminRenewalRefused     = "These certificates cannot be renewed here now."
	AdminCancelButton       = "Cancel the card"
	AdminCancelExplain      = "Cancel a card reported lost or stolen, or one that must never be used again. This cannot be undone: the holder will need a new card."
	AdminCancelConfirm      = "I understand this card can never be used again"
	AdminCancelConfirmFirst = "Confirm that the card is to be cancelled for good first."
	AdminCancelSend         = "Cancel the card for good"
	AdminCancelling         = "Cancelling the card…"
	AdminCancelled          = "The card is cancelled for good: it can no longer log in, be renewed or be unlocked, and its sessions have ended."
)

// AdminRenewStep is the progress of an administrator's renewal at step n
// (1-based, as RenewSteps).
func AdminRenewStep(n int) string {
	if n < 1 || n > len(RenewSteps) {
		return AdminRenewing
	}
	return RenewSteps[n-1] + "…"
}

// AdminNotOffered says the card in the other reader does not allow action
// by this administrator now (a terminal command named it).
func AdminNotOffered(action string) string {
	return "This card cannot be given a " + action + " by you now: check its state, and your role."
}

// AdminRenewed says an administrator's renewal is done.
func AdminRenewed(until string) string {
	return "The certificates are renewed, until " + until + ". The holder logs in with their passcode as before."
}

// AdminRepaired says a repair is done.
func AdminRepaired(until string) string {
	return "The card is repaired, with new certificates until " + until + ". The holder can log in with their new passcode."
}

// AdminRenewalRefusal is the fix for identityd's renewal refusal reason.
func AdminRenewalRefusal(reason string) string {
	switch reason {
	case "outside_sponsor_window":
		return "A sponsor renews only in the last days before expiry: until then the holder renews them, or a Registration Authority (RA)."
	case "expired":
		return "Expired certificates are renewed by a Registration Authority (RA), in person."
	case "ra_due":
		return "This renewal must be done by a Registration Authority (RA), in person."
	}
	return "Ask a Registration Authority (RA)."
}

// AdminReaders says which reader holds which card: readers are told apart
// by name and by which card holds the session, never by position.
func AdminReaders(own, target string) string {
	if target == "" {
		return "Your card is in " + own + "."
	}
	return "Your card is in " + own + "; the card to service is in " + target + "."
}

// Why an admin action did not happen.
var (
	AdminNotAuthorised  = Trouble{"Your role does not allow this.", "Log in in an administrator's role."}
	AdminOutOfScope     = Trouble{"This card's holder holds no position in your role's organisation.", "An administrator of their organisation can help."}
	AdminOwnCard        = Trouble{"Administrators do not service their own card.", "Ask another administrator."}
	AdminRepairHalfDone = Trouble{"The holder's new passcode is set, but the card's new keys and certificates are not.",
		"Keep the card in its reader and repair it again; nothing is lost."}
	AdminTargetBlocked = Trouble{"The holder's card is locked after too many wrong passcodes.", "Unlock it face to face first, or have a Registration Authority (RA) repair it."}
)

// Enrolling a factory-fresh card (RA).
const (
	AdminBlankCard     = "A new card: not issued to anyone yet"
	AdminEnrollingCard = "A new card whose issue did not finish"
	AdminEnrolButton   = "Issue this card"
	AdminEnrolOnButton = "Finish issuing this card"
	AdminEnrolExplain  = "Check the holder's identity in person and type their UUID. The card gets its own identity, keys and certificates; the holder, not you, types their new passcode twice. Keep the card in its reader until it is done."
	AdminUserIDLabel   = "Holder's UUID (12 digits)"
	AdminUserIDNeeded  = "Type the holder's 12-digit UUID."
	AdminEnrolSend     = "Issue the card"
	AdminEnrolling     = "Writing the card's identity…"
)

// AdminEnrolled says a new card is issued.
func AdminEnrolled(name, until string) string {
	return "The card is issued to " + name + ", with certificates until " + until + ". They can log in with the passcode they just chose."
}

// AdminEnrollingFor refuses a UUID typed for a card whose unfinished issue
// already names its holder.
func AdminEnrollingFor(uuid string) string {
	return "This card is being issued to UUID " + uuid + ": finish it for them, or cancel it and issue a new card."
}

// Why a card could not be issued.
var (
	AdminNotPIV          = Trouble{"This card has no PIV application: it cannot be an NHS smartcard.", "Use a new NHS smartcard."}
	AdminNotFactoryFresh = Trouble{"This card was set up by someone else: it does not take the factory settings.", "Use a new card, or have the card reset to its factory settings first."}
	AdminPUKUnknown      = Trouble{"This card refused both its factory PUK and the one issued for it.", "Use another card."}
	AdminUserUnknown     = Trouble{"No user has this UUID.", "Check the UUID on the holder's record; the user must exist before a card is issued."}
	AdminCardEnrolled    = Trouble{"This card is issued already.", "Renew or repair it instead, or use a new card."}
	AdminEnrolHalfDone   = Trouble{"The card is assigned to its holder but not finished.", "Keep it in its reader and finish issuing it; nothing is lost."}
)
