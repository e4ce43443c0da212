//go:build e2e

package main

// A certificate renewal end to end on the virtual card through pcscd, with
// a real identityd behind it over HTTPS (docs/renewal.md). Run by `make
// bench`:
//
//	go test -tags e2e -run '^$' -bench RenewalOnTheCard -benchtime 100x ./cmd/cardagent/
//
// Each iteration logs the card in, opens a renewal and runs the card work
// (renewal.Run: one exclusive transaction). It reports the wall time of
// renewal.Run (p50/p99), the APDUs per renewal and where the time went:
//   - card:      inside Transmit (pcscd + vpcd + the virtual card);
//   - identityd: inside the calls to identityd (HTTPS round trips);
//   - agent:     the rest (renewal.Run's own work, CSRs, parsing).

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session/renewal"
)

// timedBackend adds up the nanoseconds spent inside identityd's calls.
type timedBackend struct {
	renewal.Backend
	busy *atomic.Int64
}

func timed[T any](b timedBackend, fn func() (T, error)) (T, error) {
	t0 := time.Now()
	defer func() { b.busy.Add(int64(time.Since(t0))) }()
	return fn()
}

func (b timedBackend) Challenge(ctx context.Context) (api.Challenge, error) {
	return timed(b, func() (api.Challenge, error) { return b.Backend.Challenge(ctx) })
}

func (b timedBackend) RenewalCardAuth(ctx context.Context, t client.Ticket, purpose api.CardAuthPurpose, challenge []byte) ([]byte, error) {
	return timed(b, func() ([]byte, error) { return b.Backend.RenewalCardAuth(ctx, t, purpose, challenge) })
}

func (b timedBackend) RecordRenewalKey(ctx context.Context, t client.Ticket, slot string, spki []byte) (api.Renewal, error) {
	return timed(b, func() (api.Renewal, error) { return b.Backend.RecordRenewalKey(ctx, t, slot, spki) })
}

func (b timedBackend) IssueRenewal(ctx context.Context, t client.Ticket, authCSR, signCSR []byte) (api.Renewal, error) {
	return timed(b, func() (api.Renewal, error) { return b.Backend.IssueRenewal(ctx, t, authCSR, signCSR) })
}

func (b timedBackend) CompleteRenewal(ctx context.Context, t client.Ticket, proof api.CardProof) (api.Renewal, error) {
	return timed(b, func() (api.Renewal, error) { return b.Backend.CompleteRenewal(ctx, t, proof) })
}

func BenchmarkRenewalOnTheCard(b *testing.B) {
	testkit.Need(b, pcscErr)
	// The demo certificates (two years) are inside the window, and so is
	// every certificate issued here a millisecond after it was issued: the
	// window is the validity less 1 ms, so the same card renews again and
	// again; no renewal is ever the RA's.
	id := testkit.StartIdentityd(b, "-cert-validity", "26280h", "-renewal-window", "26279h59m59.999s",
		"-renewals-before-ra", "1000000")
	cl, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "bench-renewal"})
	if err != nil {
		b.Fatal(err)
	}
	pcsc.Insert(b, testkit.DemoCard(b, id, testkit.DemoClinician, benchPasscode), 0)
	rc := openReader(b, 0)
	defer rc.Close()
	var apdus, inCard, inBackend atomic.Int64
	card := countingConn{rc, &apdus, &inCard}
	backend := timedBackend{cl, &inBackend}

	ctx := context.Background()
	var split timeSplit
	for i := -1; i < b.N; i++ { // i == -1: warm-up (connections, first issue)
		sess, guid, _ := testkit.CardLogin(b, cl, rc, benchPasscode)
		r, err := cl.OpenRenewal(ctx, client.Ticket{ID: sess.ID, Token: sess.Token})
		if err != nil {
			b.Fatalf("renewal %d: open: %v", i, err)
		}
		apdus.Store(0)
		inCard.Store(0)
		inBackend.Store(0)
		t0 := time.Now()
		done, err := renewal.Run(ctx, card, guid, backend, r, []byte(benchPasscode), renewal.Options{})
		d := time.Since(t0)
		if err != nil || done.State != api.RenewalStateCompleted {
			b.Fatalf("renewal %d: %v (%q)\nidentityd:\n%s", i, err, done.State, id.Logs.String())
		}
		if i < 0 {
			continue
		}
		split.add(d, time.Duration(inCard.Load()), time.Duration(inBackend.Load()), apdus.Load())
	}
	b.StopTimer()
	split.report(b, "renewal")
}

// timeSplit is where each run's wall time went: the card (inside
// Transmit), identityd (inside its calls), the agent (the rest).
type timeSplit struct {
	run, card, backend, agent durations
	apdus                     []int64
}

func (s *timeSplit) add(wall, card, backend time.Duration, apdus int64) {
	s.run, s.card, s.backend = append(s.run, wall), append(s.card, card), append(s.backend, backend)
	s.agent, s.apdus = append(s.agent, wall-card-backend), append(s.apdus, apdus)
}

// report gives p50/p99 of each, the APDUs a run and the shares in %.
func (s *timeSplit) report(b *testing.B, name string) {
	s.run.report(b, name)
	s.card.report(b, "card")
	s.backend.report(b, "identityd")
	s.agent.report(b, "agent")
	b.ReportMetric(mean(s.apdus), "apdus/"+name)
	total := sum(s.run)
	b.ReportMetric(100*sum(s.card)/total, "card-%")
	b.ReportMetric(100*sum(s.backend)/total, "identityd-%")
	b.ReportMetric(100*sum(s.agent)/total, "agent-%")
}

func sum(d durations) float64 {
	var s time.Duration
	for _, x := range d {
		s += x
	}
	return float64(s)
}
