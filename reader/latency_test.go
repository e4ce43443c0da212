//go:build e2e

package reader

// Benchmarks through the real pcscd + vpcd, run by `make bench`:
//
//	go test -tags e2e -run '^$' -bench . -benchtime 200x ./reader/
//
// Each pull/insert is timed three ways in the same run: from the card's
// socket closing (or opening) to (a) a bare SCardGetStatusChange loop seeing
// the change — the floor that pcscd's driver polling sets — and (b) our
// Monitor's event reaching a subscriber. (b) − (a) is the agent's own share.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/vcard"
)

// bareWatch reports every presence change of one reader on changes, using
// nothing but SCardGetStatusChange: the floor any PC/SC client can reach.
func bareWatch(ctx context.Context, readerName string, changes chan<- time.Time) error {
	sctx, err := scard.EstablishContext()
	if err != nil {
		return err
	}
	defer sctx.Release()
	stop := context.AfterFunc(ctx, func() { _ = sctx.Cancel() })
	defer stop()
	st := []scard.ReaderState{{Reader: readerName, CurrentState: scard.StateUnaware}}
	if err := sctx.GetStatusChange(st, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return err
	}
	st[0].CurrentState = st[0].EventState &^ scard.StateChanged
	for {
		err := sctx.GetStatusChange(st, -1)
		at := time.Now()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		before := st[0].CurrentState & scard.StatePresent
		st[0].CurrentState = st[0].EventState &^ scard.StateChanged
		if st[0].CurrentState&scard.StatePresent != before {
			changes <- at
		}
	}
}

type samples []time.Duration

func (s samples) pct(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return c[min(len(c)-1, int(p*float64(len(c))))]
}

func (s samples) report(b *testing.B, name string) {
	b.ReportMetric(float64(s.pct(0.50).Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(s.pct(0.99).Microseconds())/1000, name+"-p99-ms")
}

// BenchmarkRemovalInsertLatency pulls and re-inserts a virtual card b.N
// times (use -benchtime 200x) and reports, for removal and insertion, the
// end-to-end latency, pcscd's floor and our share; for insertion also the
// time from our event to GUID + certificate read.
func BenchmarkRemovalInsertLatency(b *testing.B) {
	testkit.Need(b, rigErr)
	name := rig.ReaderName(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	bare := make(chan time.Time, 4)
	go bareWatch(ctx, name, bare)
	m := NewMonitor(nil)
	events, unsub := m.Subscribe()
	defer unsub()
	go m.Run(ctx)

	card, err := vcard.New(vcard.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := provisionCert(card); err != nil {
		b.Fatal(err)
	}
	next := func(kind EventKind) (Event, time.Time) {
		for {
			select {
			case e := <-events:
				if e.Kind == kind && e.Reader == name {
					return e, time.Now()
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("no %v within 10 s", kind)
			}
		}
	}
	var rmTotal, rmFloor, rmOurs, inTotal, inFloor, inOurs, readTime samples
	drain := func() {
		for len(bare) > 0 {
			<-bare
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		drain()
		cctx, pull := context.WithCancel(ctx)
		conn, err := vcard.DialVPCD(cctx, rig.VPCDAddr(0), true)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		served := make(chan struct{})
		go func() { card.ServeVPCD(cctx, conn); close(served) }()
		_, got := next(CardInserted)
		floor := <-bare
		inTotal, inFloor, inOurs = append(inTotal, got.Sub(t0)), append(inFloor, floor.Sub(t0)), append(inOurs, got.Sub(floor))

		r0 := time.Now()
		if err := readIdentity(name); err != nil {
			b.Fatal(err)
		}
		readTime = append(readTime, time.Since(r0))

		drain()
		t0 = time.Now()
		pull()
		<-served
		_, got = next(CardRemoved)
		floor = <-bare
		rmTotal, rmFloor, rmOurs = append(rmTotal, got.Sub(t0)), append(rmFloor, floor.Sub(t0)), append(rmOurs, got.Sub(floor))
	}
	b.StopTimer()
	rmTotal.report(b, "remove-total")
	rmFloor.report(b, "remove-pcscd")
	rmOurs.report(b, "remove-ours")
	inTotal.report(b, "insert-total")
	inFloor.report(b, "insert-pcscd")
	inOurs.report(b, "insert-ours")
	readTime.report(b, "guid+cert-read")
}

// readIdentity reads what login needs from a fresh card: select, CHUID,
// 9A certificate — the raw APDUs, so this package needs no piv import.
func readIdentity(name string) error {
	c, err := Open(name)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Do(context.Background(), func(tx apdu.Transmitter) error {
		cl := &apdu.Client{T: tx}
		if _, err := cl.Do(apdu.Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0, 0, 3, 8, 0, 0, 0x10, 0, 1, 0}, Ne: 256}); err != nil {
			return err
		}
		for _, tag := range []apdu.Tag{0x5FC102, 0x5FC105} {
			if _, err := cl.Do(apdu.Command{INS: 0xCB, P1: 0x3F, P2: 0xFF, Data: apdu.Encode(0x5C, tag.Bytes()), Ne: 256}); err != nil {
				return fmt.Errorf("GET DATA %s: %w", tag, err)
			}
		}
		return nil
	})
}

// BenchmarkMonitorIdleCPU runs the Monitor with two idle readers (one with
// a card) for 60 s and reports the process's CPU use in percent.
func BenchmarkMonitorIdleCPU(b *testing.B) {
	testkit.Need(b, rigErr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	card, err := vcard.New(vcard.Options{})
	if err != nil {
		b.Fatal(err)
	}
	go card.Attach(ctx, rig.VPCDAddr(1), true)
	m := NewMonitor(nil)
	events, unsub := m.Subscribe()
	defer unsub()
	go m.Run(ctx)
	for e := range events {
		if e.Kind == CardInserted {
			break
		}
	}
	window := 60 * time.Second
	if testing.Short() {
		window = 5 * time.Second
	}
	for i := 0; i < b.N; i++ {
		cpu0, t0 := cpuTime(), time.Now()
		time.Sleep(window)
		pct := 100 * (cpuTime() - cpu0).Seconds() / time.Since(t0).Seconds()
		b.ReportMetric(pct, "cpu-%")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
