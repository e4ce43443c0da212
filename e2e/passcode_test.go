//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/wording"
)

// newDemoPasscode is what TestAgentChangePasscode changes demoPasscode to.
const newDemoPasscode = "482916"

// TestAgentChangePasscode: `cardagent passcode --no-gui` through pcscd,
// vcard and identityd, on both stores. A simple new passcode is refused
// before the card (no try used); a wrong current one uses a try and says
// how many remain; the right one changes the card's passcode. Afterwards
// the agent logs in with the new passcode, yubico-piv-tool agrees (the old
// one fails, the new one verifies), identityd's audit trail holds each
// attempt without any value, and no passcode is in the agent's output.
func TestAgentChangePasscode(t *testing.T) { onBothStores(t, agentChangePasscode) }

func agentChangePasscode(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db, "-passcode-refuse-simple")
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	cmd, logs := agentCmd(t, id, "passcode", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms")
	cmd.Stdin = strings.NewReader(strings.Join([]string{
		demoPasscode,                     // the login
		demoPasscode, "123456", "123456", // too simple: refused before the card
		"000000", newDemoPasscode, newDemoPasscode, // a wrong current passcode: a try used
		demoPasscode, newDemoPasscode, newDemoPasscode, // changed
	}, "\n") + "\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitExit(t, cmd, logs)
	out := logs.String()
	for _, want := range []string{wording.NewPasscodeTooSimple, wording.WrongPasscode(2), wording.AttemptsLeft(2), wording.PasscodeChanged} {
		if !strings.Contains(out, want) {
			t.Errorf("the agent did not say %q:\n%s", want, out)
		}
	}
	if holdsPasscode(out) || holdsSecret(out, newDemoPasscode) {
		t.Errorf("a passcode appears in the agent's output:\n%s", out)
	}
	assertNotVerified(t, "after the passcode change")

	login, llogs := agentCmd(t, id, "login", "--no-gui", "--role", "Clinical Practitioner", "--once")
	login.Stdin = strings.NewReader(newDemoPasscode + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)

	if err := ykpiv("-a", "verify-pin", "-P", demoPasscode); err == nil {
		t.Error("yubico-piv-tool verified the old passcode")
	}
	if err := ykpiv("-a", "verify-pin", "-P", newDemoPasscode); err != nil {
		t.Errorf("yubico-piv-tool -a verify-pin with the new passcode: %v", err)
	}

	var changes []string
	for _, rec := range auditTail(t, id, 200) {
		line := rec.Line
		if holdsSecret(line, demoPasscode) || holdsSecret(line, newDemoPasscode) {
			t.Errorf("a passcode is in the audit trail: %s", line)
		}
		if rec.Action == "passcode.change" {
			changes = append(changes, rec.Outcome+" "+rec.Detail)
		}
	}
	if got := strings.Join(changes, "; "); got != "ok wrong_passcode, 2 tries left; ok changed" {
		t.Errorf("audited passcode changes %q", got)
	}
}
