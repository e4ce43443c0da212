package doctor

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the report for a person: each check, then what to do.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	mark := func(ok bool) string {
		if ok {
			return "ok  "
		}
		return "FAIL"
	}
	fmt.Fprintf(&b, "[%s] smartcard service (pcscd)\n", mark(r.Service.OK))
	if be := r.Backend; be != nil {
		fmt.Fprintf(&b, "[%s] identity service %s (%d ms)\n", mark(be.OK), be.URL, be.LatencyMS)
		if !be.OK {
			fmt.Fprintf(&b, "       problem: %s\n       fix: %s\n", be.Problem, be.Fix)
		}
	}
	for _, rr := range r.Readers {
		fmt.Fprintf(&b, "[%s] reader %q\n", mark(rr.OK), rr.Name)
		if c := rr.Card; c != nil {
			fmt.Fprintf(&b, "       card ATR %s\n", c.ATR)
			if c.PIV {
				fmt.Fprintf(&b, "       PIV application, card id (GUID) %s\n", c.GUID)
				switch {
				case c.Blocked:
					fmt.Fprintf(&b, "       passcode: BLOCKED\n")
				case c.TriesLeft != nil:
					fmt.Fprintf(&b, "       passcode: %d tries left\n", *c.TriesLeft)
				}
				for _, cert := range c.Certificates {
					state := fmt.Sprintf("expires %s (%d days)", cert.NotAfter.Format("2006-01-02"), cert.DaysLeft)
					if cert.Expired {
						state = "EXPIRED " + cert.NotAfter.Format("2006-01-02")
					}
					fmt.Fprintf(&b, "       certificate %s %s: %s, %s\n", cert.Slot, cert.Purpose, cert.Subject, state)
				}
			}
		}
		if !rr.OK {
			fmt.Fprintf(&b, "       problem: %s\n       fix: %s\n", rr.Problem, rr.Fix)
		}
	}
	if r.Usable {
		b.WriteString("\nA usable smartcard is present.\n")
	} else {
		fmt.Fprintf(&b, "\nProblem: %s\nFix: %s\n", r.Problem, r.Fix)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
