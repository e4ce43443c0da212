//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
)

// adminDesk puts the RA's card (Sam, who is also an LSA) in reader 0 and
// the clinician's in reader 1, and returns the monitor's events once pcscd
// has seen both.
func adminDesk(t *testing.T, id *testkit.Identityd) <-chan reader.Event {
	t.Helper()
	_, ch := startMonitor(t)
	insert(t, demoCard(t, id, testkit.DemoRA), 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))
	insert(t, demoCard(t, id, testkit.DemoClinician), 1)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(1))
	return ch
}

// loginAt logs in with the card in reader n at workstation, through the
// agent's client, the terms accepted: the session and the card's GUID.
func loginAt(t *testing.T, id *testkit.Identityd, workstation string, n int) (*client.Client, client.Ticket, api.Session, [16]byte) {
	t.Helper()
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: workstation})
	if err != nil {
		t.Fatal(err)
	}
	card, err := reader.Open(rig.ReaderName(n))
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	sess, guid, _ := testkit.CardLogin(t, cl, card, demoPasscode)
	tk := client.Ticket{ID: sess.ID, Token: sess.Token}
	if sess.Terms != nil {
		if _, err := cl.AcceptTerms(context.Background(), tk, sess.Terms.Version); err != nil {
			t.Fatal(err)
		}
	}
	return cl, tk, sess, guid
}
