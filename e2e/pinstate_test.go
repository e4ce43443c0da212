//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

var pinTriesLine = regexp.MustCompile(`PIN tries left:\s*(-?\d+)`)

// assertNotVerified plays another program on the workstation, through the
// same pcscd: yubico-piv-tool must see the PIN's tries left (-1 would mean
// it is verified), and must fail to sign with the 9A key without a VERIFY
// of its own.
func assertNotVerified(t *testing.T, when string) {
	t.Helper()
	if _, err := exec.LookPath("yubico-piv-tool"); err != nil {
		if testkit.Required() {
			t.Fatal("yubico-piv-tool missing: make deps installs it")
		}
		t.Skip("yubico-piv-tool missing: run make deps")
	}
	ykpiv := func(args ...string) ([]byte, error) {
		cmd := exec.Command("yubico-piv-tool", append([]string{"-r", rig.ReaderName(0)}, args...)...)
		cmd.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
		return cmd.CombinedOutput()
	}
	out, err := ykpiv("-a", "status")
	if err != nil {
		t.Fatalf("%s: yubico-piv-tool -a status: %v\n%s", when, err, out)
	}
	m := pinTriesLine.FindSubmatch(out)
	if m == nil || string(m[1]) != "3" {
		t.Fatalf("%s: yubico-piv-tool -a status shows PIN tries %q, want 3 (not verified)\n%s", when, m, out)
	}
	cert := filepath.Join(t.TempDir(), "9a.pem")
	if out, err := ykpiv("-a", "read-certificate", "-s", "9a", "-o", cert); err != nil {
		t.Fatalf("%s: reading the 9A certificate: %v\n%s", when, err, out)
	}
	if out, err := ykpiv("-a", "test-signature", "-s", "9a", "-i", cert); err == nil {
		t.Fatalf("%s: another program signed with 9A without the passcode:\n%s", when, out)
	}
}

// TestCardNotLeftVerified: the terminal agent logs in through pcscd; during
// the session, after SIGTERM and after `login --once` has logged out and
// exited, another program finds the card not verified and cannot sign —
// on a card that drops the PIN by VERIFY P1=FF and on one that must be
// reset. (TestGUIJourney checks the same after the window's logins.)
func TestCardNotLeftVerified(t *testing.T) {
	t.Run("VERIFY P1=FF", func(t *testing.T) { cardNotLeftVerified(t, vcard.Options{}) })
	t.Run("reset", func(t *testing.T) { cardNotLeftVerified(t, vcard.Options{NoPINReset: true}) })
}

func cardNotLeftVerified(t *testing.T, opts vcard.Options) {
	needRig(t)
	id := testkit.StartIdentityd(t)
	_, ch := startMonitor(t)
	card := testkit.DemoCardWith(t, id, testkit.DemoClinician, demoPasscode, opts)
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	assertNotVerified(t, "before any login") // the check itself works on this card

	cmd, logs := loginNoGUI(t, id)
	assertNotVerified(t, "during the session")
	cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd, logs)
	assertNotVerified(t, "after SIGTERM")

	cmd, logs = loginNoGUI(t, id, "--once")
	waitExit(t, cmd, logs)
	assertNotVerified(t, "after login --once")
}
