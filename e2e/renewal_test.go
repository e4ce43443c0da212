//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session/renewal"
)

// TestRenewalOnTheCard renews a card through the real chain (pcscd, the
// virtual card in a vpcd reader, identityd over HTTPS): a wrong passcode
// first costs a try and changes nothing; then new keys are generated on
// the card, certified and written, the new certificate logs in, and OpenSC
// and yubico-piv-tool read the renewed card.
func TestRenewalOnTheCard(t *testing.T) {
	needRig(t)
	// The demo certificates (two years) are inside a window this wide,
	// which must be shorter than the validity of the ones issued now.
	id := testkit.StartIdentityd(t, "-renewal-window", "17600h", "-cert-validity", "26280h")
	_, ch := startMonitor(t)
	insert(t, demoCard(t, id, testkit.DemoClinician), 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	ctx := context.Background()
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "e2e-ws"})
	if err != nil {
		t.Fatal(err)
	}
	card, err := reader.Open(rig.ReaderName(0))
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()

	sess, guid, oldCert := testkit.CardLogin(t, cl, card, demoPasscode)
	if !sess.Certificate.SelfRenewalAllowed {
		t.Fatalf("renewal not offered: %+v", sess.Certificate)
	}
	r, err := cl.OpenRenewal(ctx, client.Ticket{ID: sess.ID, Token: sess.Token})
	if err != nil {
		t.Fatal(err)
	}

	// A wrong passcode: a try used, nothing on the card or at identityd changed.
	_, err = renewal.Run(ctx, card, guid, cl, r, []byte("000000"), renewal.Options{})
	var auth piv.AuthError
	if !errors.As(err, &auth) || auth.Retries != 2 {
		t.Fatalf("wrong passcode: %v, want 2 tries left", err)
	}
	if got, _ := cl.Renewal(ctx, client.RenewalTicket(r)); got.State != api.RenewalStateOpened {
		t.Fatalf("after a wrong passcode the renewal is %q", got.State)
	}

	var steps []renewal.Step
	done, err := renewal.Run(ctx, card, guid, cl, r, []byte(demoPasscode), renewal.Options{Progress: func(s renewal.Step) { steps = append(steps, s) }})
	if err != nil {
		t.Fatalf("renewal: %v\nidentityd:\n%s", err, id.Logs.String())
	}
	if want := []renewal.Step{renewal.Preparing, renewal.Generating, renewal.Requesting, renewal.Writing, renewal.Checking}; !slices.Equal(steps, want) {
		t.Errorf("progress %v, want %v", steps, want)
	}
	if done.State != api.RenewalStateCompleted {
		t.Fatalf("renewal ended %q", done.State)
	}
	sess2, _, newCert := testkit.CardLogin(t, cl, card, demoPasscode)
	if newCert.SerialNumber.Cmp(oldCert.SerialNumber) == 0 || !newCert.NotAfter.After(oldCert.NotAfter) {
		t.Errorf("the card still holds serial %x (until %v)", newCert.SerialNumber, newCert.NotAfter)
	}
	if sess2.Certificate.Serial == "" || sess2.Certificate.DaysLeft < 700 {
		t.Errorf("the new session's certificate: %+v", sess2.Certificate)
	}
	if out, err := exec.Command("pkcs15-tool", "--reader", rig.ReaderName(0), "--list-certificates").CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "X.509 Certificate") {
		t.Errorf("pkcs15-tool --list-certificates: %v\n%s", err, out)
	}
	assertNotVerified(t, "after the renewal") // also: yubico-piv-tool reads the new 9A certificate
}
