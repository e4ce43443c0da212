//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
)

// TestConformance runs OpenSC and yubico-piv-tool against a fresh vcard
// attached by the real cmd/vcard binary: the proof that vcard behaves like
// a real card (e2e/conformance.sh lists the commands).
func TestConformance(t *testing.T) {
	needRig(t)
	for _, tool := range []string{"opensc-tool", "yubico-piv-tool", "piv-tool", "pkcs15-tool", "pkcs11-tool", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testkit.Required() {
				t.Fatalf("%s missing: make deps installs it", tool)
			}
			t.Skipf("%s missing: run make deps", tool)
		}
	}
	_, ch := startMonitor(t)
	bin := buildCmd(t, "vcard")
	state := filepath.Join(t.TempDir(), "card.json")
	if out, err := exec.Command(bin, "init", "--state", state).CombinedOutput(); err != nil {
		t.Fatalf("vcard init: %v\n%s", err, out)
	}
	attach := exec.Command(bin, "attach", "--state", state, "--port", strconv.Itoa(rig.Port), "--reconnect")
	attach.Stderr = os.Stderr
	if err := attach.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		attach.Process.Kill()
		attach.Wait()
	}()
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	script := exec.Command("sh", filepath.Join(testkit.RepoRoot(), "e2e", "conformance.sh"))
	script.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance.sh failed: %v\n%s", err, out)
	}
	t.Logf("%s", lastLines(out, 3))
}

func lastLines(b []byte, n int) []byte {
	for i := len(b) - 2; i >= 0; i-- {
		if b[i] == '\n' {
			if n--; n == 0 {
				return b[i+1:]
			}
		}
	}
	return b
}
