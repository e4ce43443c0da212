package doctor

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/wording"
)

func TestJudge(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	login := func(days int) CertReport {
		return certReportAt("9A", now.AddDate(0, 0, days), now)
	}
	tests := []struct {
		name    string
		card    CardReport
		ok      bool
		fixWord string
	}{
		{"usable", CardReport{PIV: true, Certificates: []CertReport{login(300)}}, true, ""},
		{"blocked", CardReport{PIV: true, Blocked: true, Certificates: []CertReport{login(300)}}, false, "unlock"},
		{"expired", CardReport{PIV: true, Certificates: []CertReport{login(-1)}}, false, "Registration Authority"},
		{"no login certificate", CardReport{PIV: true, Certificates: []CertReport{certReportAt("9C", now.AddDate(1, 0, 0), now)}}, false, "issue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := judge(&tc.card)
			if f.OK != tc.ok || !strings.Contains(f.Fix, tc.fixWord) {
				t.Fatalf("judge = %+v", f)
			}
		})
	}
}

func certReportAt(slot string, notAfter, now time.Time) CertReport {
	return CertReport{Slot: slot, NotAfter: notAfter, DaysLeft: int(notAfter.Sub(now).Hours() / 24), Expired: now.After(notAfter)}
}

func TestWriteText(t *testing.T) {
	tries := 2
	r := Report{
		Service: Finding{OK: true},
		Readers: []ReaderReport{
			{Name: "Reader A", Finding: finding(wording.NoCard)},
			{Name: "Reader B", Finding: Finding{OK: true}, Card: &CardReport{ATR: "3b", PIV: true, GUID: "00ff", TriesLeft: &tries,
				Certificates: []CertReport{{Slot: "9A", Purpose: "authentication (login)", Subject: "CN=Alice", NotAfter: time.Now().AddDate(1, 0, 0), DaysLeft: 365}}}},
		},
		Usable: true,
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`[FAIL] reader "Reader A"`, "fix: Insert your smartcard", `[ok  ] reader "Reader B"`, "2 tries left", "CN=Alice", "A usable smartcard is present."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
