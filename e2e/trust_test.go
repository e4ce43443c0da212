//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

// TestRogueCardNamesNobody: a card someone made, whose self-signed 9A
// certificate names a real user, goes into the reader. The real agent,
// which has met the backend (and so its CA), asks for no passcode, shows no
// name, and says why (with no prompt, no challenge is ever asked for).
func TestRogueCardNamesNobody(t *testing.T) {
	needRig(t)
	id := testkit.StartIdentityd(t)
	_, ch := startMonitor(t)

	card, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "Dr Ada Demo", SerialNumber: testkit.DemoClinician},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Provision(0x9A, key, der); err != nil {
		t.Fatal(err)
	}

	cmd, logs := agentCmd(t, id, "login", "--no-gui", "--timeout", "30s")
	cmd.Stdin = strings.NewReader(demoPasscode + "\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for end := time.Now().Add(15 * time.Second); !logs.Contains("Insert your smartcard"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the agent did not ask for a card:\n%s", logs.String())
		}
	}
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("the agent accepted a rogue card:\n%s", logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the agent is still running with a rogue card in:\n%s", logs.String())
	}
	if !logs.Contains("was not issued by your organisation's identity service") {
		t.Errorf("the agent did not say why:\n%s", logs.String())
	}
	if logs.Contains("Passcode (") || logs.Contains("Dr Ada Demo") {
		t.Errorf("the agent asked for a passcode or showed the name on a rogue card:\n%s", logs.String())
	}
}
