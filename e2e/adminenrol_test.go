//go:build e2e

package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
)

// TestAdminEnrolFactoryFreshCard: `vcard init` makes a factory-fresh card
// (default management key, PIN and PUK, a random GUID, no keys) and it
// goes in reader 1; the RA's card is in reader 0 of the same pcscd.
// `cardagent admin enrol` issues it to the clinician: identityd assigns a
// new GUID, the card takes its own management key, PUK and the passcode the
// holder types, then its keys and certificates. Independent tools read the
// result (yubico-piv-tool -a status, pkcs15-tool --list-certificates), the
// factory management key no longer works, the holder logs in with the new
// card, and the records name both people and hold no passcode.
func TestAdminEnrolFactoryFreshCard(t *testing.T) { onBothStores(t, adminEnrolFresh) }

func adminEnrolFresh(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db)
	_, ch := startMonitor(t)
	insert(t, demoCard(t, id, testkit.DemoRA), 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	state := filepath.Join(t.TempDir(), "fresh.json")
	if out, err := exec.Command(buildCmd(t, "vcard"), "init", "--state", state).CombinedOutput(); err != nil {
		t.Fatalf("vcard init: %v\n%s", err, out)
	}
	fresh, err := vcard.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	factoryGUID := fresh.GUID()
	insert(t, fresh, 1)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(1))

	const chosen = "715293"
	cmd, logs := agentCmd(t, id, "admin", "enrol", "--no-gui", "--reader", rig.ReaderName(0), "--role", "Registration Authority Agent",
		"--accept-terms", "--identity-checked", "--reason", "new starter, passport seen", "--user", testkit.DemoClinician)
	cmd.Stdin = strings.NewReader(demoPasscode + "\n" + chosen + "\n" + chosen + "\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	if err := waitExitErr(t, cmd, logs); err != nil || !strings.Contains(logs.String(), "The card is issued to") {
		t.Fatalf("the RA did not issue the card: %v\n%s", err, logs.String())
	}
	issued := fresh.GUID()
	if issued == factoryGUID || issued == ([16]byte{}) {
		t.Fatalf("the card kept its factory GUID %x", issued)
	}

	c := exec.Command("yubico-piv-tool", "-r", rig.ReaderName(1), "-a", "status")
	c.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
	status, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(status), "Slot 9a") || !strings.Contains(string(status), "Slot 9c") ||
		pinTriesLine.FindSubmatch(status) == nil || string(pinTriesLine.FindSubmatch(status)[1]) != "3" {
		t.Fatalf("yubico-piv-tool -a status on the issued card: %v\n%s", err, status)
	}
	certs, err := pkcs15On(1, "--list-certificates")
	if err != nil || strings.Count(certs, "X.509 Certificate") != 2 {
		t.Fatalf("pkcs15-tool --list-certificates on the issued card: %v\n%s", err, certs)
	}
	pemOut, err := pkcs15On(1, "--read-certificate", "01")
	block, _ := pem.Decode([]byte(pemOut))
	if err != nil || block == nil {
		t.Fatalf("pkcs15-tool --read-certificate 01: %v\n%s", err, pemOut)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "Dr Ada Demo" || cert.Subject.SerialNumber != testkit.DemoClinician {
		t.Fatalf("the issued login certificate is for %v", cert.Subject)
	}
	// The factory management key is gone: yubico-piv-tool, which uses it by
	// default, may no longer write the card.
	if err := ykpivOn(1, "-a", "set-chuid"); err == nil {
		t.Fatal("the issued card still takes the factory management key")
	}

	login, llogs := agentCmd(t, id, "login", "--no-gui", "--reader", rig.ReaderName(1), "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(chosen + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)
	if !strings.Contains(llogs.String(), api.FormatCardGUID(issued[:])) && !strings.Contains(llogs.String(), "Dr Ada Demo") {
		t.Fatalf("the login with the issued card:\n%s", llogs.String())
	}
	assertNotVerified(t, "after the card was issued")

	enrolled, completed := false, false
	for _, rec := range auditTail(t, id, 200) {
		if rec.Card == api.FormatCardGUID(issued[:]) {
			switch {
			case rec.Action == "admin.enrol" && rec.Outcome == "ok":
				enrolled = rec.User == testkit.DemoClinician && strings.Contains(rec.Detail, testkit.DemoRA)
			case rec.Action == "renewal.complete" && rec.Outcome == "ok":
				completed = strings.Contains(rec.Detail, "enrolment is complete") && strings.Contains(rec.Detail, testkit.DemoRA)
			}
		}
		for _, s := range []string{chosen, demoPasscode} {
			if holdsSecret(rec.Line, s) {
				t.Errorf("a passcode is in the audit trail: %s", rec.Line)
			}
		}
	}
	if !enrolled || !completed {
		t.Errorf("the audit trail: admin.enrol naming both %v, completion naming the RA %v", enrolled, completed)
	}
	for _, s := range []string{chosen, demoPasscode} {
		if holdsSecret(logs.String(), s) || holdsSecret(llogs.String(), s) {
			t.Errorf("%q is in the agents' output", s)
		}
	}
}
