//go:build e2e

package main

// An administrator's card work end to end through pcscd, with a real
// identityd behind it over HTTPS (docs/admin.md). The RA's card is in
// reader 0 and holds the session; the card serviced is in reader 1. Run by
// `make bench`:
//
//	go test -tags e2e -run '^$' -bench 'AdminEnrolment|AdminUnlockFaceToFace' -benchtime 30x ./cmd/cardagent/
//
// AdminEnrolment issues a factory-fresh card each iteration (a new vcard
// inserted, not timed): identityd's enrolment, the card's identity, key,
// PUK and passcode (enrolment.Personalise), then its keys and certificates
// (renewal.Run). AdminUnlockFaceToFace blocks the clinician's card (not
// timed) and unlocks it face to face: identityd's admin unlock, the card's
// part (unlock.OnCard) and the completion. Both report p50/p99, the APDUs a
// run and where the time went (card, identityd, agent), as the renewal and
// unlock benchmarks do.

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/pcscwait"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/vcard"
	"github.com/cardagent/cardagent/session/enrolment"
	"github.com/cardagent/cardagent/session/renewal"
)

// openReader opens the card in reader n once pcscd has seen it.
func openReader(b *testing.B, n int) *reader.Card {
	b.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rc, err := reader.Open(pcsc.ReaderName(n))
		if err == nil {
			return rc
		} else if time.Now().After(deadline) {
			b.Fatalf("the card in %s: %v", pcsc.ReaderName(n), err)
		}
	}
}

// raSession logs Sam in with his card in reader 0, working as an RA.
func raSession(b *testing.B, id *testkit.Identityd, cl *client.Client) (client.Ticket, func()) {
	b.Helper()
	slot := pcsc.Insert(b, testkit.DemoCard(b, id, testkit.DemoRA, benchPasscode), 0)
	rc := openReader(b, 0)
	sess, _, _ := testkit.CardLogin(b, cl, rc, benchPasscode)
	tk := client.Ticket{ID: sess.ID, Token: sess.Token}
	ctx := context.Background()
	if sess.Terms != nil {
		if _, err := cl.AcceptTerms(ctx, tk, sess.Terms.Version); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cl.SelectRole(ctx, tk, "demo-sam-ra"); err != nil {
		b.Fatal(err)
	}
	return tk, func() { rc.Close(); slot.Pull() }
}

func BenchmarkAdminEnrolment(b *testing.B) {
	testkit.Need(b, pcscErr)
	id := testkit.StartIdentityd(b)
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "bench-ra-desk"})
	if err != nil {
		b.Fatal(err)
	}
	ra, done := raSession(b, id, cl)
	defer done()
	var apdus, inCard, inBackend atomic.Int64
	backend := timedBackend{cl, &inBackend}
	ctx := context.Background()
	var split timeSplit
	for i := -1; i < b.N; i++ { // i == -1: warm-up
		fresh, err := vcard.New(vcard.Options{})
		if err != nil {
			b.Fatal(err)
		}
		slot := pcsc.Insert(b, fresh, 1)
		slot.AfterPull = func() { pcscwait.Empty(pcsc.ReaderName(1), 10*time.Second) }
		rc := openReader(b, 1)
		card := countingConn{rc, &apdus, &inCard}
		apdus.Store(0)
		inCard.Store(0)
		inBackend.Store(0)
		t0 := time.Now()
		e, err := cl.AdminEnrol(ctx, ra, testkit.DemoClinician, nil, "bench: new card")
		inBackend.Add(int64(time.Since(t0)))
		if err != nil {
			b.Fatalf("enrolment %d: %v", i, err)
		}
		guid, err := enrolment.Personalise(ctx, card, &e, []byte(benchPasscode), enrolment.Options{})
		if err != nil {
			b.Fatalf("enrolment %d: on the card: %v", i, err)
		}
		r, err := renewal.Run(ctx, card, guid, backend, e.Renewal, []byte(benchPasscode), renewal.Options{})
		d := time.Since(t0)
		if err != nil || r.State != api.RenewalStateCompleted {
			b.Fatalf("enrolment %d: keys and certificates: %v (%q)\nidentityd:\n%s", i, err, r.State, id.Logs.String())
		}
		rc.Close()
		slot.Pull()
		if i < 0 {
			continue
		}
		split.add(d, time.Duration(inCard.Load()), time.Duration(inBackend.Load()), apdus.Load())
	}
	b.StopTimer()
	split.report(b, "enrolment")
}

func BenchmarkAdminUnlockFaceToFace(b *testing.B) {
	testkit.Need(b, pcscErr)
	id := testkit.StartIdentityd(b)
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "bench-lsa-desk"})
	if err != nil {
		b.Fatal(err)
	}
	ra, done := raSession(b, id, cl)
	defer done()
	vc := testkit.DemoCard(b, id, testkit.DemoClinician, benchPasscode)
	pcsc.Insert(b, vc, 1)
	rc := openReader(b, 1)
	defer rc.Close()
	guid := vc.GUID()
	var apdus, inCard, inBackend atomic.Int64
	card := countingConn{rc, &apdus, &inCard}
	backend := timedUnlock{cl, &inBackend}
	ctx := context.Background()
	var split timeSplit
	for i := -1; i < b.N; i++ { // i == -1: warm-up
		block(b, rc)
		apdus.Store(0)
		inCard.Store(0)
		inBackend.Store(0)
		t0 := time.Now()
		u, err := cl.AdminUnlock(ctx, ra, guid[:], "bench: forgot passcode")
		inBackend.Add(int64(time.Since(t0)))
		if err != nil {
			b.Fatalf("unlock %d: %v", i, err)
		}
		tk := client.UnlockTicket(u)
		unlockOnCard(b, i, id, cl, card, backend, tk)
		d := time.Since(t0)
		if i < 0 {
			continue
		}
		split.add(d, time.Duration(inCard.Load()), time.Duration(inBackend.Load()), apdus.Load())
	}
	b.StopTimer()
	split.report(b, "f2f-unlock")
}
