//go:build e2e

package e2e

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/wording"
)

// TestUnlockFaults: the card is pulled just after it acted on RESET RETRY
// COUNTER, or on the PUK change, before the agent heard the answer. Nothing
// is lost: the card logs in with the new passcode, and a later unlock finds
// the PUK the card holds among the two identityd kept (after the PUK change
// the old one is refused and the new one taken), leaving the card with
// identityd's current PUK.
func TestUnlockFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   func(cmd []byte) bool
	}{
		{"pulled during RESET RETRY COUNTER", func(c []byte) bool { return len(c) > 3 && c[1] == 0x2C }},
		{"pulled during the PUK change", func(c []byte) bool { return len(c) > 3 && c[1] == 0x24 && c[3] == 0x81 }},
	} {
		t.Run(tc.name, func(t *testing.T) { unlockFault(t, tc.at) })
	}
}

func unlockFault(t *testing.T, at func(cmd []byte) bool) {
	needRig(t)
	mailbox := mailDir{path: filepath.Join(t.TempDir(), "mailbox")}
	id := testkit.StartIdentityd(t, "-mail-dir", mailbox.path)
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	slot := insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	const first, second = "482916", "739104"

	block(t)
	cmd, logs := agentCmd(t, id, "unlock", "--no-gui")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	struck := make(chan struct{})
	card.BeforeReply(func(c, _ []byte) {
		if at(c) {
			once.Do(func() { slot.PullNow(); close(struck) })
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	io.WriteString(in, mailbox.code(t, 1, logs)+"\n"+first+"\n"+first+"\n")
	in.Close()
	select {
	case <-struck:
	case <-time.After(60 * time.Second):
		t.Fatalf("the unlock never reached the step:\n%s", logs.String())
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil || !logs.Contains(wording.UnlockInterrupted.Fix) {
			t.Errorf("unlock after the pull: %v; want a failure that says nothing is lost:\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the agent is still running after the pull:\n%s", logs.String())
	}
	card.BeforeReply(nil)
	slot.Pull()
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	loginWith(t, id, first) // the card acted before it left: the new passcode holds
	block(t)
	unlockNoGUIFrom(t, id, func(t *testing.T, logs *testkit.SyncBuffer) string { return mailbox.code(t, 2, logs) }, second)
	loginWith(t, id, second)
	assertNotVerified(t, "after the recovery")
}

// mailDir is identityd's -mail-dir mailbox: one .eml file a message.
type mailDir struct{ path string }

// code waits for the n-th message and returns its unlock code.
func (m mailDir) code(t *testing.T, n int, logs *testkit.SyncBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		names, _ := filepath.Glob(filepath.Join(m.path, "*.eml"))
		if len(names) < n {
			continue
		}
		slices.Sort(names) // the names start with the time sent
		b, err := os.ReadFile(names[n-1])
		if err != nil {
			t.Fatal(err)
		}
		c := unlockCodeRE.FindStringSubmatch(strings.ReplaceAll(string(b), "\r", ""))
		if c == nil {
			t.Fatalf("no code in %s:\n%s", names[n-1], b)
		}
		return c[1]
	}
	t.Fatalf("no unlock email %d in %s; agent log:\n%s", n, m.path, logs.String())
	return ""
}

// loginWith logs the demo clinician in and out with passcode.
func loginWith(t *testing.T, id *testkit.Identityd, passcode string) {
	t.Helper()
	login, logs := agentCmd(t, id, "login", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(passcode + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, logs)
}
