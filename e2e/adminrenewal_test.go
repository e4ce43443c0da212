//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/wording"
)

// TestAdminRenewAndRepairTwoReaders: two vcards in the two vpcd readers of
// one pcscd, the administrator's (Sam: RA, LSA and sponsor) in reader 0.
// As a sponsor, `cardagent admin renew` renews card B's certificates inside
// the sponsor window with its holder's passcode; a second one, the new
// certificates now far from expiry, is refused in words. As an RA,
// `cardagent admin repair` repairs B, blocked by three wrong passcodes: a
// new passcode typed by the holder, new keys and certificates. B's holder
// logs in with it; neither card is left verified. Then `cardagent admin
// cancel` cancels B for good, and its holder's login is refused as
// cancelled. The records name both people and hold no secret.
func TestAdminRenewAndRepairTwoReaders(t *testing.T) { onBothStores(t, adminRenewAndRepair) }

func adminRenewAndRepair(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db, append([]string{"-sponsor-renewal-window", "17600h"}, renewalFlags...)...)
	id.Admin(t, "role", "grant", "-user", testkit.DemoRA, "-org", "RDEMO1", "-role", "Sponsor")
	adminDesk(t, id)
	serial := func() string {
		out, err := pkcs15On(1, "--read-certificate", "01")
		if err != nil {
			t.Fatalf("pkcs15-tool on card B: %v\n%s", err, out)
		}
		return out
	}
	before := serial()

	admin := func(action, role, reason, stdin string) (string, error) {
		t.Helper()
		vouch := "--identity-checked"
		if action == "cancel" {
			vouch = "--confirm"
		}
		cmd, logs := agentCmd(t, id, "admin", action, "--no-gui", "--reader", rig.ReaderName(0), "--role", role,
			"--accept-terms", vouch, "--reason", reason)
		cmd.Stdin = strings.NewReader(stdin)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		err := waitExitErr(t, cmd, logs)
		return logs.String(), err
	}
	out, err := admin("renew", "Sponsor", "expiring soon, seen with staff badge", demoPasscode+"\n"+demoPasscode+"\n")
	if err != nil || !strings.Contains(out, "The certificates are renewed") {
		t.Fatalf("the sponsor did not renew card B: %v\n%s", err, out)
	}
	if serial() == before {
		t.Fatal("card B holds the same certificate after the sponsor's renewal")
	}
	outside, err := admin("renew", "Sponsor", "expiring soon, seen with staff badge", demoPasscode+"\n"+demoPasscode+"\n")
	if err == nil || !strings.Contains(outside, wording.AdminRenewalRefusal("outside_sponsor_window")) {
		t.Fatalf("a sponsor renewed certificates outside the sponsor window: %v\n%s", err, outside)
	}

	for range 3 {
		ykpivOn(1, "-a", "verify-pin", "-P", "000000")
	}
	const fresh = "604182"
	renewed := serial()
	repaired, err := admin("repair", "Registration Authority Agent", "cannot log in, seen with staff badge", demoPasscode+"\n"+fresh+"\n"+fresh+"\n")
	if err != nil || !strings.Contains(repaired, "The card is repaired") {
		t.Fatalf("the RA did not repair card B: %v\n%s", err, repaired)
	}
	if serial() == renewed {
		t.Fatal("card B holds the same certificate after the repair")
	}
	login, llogs := agentCmd(t, id, "login", "--no-gui", "--reader", rig.ReaderName(1), "--role", "Clinical Practitioner", "--accept-terms", "--once")
	login.Stdin = strings.NewReader(fresh + "\n")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { login.Process.Kill() })
	waitExit(t, login, llogs)
	for n := range 2 {
		if err := ykpivOn(n, "-a", "status"); err != nil {
			t.Errorf("yubico-piv-tool -a status on reader %d: %v", n, err)
		}
	}
	assertNotVerified(t, "after the repair")

	// Cancelled from the card by the RA: B's holder can no longer log in.
	cancelled, err := admin("cancel", "Registration Authority Agent", "reported stolen by phone", demoPasscode+"\n")
	if err != nil || !strings.Contains(cancelled, wording.AdminCancelled) {
		t.Fatalf("the RA did not cancel card B: %v\n%s", err, cancelled)
	}
	refused, rlogs := agentCmd(t, id, "login", "--no-gui", "--reader", rig.ReaderName(1), "--role", "Clinical Practitioner", "--accept-terms", "--once")
	refused.Stdin = strings.NewReader(fresh + "\n")
	if err := refused.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { refused.Process.Kill() })
	if err := waitExitErr(t, refused, rlogs); err == nil || !strings.Contains(rlogs.String(), wording.CardCancelled.Problem) {
		t.Fatalf("a cancelled card logged in: %v\n%s", err, rlogs.String())
	}

	named := map[string]bool{}
	for _, rec := range auditTail(t, id, 400) {
		line := rec.Line
		if rec.Action == "admin.renewal" || rec.Action == "admin.repair" || rec.Action == "admin.cancel" || strings.Contains(rec.Detail, "renewed by") {
			if rec.User != testkit.DemoClinician || !strings.Contains(rec.Detail, testkit.DemoRA) {
				t.Errorf("a record of the administrator's renewal does not name both: %s", line)
			}
			named[rec.Action+" "+rec.Outcome] = true
		}
		for _, s := range []string{fresh, demoPasscode} {
			if holdsSecret(line, s) {
				t.Errorf("a passcode is in the audit trail: %s", line)
			}
		}
	}
	for _, a := range []string{"admin.renewal ok", "admin.renewal renewal_refused", "admin.repair ok", "renewal.complete ok", "admin.cancel ok"} {
		if !named[a] {
			t.Errorf("no %s record naming both: %v", a, named)
		}
	}
	for _, s := range []string{fresh, demoPasscode} {
		if holdsSecret(out, s) || holdsSecret(outside, s) || holdsSecret(repaired, s) || holdsSecret(llogs.String(), s) {
			t.Errorf("%q is in the agents' output", s)
		}
	}
}

// pkcs15On runs pkcs15-tool on reader n through the rig's pcscd.
func pkcs15On(n int, args ...string) (string, error) {
	c := exec.Command("pkcs15-tool", append([]string{"--reader", rig.ReaderName(n)}, args...)...)
	c.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+rig.Socket)
	out, err := c.CombinedOutput()
	return string(out), err
}
