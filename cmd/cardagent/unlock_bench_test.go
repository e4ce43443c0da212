//go:build e2e

package main

// A self-service unlock end to end on the virtual card through pcscd, with a
// real identityd behind it over HTTPS writing its emails to a mailbox
// directory (docs/unlock.md). Run by `make bench`:
//
//	go test -tags e2e -run '^$' -bench UnlockOnTheCard -benchtime 50x ./cmd/cardagent/
//
// Each iteration blocks the card (three wrong VERIFYs, not timed), then
// times what the person does not type: the code request (its email written),
// the code check, and the card work (unlock.OnCard: the relayed mutual 9B
// authentication, RESET RETRY COUNTER, the PUK change) and the completion.
// It reports p50/p99 of that, the APDUs of the card work and where the time
// went: card (inside Transmit), identityd (inside its calls), agent (the
// rest).

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/session/unlock"
)

// timedUnlock adds up the nanoseconds spent inside identityd's calls.
type timedUnlock struct {
	unlock.Backend
	busy *atomic.Int64
}

func (b timedUnlock) add(t0 time.Time) { b.busy.Add(int64(time.Since(t0))) }

// unlockOnCard is unlock i's card part (unlock.OnCard) and its completion,
// whose time counts as identityd's.
func unlockOnCard(b *testing.B, i int, id *testkit.Identityd, cl *client.Client, card countingConn, backend timedUnlock, tk client.Ticket) {
	b.Helper()
	ctx := context.Background()
	usedPrevious, err := unlock.OnCard(ctx, card, backend, tk, []byte(benchPasscode), unlock.Options{})
	if err != nil {
		b.Fatalf("unlock %d: on the card: %v\nidentityd:\n%s", i, err, id.Logs.String())
	}
	t0 := time.Now()
	if _, err := cl.CompleteUnlock(ctx, tk, usedPrevious); err != nil {
		b.Fatalf("unlock %d: complete: %v", i, err)
	}
	backend.add(t0)
}

func (b timedUnlock) UnlockWitness(ctx context.Context, t client.Ticket, enc []byte) ([]byte, []byte, error) {
	defer b.add(time.Now())
	return b.Backend.UnlockWitness(ctx, t, enc)
}

func (b timedUnlock) UnlockPUK(ctx context.Context, t client.Ticket, answer []byte) (api.UnlockPUK, error) {
	defer b.add(time.Now())
	return b.Backend.UnlockPUK(ctx, t, answer)
}

var benchCodeRE = regexp.MustCompile(`(?m)^\s+(\d{8})\s*$`)

func BenchmarkUnlockOnTheCard(b *testing.B) {
	testkit.Need(b, pcscErr)
	mailbox := filepath.Join(b.TempDir(), "mailbox")
	id := testkit.StartIdentityd(b, "-mail-dir", mailbox, "-unlock-per-card-per-hour", "1000000", "-unlock-per-user-per-day", "1000000",
		"-unlock-per-address-per-hour", "1000000")
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "bench-unlock"})
	if err != nil {
		b.Fatal(err)
	}
	vc := testkit.DemoCard(b, id, testkit.DemoClinician, benchPasscode)
	pcsc.Insert(b, vc, 0)
	rc := openReader(b, 0)
	defer rc.Close()
	guid := vc.GUID()
	var apdus, inCard, inBackend atomic.Int64
	card := countingConn{rc, &apdus, &inCard}
	backend := timedUnlock{cl, &inBackend}
	ctx := context.Background()
	var split timeSplit
	for i := -1; i < b.N; i++ { // i == -1: warm-up (connections)
		block(b, rc)
		apdus.Store(0)
		inCard.Store(0)
		inBackend.Store(0)
		t0 := time.Now()
		k0 := time.Now()
		u, err := cl.RequestUnlock(ctx, guid[:])
		if err != nil {
			b.Fatalf("unlock %d: request: %v", i, err)
		}
		code := newestCode(b, mailbox, i+2)
		tk := client.UnlockTicket(u)
		if _, err := cl.UnlockCode(ctx, tk, code); err != nil {
			b.Fatalf("unlock %d: code: %v", i, err)
		}
		inBackend.Add(int64(time.Since(k0)))
		unlockOnCard(b, i, id, cl, card, backend, tk)
		d := time.Since(t0)
		if i < 0 {
			continue
		}
		split.add(d, time.Duration(inCard.Load()), time.Duration(inBackend.Load()), apdus.Load())
	}
	b.StopTimer()
	split.report(b, "unlock")
}

// block uses up the passcode's tries with wrong VERIFYs.
func block(b *testing.B, rc *reader.Card) {
	b.Helper()
	err := rc.Do(context.Background(), func(tx apdu.Transmitter) error {
		p := piv.New(tx)
		if err := p.Select(); err != nil {
			return err
		}
		for {
			var auth piv.AuthError
			if err := p.Verify([]byte("000000")); !errors.As(err, &auth) {
				return err
			} else if auth.Blocked {
				return nil
			}
		}
	})
	if err != nil {
		b.Fatalf("blocking the card: %v", err)
	}
}

// newestCode waits for the n-th email in the mailbox and returns its code.
func newestCode(b *testing.B, dir string, n int) string {
	b.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(names) >= n {
			slices.Sort(names)
			msg, err := os.ReadFile(names[n-1])
			if err != nil {
				b.Fatal(err)
			}
			if c := benchCodeRE.FindStringSubmatch(strings.ReplaceAll(string(msg), "\r", "")); c != nil {
				return c[1]
			}
			b.Fatalf("no code in %s", names[n-1])
		}
	}
	b.Fatalf("no email %d in %s", n, dir)
	return ""
}
