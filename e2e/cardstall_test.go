//go:build e2e

package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

// TestCardStallsDuringLogin: the card stops answering at the login's
// VERIFY. The agent gives up after --card-timeout, says the card did not
// answer in time, and exits; when the card answers at last (and so
// verifies the passcode), nothing is left verified for another program.
func TestCardStallsDuringLogin(t *testing.T) {
	for _, c := range []struct {
		name string
		opts vcard.Options
	}{{"VERIFY P1=FF", vcard.Options{}}, {"reset", vcard.Options{NoPINReset: true}}} {
		t.Run(c.name, func(t *testing.T) { cardStallsDuringLogin(t, c.opts) })
	}
}

func cardStallsDuringLogin(t *testing.T, opts vcard.Options) {
	needRig(t)
	id := testkit.StartIdentityd(t)
	_, ch := startMonitor(t)
	card := testkit.DemoCardWith(t, id, testkit.DemoClinician, demoPasscode, opts)
	stalled, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	card.BeforeAnswer(func(cmd []byte) {
		if len(cmd) > 5 && cmd[1] == 0x20 && cmd[2] == 0x00 { // VERIFY with a passcode
			once.Do(func() { close(stalled); <-release })
		}
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	cmd, logs := agentCmd(t, id, "login", "--no-gui", "--card-timeout", "2s", "--timeout", "60s")
	cmd.Stdin = strings.NewReader(demoPasscode + "\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	select {
	case <-stalled:
	case <-time.After(30 * time.Second):
		t.Fatalf("the agent never sent the passcode to the card:\n%s", logs.String())
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("the agent logged in with a card that does not answer:\n%s", logs.String())
		}
	case <-time.After(30 * time.Second): // the card timeout is 2 s
		t.Fatalf("the agent is still waiting for a card that does not answer:\n%s", logs.String())
	}
	if !logs.Contains("The card did not answer in time.") {
		t.Errorf("the agent did not say the card did not answer in time:\n%s", logs.String())
	}
	close(release) // the card answers now, and verifies the passcode
	assertNotVerified(t, "after the stalled VERIFY completed")
	if holdsPasscode(logs.String()) {
		t.Errorf("the passcode appears in the agent's output:\n%s", logs.String())
	}
}
