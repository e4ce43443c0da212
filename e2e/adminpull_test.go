//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/pcscwait"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/wording"
)

// TestAdminCardPulledMidAction: the LSA's card is pulled from reader 0
// while card B in reader 1 is in the middle of its face-to-face unlock
// (the card proving itself to identityd): the LSA's agent locks at once,
// card B is left usable — readable by yubico-piv-tool, nothing verified —
// and the next face-to-face unlock, with the LSA's card back, finishes it;
// B's holder then logs in with the new passcode.
func TestAdminCardPulledMidAction(t *testing.T) {
	needRig(t)
	id := testkit.StartIdentityd(t)
	_, ch := startMonitor(t)
	lsaCard := demoCard(t, id, testkit.DemoRA)
	lsa := insert(t, lsaCard, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	holder := demoCard(t, id, testkit.DemoClinician)
	insert(t, holder, 1)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(1))
	for range 3 {
		ykpivOn(1, "-a", "verify-pin", "-P", "000000")
	}
	const fresh = "592817"
	unlock := func() (*testkit.SyncBuffer, chan error) {
		cmd, logs := agentCmd(t, id, "admin", "unlock", "--no-gui", "--reader", rig.ReaderName(0), "--role", "Local Smartcard Administrator",
			"--accept-terms", "--identity-checked", "--reason", "forgot passcode, seen with staff badge")
		cmd.Stdin = strings.NewReader(demoPasscode + "\n" + fresh + "\n" + fresh + "\n")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		return logs, exited
	}

	// Card B holds its answer until the LSA's agent has seen their card go
	// and locked: the unlock is then truly under way when the lock comes.
	var once sync.Once
	struck := make(chan struct{})
	var logs *testkit.SyncBuffer
	var mu sync.Mutex
	holder.BeforeReply(func(c, _ []byte) {
		if len(c) > 3 && c[1] == 0x87 { // GENERAL AUTHENTICATE: card B proving itself for the unlock
			once.Do(func() {
				lsa.PullNow()
				pcscwait.Empty(rig.ReaderName(0), pcscdPoll)
				mu.Lock()
				l := logs
				mu.Unlock()
				for end := time.Now().Add(pcscdPoll); time.Now().Before(end) && !l.Contains("screen=locked"); time.Sleep(10 * time.Millisecond) {
				}
				close(struck)
			})
		}
	})
	mu.Lock()
	logs, exited := unlock()
	mu.Unlock()
	select {
	case <-struck:
	case <-time.After(60 * time.Second):
		t.Fatalf("the unlock never reached card B:\n%s", logs.String())
	}
	if !logs.Contains("screen=locked") {
		t.Fatalf("the LSA's agent did not lock while card B was at work:\n%s", logs.String())
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("the LSA's agent is still running after their card left:\n%s", logs.String())
	}
	holder.BeforeReply(nil)
	if strings.Contains(logs.String(), wording.AdminUnlocked) {
		t.Fatalf("the unlock finished although the LSA's card left:\n%s", logs.String())
	}
	if err := ykpivOn(1, "-a", "status"); err != nil {
		t.Fatalf("card B after the LSA's card left: %v", err)
	}

	lsa.Pull()
	insert(t, lsaCard, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	logs, exited = unlock()
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(logs.String(), wording.AdminUnlocked) {
			t.Fatalf("the unlock with the LSA's card back: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the second unlock did not finish:\n%s", logs.String())
	}
	login, llogs := agentCmd(t, id, "login", "--no-gui", "--reader", rig.ReaderName(1), "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(fresh + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)
	c := exec.Command("yubico-piv-tool", "-r", rig.ReaderName(1), "-a", "status")
	c.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
	status, err := c.CombinedOutput()
	if m := pinTriesLine.FindSubmatch(status); err != nil || m == nil || string(m[1]) != "3" {
		t.Fatalf("card B after its holder's login: %v\n%s", err, status)
	}
	assertNotVerified(t, "after the unlock") // the LSA's card
}
