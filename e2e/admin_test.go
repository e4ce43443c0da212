//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/wording"
)

// TestAdminUnlockTwoReaders: two vcards in the two vpcd readers of one
// pcscd. The LSA logs in with card A in reader 0 and `cardagent admin
// unlock --no-gui` unlocks card B (blocked by three wrong passcodes) in
// reader 1 face to face, its holder typing the new passcode; B's holder
// then logs in with it, the card refuses its old PUK, neither card is left
// verified, and every step's audit record names both people.
func TestAdminUnlockTwoReaders(t *testing.T) { onBothStores(t, adminUnlockTwoReaders) }

func adminUnlockTwoReaders(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db)
	adminDesk(t, id)
	oldPUK, err := os.ReadFile(filepath.Join(id.CardDir, testkit.DemoClinician+".puk"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ykpivOn(1, "-a", "verify-pin", "-P", "000000")
	}
	if err := ykpivOn(1, "-a", "verify-pin", "-P", demoPasscode); err == nil {
		t.Fatal("card B is not blocked after three wrong passcodes")
	}
	const fresh = "604182"

	cmd, logs := agentCmd(t, id, "admin", "unlock", "--no-gui", "--reader", rig.ReaderName(0), "--role", "Local Smartcard Administrator",
		"--accept-terms", "--identity-checked", "--reason", "forgot passcode, seen with staff badge")
	cmd.Stdin = strings.NewReader(demoPasscode + "\n" + fresh + "\n" + fresh + "\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitExit(t, cmd, logs)
	out := logs.String()
	if !strings.Contains(out, wording.AdminUnlocked) || !strings.Contains(out, "Dr Ada Demo") {
		t.Fatalf("the LSA did not unlock card B:\n%s", out)
	}

	login, llogs := agentCmd(t, id, "login", "--no-gui", "--reader", rig.ReaderName(1), "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(fresh + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)
	if err := ykpivOn(1, "-a", "unblock-pin", "-P", strings.TrimSpace(string(oldPUK)), "-N", "111111"); err == nil {
		t.Fatal("card B still takes the PUK it had before the unlock")
	}
	for n := range 2 {
		if err := ykpivOn(n, "-a", "status"); err != nil {
			t.Errorf("yubico-piv-tool -a status on reader %d: %v", n, err)
		}
	}
	assertNotVerified(t, "after the face-to-face unlock")

	named := map[string]bool{}
	for _, rec := range auditTail(t, id, 200) {
		line := rec.Line
		if strings.Contains(rec.Detail, "face to face") || rec.Action == "admin.unlock" {
			if rec.User != testkit.DemoClinician || !strings.Contains(rec.Detail, testkit.DemoRA) || rec.Outcome != "ok" {
				t.Errorf("a step of the face-to-face unlock does not name both: %s", line)
			}
			named[rec.Action] = true
		}
		for _, s := range []string{fresh, demoPasscode, strings.TrimSpace(string(oldPUK))} {
			if holdsSecret(line, s) {
				t.Errorf("a secret is in the audit trail: %s", line)
			}
		}
	}
	for _, a := range []string{"admin.unlock", "unlock.witness", "unlock.puk", "unlock.complete"} {
		if !named[a] {
			t.Errorf("no %s record naming both: %v", a, named)
		}
	}
	for _, s := range []string{fresh, demoPasscode, strings.TrimSpace(string(oldPUK))} {
		if holdsSecret(out, s) || holdsSecret(llogs.String(), s) {
			t.Errorf("%q is in the agents' output", s)
		}
	}
}

// ykpivOn runs yubico-piv-tool on reader n through the rig's pcscd.
func ykpivOn(n int, args ...string) error {
	c := exec.Command("yubico-piv-tool", append([]string{"-r", rig.ReaderName(n)}, args...)...)
	c.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
	return c.Run()
}
