package mail

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// UnlockCode is what the self-service unlock email tells a card holder.
type UnlockCode struct {
	// To is the holder's address.
	To string
	// HolderName greets the holder; empty greets no one by name.
	HolderName string
	// CardLabel names the card, so a holder with two cards knows which one
	// the code unlocks: the end of the card's GUID (e.g. its last 8 hex
	// digits), shown as "card ID ending …".
	CardLabel string
	// Code is the one-time code. It goes in the body only, never the
	// subject (subjects show on lock screens).
	Code string
	// Issued and ValidUntil are when the code was made and when it stops
	// working; the email gives the end time and the span between them.
	Issued, ValidUntil time.Time
	// Location is the time zone the end time is written in: the holder's
	// organisation's. Nil writes it in UTC and says so.
	Location *time.Location
}

// UnlockCodeMessage is the plain-text email carrying a one-time unlock
// code: which card it unlocks, until when, never to share it, and to ignore
// it if the holder did not ask for it.
func UnlockCodeMessage(u UnlockCode) Message {
	return codeMessage(u, codeText{
		subject: "Your smartcard unlock code",
		purpose: "unlock %s",
		unasked: "If you did not ask to unlock your smartcard, ignore this email and do\n" +
			"not use the code: your card stays locked.",
	})
}

// QuestionsCodeMessage is the plain-text email carrying the one-time code
// that confirms new security questions: the same shape as the unlock
// email, and if the holder did not ask for it, someone is using their card.
func QuestionsCodeMessage(u UnlockCode) Message {
	return codeMessage(u, codeText{
		subject: "Confirm your smartcard security questions",
		purpose: "confirm the security questions of %s",
		unasked: "If you did not just choose new security questions, do not use the code:\n" +
			"nothing changes. Someone may have your smartcard and passcode: tell\n" +
			"your Registration Authority today.",
	})
}

// codeText is what tells the two code emails apart.
type codeText struct {
	subject string
	purpose string // with %s for the card
	unasked string // what to do if the holder did not ask
}

func codeMessage(u UnlockCode, t codeText) Message {
	label := oneLine(u.CardLabel)
	card, subject := "your smartcard", t.subject
	if label != "" {
		card = "your smartcard (card ID ending " + label + ")"
		subject += " (card ID ending " + label + ")"
	}
	greeting := "Hello,"
	if name := oneLine(u.HolderName); name != "" {
		greeting = "Hello " + name + ","
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", greeting)
	fmt.Fprintf(&b, "Your one-time code to "+t.purpose+" is:\n\n", card)
	fmt.Fprintf(&b, "    %s\n\n", oneLine(u.Code))
	fmt.Fprintf(&b, "This code is valid until %s.\nIt works only once.\n\n", validity(u.Issued, u.ValidUntil, u.Location))
	b.WriteString("Never share this code with anyone, including anyone who says they are\n" +
		"from the IT service desk: nobody will ever ask you for it.\n\n")
	b.WriteString(t.unasked + " If it keeps happening, tell\n" +
		"your IT service desk.\n\n")
	b.WriteString("This email was sent automatically by your organisation's smartcard\n" +
		"service. Please do not reply to it.\n")
	return Message{To: u.To, Subject: subject, Text: b.String()}
}

// validity is "14:05 on 3 December 2026 (15 minutes)", in loc.
func validity(issued, until time.Time, loc *time.Location) string {
	zone := ""
	if loc == nil {
		loc, zone = time.UTC, " UTC"
	}
	t := until.In(loc)
	s := t.Format("15:04") + zone + " on " + t.Format("2 January 2006")
	if issued.IsZero() || !until.After(issued) {
		return s
	}
	if n := int(until.Sub(issued).Round(time.Minute) / time.Minute); n > 1 {
		return fmt.Sprintf("%s (%d minutes)", s, n)
	}
	return s + " (1 minute)"
}

// oneLine makes caller-supplied text safe in a subject or a line of the
// body: control characters (line breaks above all) become spaces.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
