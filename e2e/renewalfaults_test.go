//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/wording"
)

// The faults of TestRenewalFaults.
const (
	cardPulled    = "card pulled"
	pcscdKilled   = "pcscd killed"
	agentKilled   = "agent killed"
	identitydDown = "identityd down"
)

// The steps a fault strikes at: right after the card acted on the named
// command, before its answer reaches the agent. identityd going down there
// fails the call the agent makes next.
const (
	atGenerate9C  = "generate 9c"                // next: record 9c
	atGenerate9A  = "generate 9a"                // next: record 9a
	atSignCSRs    = "sign the CSRs"              // next: issue
	atWriteAuth   = "authenticate for the write" // next: card-auth write
	atWrite9C     = "write 9c certificate"
	atWrite9A     = "write 9a certificate"
	atProve9A     = "prove 9a" // next: complete
	renewalPrompt = 2          // passcode lines: the login, the renewal
)

// TestRenewalFaults strikes a renewal by the real agent (`cardagent renew
// --no-gui` through pcscd and the virtual card, identityd over HTTPS) with
// one fault at one step: the card pulled with its answer in flight, pcscd
// killed, the agent killed (SIGKILL), identityd down. After the part comes
// back, the next `cardagent login` logs in (finishing the renewal where it
// must), the card holds one generation of certificates (both old or both
// new) and is not left verified.
func TestRenewalFaults(t *testing.T) {
	type row struct{ step, fault string }
	var rows []row
	for _, step := range []string{atGenerate9C, atGenerate9A, atSignCSRs, atWrite9C, atWrite9A, atProve9A} {
		for _, fault := range []string{cardPulled, pcscdKilled, agentKilled} {
			rows = append(rows, row{step, fault})
		}
	}
	for _, step := range []string{atGenerate9C, atGenerate9A, atSignCSRs, atWriteAuth, atProve9A} {
		rows = append(rows, row{step, identitydDown})
	}
	for _, r := range rows {
		t.Run(r.fault+" at "+r.step, func(t *testing.T) { renewalFault(t, r.step, r.fault) })
	}
}

func renewalFault(t *testing.T, step, fault string) {
	needRig(t)
	id := testkit.StartIdentityd(t, renewalFlags...)
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	slot := insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	before := cardCerts(t)

	cmd, logs := agentCmd(t, id, "renew", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms")
	cmd.Stdin = strings.NewReader(strings.Repeat(demoPasscode+"\n", renewalPrompt))
	struck := make(chan struct{})
	var follow renewalCommands
	var once sync.Once
	card.BeforeReply(func(c, _ []byte) {
		if follow.step(c) != step {
			return
		}
		once.Do(func() {
			switch fault {
			case cardPulled:
				slot.PullNow()
			case pcscdKilled:
				if err := rig.Kill(); err != nil {
					t.Errorf("killing pcscd: %v", err)
				}
			case agentKilled:
				cmd.Process.Kill()
			case identitydDown:
				id.Stop()
			}
			close(struck)
		})
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case <-struck:
	case <-time.After(60 * time.Second):
		t.Fatalf("the renewal never reached %q:\n%s", step, logs.String())
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if fault != agentKilled && (err == nil || !logs.Contains(wording.RenewInterrupted)) {
			t.Errorf("renew after the fault: %v; want a failure that says the renewal is finished or undone at the next login:\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT) // its goroutines' stacks, to see where it waits
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
		t.Fatalf("the agent is still running after the fault:\n%s", logs.String())
	}
	card.BeforeReply(nil)

	switch fault {
	case cardPulled:
		slot.Pull()
		insert(t, card, 0)
		waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	case pcscdKilled:
		if err := rig.Start(); err != nil {
			t.Fatal(err)
		}
		waitCard(t, ch, reader.CardInserted, rig.ReaderName(0)) // the card knocks again by itself
	case identitydDown:
		id.Start(t)
	}

	login, llogs := agentCmd(t, id, "login", "--no-gui", "--once", "--role", "Clinical Practitioner", "--accept-terms")
	login.Stdin = strings.NewReader(strings.Repeat(demoPasscode+"\n", 3)) // login, renewal, login
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs) // logged in: identityd accepts the card's 9A certificate and key
	after := cardCerts(t)
	if renewed := !after[0].Equal(before[0]); renewed != !after[1].Equal(before[1]) {
		t.Errorf("the card holds one old and one new certificate after recovery (9A renewed: %v)\nlogin:\n%s", renewed, llogs.String())
	}
	assertNotVerified(t, "after the recovery")
}

// renewalCommands follows the card commands of a renewal to name the step
// each one completes. The login before the renewal signs with 9A too, so
// counting starts at the first management-key (9B) authentication.
type renewalCommands struct {
	mgmt    int    // GENERAL AUTHENTICATE with the 9B key
	sign9A  int    // GENERAL AUTHENTICATE with 9A, once the renewal began
	putting []byte // the object a chained PUT DATA writes
}

func (r *renewalCommands) step(cmd []byte) string {
	if len(cmd) < 5 {
		return ""
	}
	chained, ins, p2 := cmd[0]&0x10 != 0, cmd[1], cmd[3]
	switch {
	case ins == 0x87 && p2 == 0x9B:
		r.mgmt++
		if r.mgmt == 5 { // 1–2 for 9C, 3–4 for 9A, then the write's
			return atWriteAuth
		}
	case r.mgmt == 0:
	case ins == 0x47 && p2 == 0x9C:
		return atGenerate9C
	case ins == 0x47 && p2 == 0x9A:
		return atGenerate9A
	case ins == 0x87 && p2 == 0x9C: // the 9C CSR: the second and last
		return atSignCSRs
	case ins == 0x87 && p2 == 0x9A:
		r.sign9A++
		if r.sign9A == 2 { // the CSR, then the proof
			return atProve9A
		}
	case ins == 0xDB:
		if r.putting == nil && len(cmd) >= 10 && cmd[5] == 0x5C {
			r.putting = bytes.Clone(cmd[7:10])
		}
		if chained {
			return ""
		}
		obj := r.putting
		r.putting = nil
		switch {
		case bytes.Equal(obj, []byte{0x5F, 0xC1, 0x0A}):
			return atWrite9C
		case bytes.Equal(obj, []byte{0x5F, 0xC1, 0x05}):
			return atWrite9A
		}
	}
	return ""
}

// cardCerts reads the card's 9A and 9C certificates in reader 0, as any
// program may.
func cardCerts(t *testing.T) [2]*x509.Certificate {
	t.Helper()
	card, err := reader.Open(rig.ReaderName(0))
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	var certs [2]*x509.Certificate
	err = card.Do(context.Background(), func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(card.ATR()))
		if err := p.Select(); err != nil {
			return err
		}
		for i, slot := range []piv.Slot{piv.SlotAuthentication, piv.SlotSignature} {
			if certs[i], err = p.Certificate(slot); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return certs
}
