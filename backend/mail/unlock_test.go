package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/mail"
)

func TestUnlockCodeMessage(t *testing.T) {
	const holder = "ada@example.test"
	issued := time.Date(2026, 12, 3, 13, 50, 0, 0, time.UTC)
	london := time.FixedZone("BST", 60*60) // summer time, without tzdata
	for _, tc := range []struct {
		name        string
		u           mail.UnlockCode
		wantSubject string
		wantText    []string // each in the text
		notText     []string // none in the text
	}{
		{
			name: "UTC, 15 minutes",
			u: mail.UnlockCode{To: holder, HolderName: "Ada Lovelace", CardLabel: "1A2B3C4D", Code: "482913",
				Issued: issued, ValidUntil: issued.Add(15 * time.Minute)},
			wantSubject: "Your smartcard unlock code (card ID ending 1A2B3C4D)",
			wantText: []string{
				"Hello Ada Lovelace,",
				"unlock your smartcard (card ID ending 1A2B3C4D) is:",
				"\n    482913\n",
				"valid until 14:05 UTC on 3 December 2026 (15 minutes)",
				"Never share this code",
				"If you did not ask to unlock your smartcard, ignore this email",
			},
		},
		{
			name: "organisation's zone",
			u: mail.UnlockCode{To: holder, HolderName: "Ada Lovelace", CardLabel: "DEADBEEF", Code: "000111",
				Issued: issued.AddDate(0, -6, 0), ValidUntil: issued.AddDate(0, -6, 0).Add(15 * time.Minute), Location: london},
			wantSubject: "Your smartcard unlock code (card ID ending DEADBEEF)",
			wantText:    []string{"valid until 15:05 on 3 June 2026 (15 minutes)"},
			notText:     []string{"UTC"},
		},
		{
			name: "no name, no label, one minute",
			u: mail.UnlockCode{To: holder, Code: "123456",
				Issued: issued, ValidUntil: issued.Add(50 * time.Second)},
			wantSubject: "Your smartcard unlock code",
			wantText:    []string{"Hello,\n", "unlock your smartcard is:", "13:50 UTC on 3 December 2026 (1 minute)"},
			notText:     []string{"ending"},
		},
		{
			name: "no issue time: the end time alone",
			u: mail.UnlockCode{To: holder, CardLabel: "1A2B3C4D", Code: "123456",
				ValidUntil: issued.Add(15 * time.Minute)},
			wantSubject: "Your smartcard unlock code (card ID ending 1A2B3C4D)",
			wantText:    []string{"valid until 14:05 UTC on 3 December 2026.\n"},
		},
		{
			name: "line breaks in caller text are flattened",
			u: mail.UnlockCode{To: holder, HolderName: "Eve\r\nBcc: x@example.test", CardLabel: "1A2B\n3C4D", Code: "123456",
				Issued: issued, ValidUntil: issued.Add(15 * time.Minute)},
			wantSubject: "Your smartcard unlock code (card ID ending 1A2B 3C4D)",
			wantText:    []string{"Hello Eve  Bcc: x@example.test,"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mail.UnlockCodeMessage(tc.u)
			if err := m.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if m.To != tc.u.To {
				t.Errorf("To %q", m.To)
			}
			if m.Subject != tc.wantSubject {
				t.Errorf("Subject %q, want %q", m.Subject, tc.wantSubject)
			}
			if strings.Contains(m.Subject, tc.u.Code) {
				t.Errorf("the subject holds the code: %q", m.Subject)
			}
			for _, want := range append(tc.wantText, tc.u.Code) {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			for _, not := range tc.notText {
				if strings.Contains(m.Text, not) {
					t.Errorf("text holds %q:\n%s", not, m.Text)
				}
			}
			// Lines fit quoted-printable's 76, so mail programs show them unbroken.
			for _, line := range strings.Split(m.Text, "\n")[1:] { // after the caller's name
				if len(line) > 76 {
					t.Errorf("line longer than 76 characters: %q", line)
				}
			}
		})
	}
}

// TestQuestionsCodeMessage: the confirmation email has the unlock email's
// shape, says what it confirms, and what to do if the holder did not ask.
func TestQuestionsCodeMessage(t *testing.T) {
	issued := time.Date(2026, 12, 3, 13, 50, 0, 0, time.UTC)
	m := mail.QuestionsCodeMessage(mail.UnlockCode{To: "ada@example.test", HolderName: "Ada Lovelace", CardLabel: "1A2B3C4D",
		Code: "48291377", Issued: issued, ValidUntil: issued.Add(15 * time.Minute)})
	if m.Subject != "Confirm your smartcard security questions (card ID ending 1A2B3C4D)" || strings.Contains(m.Subject, "48291377") {
		t.Fatalf("subject %q", m.Subject)
	}
	for _, want := range []string{"confirm the security questions of your smartcard (card ID ending 1A2B3C4D) is:",
		"\n    48291377\n", "valid until 14:05 UTC on 3 December 2026 (15 minutes)", "Never share this code",
		"If you did not just choose new security questions", "tell\nyour Registration Authority today"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}
