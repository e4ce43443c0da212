//go:build e2e

package e2e

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/wording"
)

var unlockCodeRE = regexp.MustCompile(`(?m)^\s+(\d{8})\s*$`)

// TestAgentUnlock: a card blocked by three wrong passcodes is unlocked by
// `cardagent unlock --no-gui` through pcscd, vcard, identityd (both stores)
// and a real SMTP server with STARTTLS and a login: the code is read from
// the email that arrived. Afterwards the new passcode logs in, the card's
// old PUK no longer works (yubico-piv-tool) while identityd holds the new
// one (a second unlock succeeds with it), and no passcode, code or PUK is
// in the agent's output or the audit trail.
func TestAgentUnlock(t *testing.T) { onBothStores(t, agentUnlock) }

func agentUnlock(t *testing.T, db string) {
	needRig(t)
	id, smtp := startMailingIdentityd(t, db)
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	oldPUK, err := os.ReadFile(filepath.Join(id.CardDir, testkit.DemoClinician+".puk"))
	if err != nil {
		t.Fatal(err)
	}
	const first, second = "482916", "739104"

	block(t)
	out := unlockNoGUI(t, id, smtp, 1, first)
	login, llogs := agentCmd(t, id, "login", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(first + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)
	assertNotVerified(t, "after the unlock and a login")

	// The PUK was rotated: the card refuses the old one …
	if err := ykpiv("-a", "unblock-pin", "-P", strings.TrimSpace(string(oldPUK)), "-N", "111111"); err == nil {
		t.Fatal("the card still takes the PUK it had before the unlock")
	}
	// … and identityd holds the new one: a second unlock works with it.
	block(t)
	out += unlockNoGUI(t, id, smtp, 2, second)

	secrets := []string{first, second, strings.TrimSpace(string(oldPUK)), smtpPassword}
	msgs, err := smtp.Messages()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if c := unlockCodeRE.FindStringSubmatch(m.Text); c != nil {
			secrets = append(secrets, c[1])
		}
		if !m.TLS || !m.Authenticated {
			t.Errorf("a code went without STARTTLS and a login: %+v", m)
		}
	}
	actions := map[string]int{}
	for _, rec := range auditTail(t, id, 400) {
		line := rec.Line
		if strings.HasPrefix(rec.Action, "unlock.") && rec.Outcome == "ok" {
			actions[rec.Action]++
		}
		for _, s := range secrets {
			if holdsSecret(line, s) {
				t.Errorf("a secret is in the audit trail: %s", line)
			}
		}
	}
	for _, a := range []string{"unlock.request", "unlock.code", "unlock.witness", "unlock.puk", "unlock.complete"} {
		if actions[a] != 2 {
			t.Errorf("audit: %d %s records, want 2 (%v)", actions[a], a, actions)
		}
	}
	for _, s := range secrets {
		if holdsSecret(out, s) || holdsPasscode(out) {
			t.Errorf("a passcode, code or PUK is in the agent's output:\n%s", out)
		}
	}
}

// smtpPassword is identityd's login at the test's SMTP server.
const smtpPassword = "s3cret-mail"

// startMailingIdentityd is identityd on db sending through a real SMTP
// server with STARTTLS and a login (the server's CA and the password in
// files, as an operator sets them up), with more serve flags.
func startMailingIdentityd(t *testing.T, db string, flags ...string) (*testkit.Identityd, *testkit.SMTP) {
	t.Helper()
	smtp := testkit.StartSMTP(t, testkit.SMTPOptions{StartTLS: true, Username: "identityd", Password: smtpPassword})
	dir := t.TempDir()
	ca, pw := filepath.Join(dir, "smtp-ca.pem"), filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(ca, smtp.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pw, []byte(smtpPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := testkit.StartIdentitydOn(t, db, append([]string{"-smtp-host", smtp.Host, "-smtp-port", strconv.Itoa(smtp.Port),
		"-smtp-ca-file", ca, "-smtp-user", "identityd", "-smtp-password-file", pw}, flags...)...)
	return id, smtp
}

// startTyping starts cmd with a pipe for what the test types.
func startTyping(t *testing.T, cmd *exec.Cmd) io.WriteCloser {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return in
}

// block uses up the card's passcode tries from another program.
func block(t *testing.T) {
	t.Helper()
	for range 3 {
		ykpiv("-a", "verify-pin", "-P", "000000")
	}
	if err := ykpiv("-a", "verify-pin", "-P", demoPasscode); err == nil {
		t.Fatal("the card is not blocked after three wrong passcodes")
	}
}

// unlockNoGUI runs `cardagent unlock --no-gui`, reads the n-th unlock email
// to the demo clinician from the SMTP server and types its code, then the
// new passcode twice; it returns the agent's output.
func unlockNoGUI(t *testing.T, id *testkit.Identityd, smtp *testkit.SMTP, n int, passcode string) string {
	t.Helper()
	return unlockNoGUIFrom(t, id, func(t *testing.T, logs *testkit.SyncBuffer) string {
		return waitUnlockCode(t, smtp, "ada.demo@nhs.net", n, logs)
	}, passcode)
}

// unlockNoGUIFrom is unlockNoGUI with the code from code.
func unlockNoGUIFrom(t *testing.T, id *testkit.Identityd, code func(*testing.T, *testkit.SyncBuffer) string, passcode string) string {
	t.Helper()
	cmd, logs := agentCmd(t, id, "unlock", "--no-gui")
	in := startTyping(t, cmd)
	io.WriteString(in, code(t, logs)+"\n"+passcode+"\n"+passcode+"\n")
	in.Close()
	waitExit(t, cmd, logs)
	out := logs.String()
	if !strings.Contains(out, wording.Unlocked) {
		t.Fatalf("the agent did not unlock the card:\n%s", out)
	}
	return out
}

// waitUnlockCode waits for the n-th message to to and returns its code.
func waitUnlockCode(t *testing.T, smtp *testkit.SMTP, to string, n int, logs *testkit.SyncBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		msgs, err := smtp.Messages()
		if err != nil {
			t.Fatal(err)
		}
		var mine []testkit.SMTPMessage
		for _, m := range msgs {
			if len(m.To) > 0 && strings.EqualFold(m.To[0], to) {
				mine = append(mine, m)
			}
		}
		if len(mine) >= n {
			c := unlockCodeRE.FindStringSubmatch(mine[n-1].Text)
			if c == nil {
				t.Fatalf("no code in the email:\n%s", mine[n-1].Text)
			}
			return c[1]
		}
	}
	t.Fatalf("no unlock email %d to %s; agent log:\n%s", n, to, logs.String())
	return ""
}

// ykpiv runs yubico-piv-tool on reader 0 through the rig's pcscd.
func ykpiv(args ...string) error { return ykpivOn(0, args...) }
