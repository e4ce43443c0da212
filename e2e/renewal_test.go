//go:build e2e

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/renewal"
	"github.com/cardagent/cardagent/wording"
)

// TestRenewalOnTheCard renews a card through the real chain (pcscd, the
// virtual card in a vpcd reader, identityd over HTTPS): a wrong passcode
// first costs a try and changes nothing; then new keys are generated on
// the card, certified and written, the new certificate logs in, and OpenSC
// and yubico-piv-tool read the renewed card. On SQLite and PostgreSQL.
func TestRenewalOnTheCard(t *testing.T) { onBothStores(t, renewalOnTheCard) }

// renewalFlags put the demo certificates (two years) inside a window that
// is shorter than the validity of the ones issued now.
var renewalFlags = []string{"-renewal-window", "17600h", "-cert-validity", "26280h"}

func renewalOnTheCard(t *testing.T, db string) {
	needRig(t)
	id := testkit.StartIdentitydOn(t, db, renewalFlags...)
	_, ch := startMonitor(t)
	insert(t, demoCard(t, id, testkit.DemoClinician), 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	ctx := context.Background()
	cl, card := clientAndCard(t, id)

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
	// The session that renewed goes on (it proved the new key at completion);
	// a further renewal is judged on the card's new certificate: not yet.
	_, err = cl.OpenRenewal(ctx, client.Ticket{ID: sess.ID, Token: sess.Token})
	var again *client.APIError
	if !errors.As(err, &again) || again.Code != api.CodeRenewalRefused || again.RenewalRefusal != api.RenewalOutsideWindow {
		t.Errorf("a second renewal from the session that renewed: %v, want refused outside the window", err)
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

// TestAgentRenewNoGUI: `cardagent renew --no-gui` through the real agent:
// log in, renew with the passcode typed again, log out; the card then logs
// in with its new certificate, the passcode appears nowhere in the agent's
// output, and the card is not left verified.
func TestAgentRenewNoGUI(t *testing.T) {
	for _, alg := range []api.KeyAlgorithm{api.KeyECCP256, api.KeyRSA2048} {
		t.Run(string(alg), func(t *testing.T) { agentRenewNoGUI(t, alg) })
	}
}

// agentRenewNoGUI renews with identityd's policy asking for alg keys.
func agentRenewNoGUI(t *testing.T, alg api.KeyAlgorithm) {
	needRig(t)
	id := testkit.StartIdentityd(t, append([]string{"-renewal-key-algorithm", string(alg)}, renewalFlags...)...)
	_, ch := startMonitor(t)
	card := demoCard(t, id, testkit.DemoClinician)
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	before := slotCert(t)

	cmd, logs := agentCmd(t, id, "renew", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms")
	cmd.Stdin = strings.NewReader(demoPasscode + "\n" + demoPasscode + "\n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitExit(t, cmd, logs)
	if !logs.Contains("Your certificates are renewed.") || !logs.Contains("5/5 Checking") {
		t.Errorf("the agent did not report the renewal:\n%s", logs.String())
	}
	if holdsPasscode(logs.String()) {
		t.Errorf("the passcode appears in the agent's output:\n%s", logs.String())
	}
	after := cardCerts(t)
	if after[0].SerialNumber.Cmp(before.SerialNumber) == 0 {
		t.Fatalf("the card still holds serial %x", after[0].SerialNumber)
	}
	for _, c := range after {
		if got := keyAlgorithmOf(c); got != alg {
			t.Errorf("the new certificate %q holds a %s key, want %s", c.Subject, got, alg)
		}
	}
	assertNotVerified(t, "after the renewal")
	login, llogs := loginNoGUI(t, id, "--once")
	waitExit(t, login, llogs)
}

// clientAndCard is the agent's identityd client and the card in reader 0,
// opened for the test (and closed when it ends).
func clientAndCard(t *testing.T, id *testkit.Identityd) (*client.Client, *reader.Card) {
	t.Helper()
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "e2e-ws"})
	if err != nil {
		t.Fatal(err)
	}
	card, err := reader.Open(rig.ReaderName(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return cl, card
}

// slotCert reads the card's 9A certificate in reader 0.
func slotCert(t *testing.T) *x509.Certificate { return cardCerts(t)[0] }

// TestInterruptedRenewalFinishedAtLogin: identityd fails one step of a
// renewal (a 503, as when it or its database is down), so the card and
// identityd are left part-way; at the next login the real agent finishes
// the renewal where that is needed (asking for the passcode), or simply
// logs in, and the card then logs in, agreeing with identityd.
func TestInterruptedRenewalFinishedAtLogin(t *testing.T) {
	for _, c := range []struct {
		failing  string // the renewal call identityd fails
		state    api.RenewalState
		finishes bool // the login finishes the renewal first
	}{
		{"record 9c", api.RenewalStateGenerating9C, false}, // 9A untouched: the login works as before
		{"record 9a", api.RenewalStateGenerating9A, true},  // proven with the new 9C key
		{"issue", api.RenewalStateRecorded9A, true},
		{"card-auth write", api.RenewalStateIssued, true},
		{"complete", api.RenewalStateWriting, false}, // the new certificate is on the card: identityd completes at login
	} {
		t.Run(c.failing, func(t *testing.T) { interruptedRenewal(t, c.failing, c.state, c.finishes) })
	}
}

func interruptedRenewal(t *testing.T, failing string, state api.RenewalState, finishes bool) {
	needRig(t)
	id := testkit.StartIdentityd(t, renewalFlags...)
	_, ch := startMonitor(t)
	insert(t, demoCard(t, id, testkit.DemoClinician), 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	cl, card := clientAndCard(t, id)
	sess, guid, _ := testkit.CardLogin(t, cl, card, demoPasscode)
	r, err := cl.OpenRenewal(context.Background(), client.Ticket{ID: sess.ID, Token: sess.Token})
	if err != nil {
		t.Fatal(err)
	}
	_, err = renewal.Run(context.Background(), card, guid, &failingBackend{Client: cl, failing: failing}, r, []byte(demoPasscode), renewal.Options{})
	card.Close()
	if !client.IsCode(err, api.CodeUnavailable) {
		t.Fatalf("renewal with %s failing: %v", failing, err)
	}
	if got, _ := cl.Renewal(context.Background(), client.RenewalTicket(r)); got.State != state {
		t.Fatalf("interrupted in state %q, want %q", got.State, state)
	}

	cmd, logs := agentCmd(t, id, "login", "--no-gui", "--once", "--role", "Clinical Practitioner", "--accept-terms")
	cmd.Stdin = strings.NewReader(strings.Repeat(demoPasscode+"\n", 3)) // login, renewal, login
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitExit(t, cmd, logs) // logged in: the card and identityd agree on its certificate
	if got := logs.Contains(wording.RenewUnfinished) && logs.Contains("Your certificates are renewed."); got != finishes {
		t.Errorf("renewal finished at login: %v, want %v:\n%s", got, finishes, logs.String())
	}
	assertNotVerified(t, "after the login")
}

// failingBackend is identityd failing one renewal call with a 503.
type failingBackend struct {
	*client.Client
	failing string
}

var errUnavailable = &client.APIError{Status: 503, Code: api.CodeUnavailable, Message: "the identity service is unavailable"}

func (b *failingBackend) RenewalCardAuth(ctx context.Context, t client.Ticket, p api.CardAuthPurpose, ch []byte) ([]byte, error) {
	if b.failing == "card-auth "+strings.TrimPrefix(string(p), "generate-") {
		return nil, errUnavailable
	}
	return b.Client.RenewalCardAuth(ctx, t, p, ch)
}

func (b *failingBackend) RecordRenewalKey(ctx context.Context, t client.Ticket, slot string, spki []byte) (api.Renewal, error) {
	if b.failing == "record "+slot {
		return api.Renewal{}, errUnavailable
	}
	return b.Client.RecordRenewalKey(ctx, t, slot, spki)
}

func (b *failingBackend) IssueRenewal(ctx context.Context, t client.Ticket, a, s []byte) (api.Renewal, error) {
	if b.failing == "issue" {
		return api.Renewal{}, errUnavailable
	}
	return b.Client.IssueRenewal(ctx, t, a, s)
}

func (b *failingBackend) CompleteRenewal(ctx context.Context, t client.Ticket, p api.CardProof) (api.Renewal, error) {
	if b.failing == "complete" {
		return api.Renewal{}, errUnavailable
	}
	return b.Client.CompleteRenewal(ctx, t, p)
}

// TestAgentRenewalRefused: where identityd's policy does not allow
// self-renewal, `cardagent renew --no-gui` says why and changes nothing.
func TestAgentRenewalRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags []string
		why   string
	}{
		{"outside the window", nil, wording.RenewalOutsideWindow}, // two years left, 90-day window
		{"RA due", append([]string{"-renewals-before-ra", "1"}, renewalFlags...), wording.RenewalRADue},
	} {
		t.Run(c.name, func(t *testing.T) {
			needRig(t)
			id := testkit.StartIdentityd(t, c.flags...)
			_, ch := startMonitor(t)
			insert(t, demoCard(t, id, testkit.DemoClinician), 0)
			waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
			before := slotCert(t)
			cmd, logs := agentCmd(t, id, "renew", "--no-gui", "--role", "Clinical Practitioner", "--accept-terms")
			cmd.Stdin = strings.NewReader(demoPasscode + "\n")
			if err := cmd.Run(); err == nil {
				t.Fatalf("renew succeeded:\n%s", logs.String())
			}
			if !logs.Contains(wording.RenewalNotOffered) || !logs.Contains(c.why) {
				t.Errorf("the agent did not say why:\n%s", logs.String())
			}
			if after := slotCert(t); after.SerialNumber.Cmp(before.SerialNumber) != 0 {
				t.Error("the card's certificate changed")
			}
		})
	}
}

// TestRenewalOfACardLockedOrCancelledMidSession: an administrator locks or
// cancels the card at identityd while its holder is logged in; the
// holder's Renew then changes nothing on the card, and the agent says why.
func TestRenewalOfACardLockedOrCancelledMidSession(t *testing.T) {
	for _, c := range []struct {
		action string
		why    wording.Trouble
	}{
		{"lock", wording.CardLockedByRA},
		{"cancel", wording.CardCancelled},
	} {
		t.Run(c.action, func(t *testing.T) {
			needRig(t)
			id := testkit.StartIdentityd(t, renewalFlags...)
			card := demoCard(t, id, testkit.DemoClinician)
			insert(t, card, 0)
			p := startInProcess(t, id, nil)
			p.login(t)
			before := cardCerts(t)
			guid := card.GUID()
			id.Admin(t, "card", c.action, "-guid", api.FormatCardGUID(guid[:]), "-reason", "e2e: reported by the holder")
			p.agent.Renew()
			s := p.waitScreen(t, session.ScreenRenewPasscode)
			p.agent.SubmitRenewalPasscode(s.Question, []byte(demoPasscode))
			s = p.wait(t, func(s session.State) bool {
				return s.Screen != session.ScreenRenewPasscode && s.Screen != session.ScreenRenewing
			}, "the renewal's end")
			if s.Screen != session.ScreenRenewFailed || s.Problem != c.why.Problem || s.Fix != c.why.Fix {
				t.Errorf("after the %s: %v %q %q, want the renewal refused with %q", c.action, s.Screen, s.Problem, s.Fix, c.why.Problem)
			}
			if after := cardCerts(t); !after[0].Equal(before[0]) || !after[1].Equal(before[1]) {
				t.Error("the card's certificates changed")
			}
		})
	}
}

// keyAlgorithmOf names the kind of key a certificate holds.
func keyAlgorithmOf(c *x509.Certificate) api.KeyAlgorithm {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return api.KeyAlgorithm("ecc-" + strings.ToLower(strings.ReplaceAll(k.Curve.Params().Name, "-", "")))
	case *rsa.PublicKey:
		return api.KeyAlgorithm(fmt.Sprintf("rsa-%d", k.N.BitLen()))
	}
	return api.KeyAlgorithm(c.PublicKeyAlgorithm.String())
}
