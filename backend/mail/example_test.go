package mail_test

import (
	"fmt"
	"time"

	"github.com/cardagent/cardagent/backend/mail"
)

func ExampleUnlockCodeMessage() {
	issued := time.Date(2026, 12, 3, 13, 50, 0, 0, time.UTC)
	m := mail.UnlockCodeMessage(mail.UnlockCode{
		To:         "ada@example.org",
		HolderName: "Ada Lovelace",
		CardLabel:  "1A2B3C4D",
		Code:       "482913",
		Issued:     issued,
		ValidUntil: issued.Add(15 * time.Minute),
	})
	fmt.Println("Subject:", m.Subject)
	fmt.Println()
	fmt.Print(m.Text)
	// Output:
	// Subject: Your smartcard unlock code (card ID ending 1A2B3C4D)
	//
	// Hello Ada Lovelace,
	//
	// Your one-time code to unlock your smartcard (card ID ending 1A2B3C4D) is:
	//
	//     482913
	//
	// This code is valid until 14:05 UTC on 3 December 2026 (15 minutes).
	// It works only once.
	//
	// Never share this code with anyone, including anyone who says they are
	// from the IT service desk: nobody will ever ask you for it.
	//
	// If you did not ask to unlock your smartcard, ignore this email and do
	// not use the code: your card stays locked. If it keeps happening, tell
	// your IT service desk.
	//
	// This email was sent automatically by your organisation's smartcard
	// service. Please do not reply to it.
}
