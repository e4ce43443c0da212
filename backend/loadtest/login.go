// Package loadtest measures identityd: complete card logins (challenge +
// session + role) per second and per server CPU core over loopback HTTPS,
// the same generator against the no-op endpoint, and the renewal-storm
// certificate issuance rate against bare ECDSA P-256 signing.
package loadtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/client"
)

// Mode is what one iteration of a worker does.
type Mode string

// Modes.
const (
	ModeLogin Mode = "login" // challenge + session + role: 3 requests
	ModeNoop  Mode = "noop"  // GET /v1/ping: 1 request
)

// RequestsPerLogin is how many HTTP requests one complete login takes.
const RequestsPerLogin = 3

// Run is one load run. Each worker is a workstation of its own with its own
// client (the agent's, package client).
type Run struct {
	Clients     *testenv.Clients
	Cards       []*testenv.Card
	Mode        Mode
	Concurrency int
	Duration    time.Duration
	MaxOps      int64 // stop after this many operations (0: no limit)
}

// Result of a run. An op is one login or one no-op request.
type Result struct {
	Ops      int64
	Errors   int64
	FirstErr error
	Elapsed  time.Duration
	P50, P99 time.Duration
}

// Rate is ops per wall-clock second.
func (r Result) Rate() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("%d ops in %v: %.0f/s, p50 %v, p99 %v, %d errors",
		r.Ops, r.Elapsed.Round(time.Millisecond), r.Rate(), r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Errors)
}

// Do runs the workers until the duration or op budget is spent.
func (rn Run) Do(ctx context.Context) Result {
	ctx, cancel := context.WithTimeout(ctx, rn.Duration)
	defer cancel()
	var ops, errCount atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for w := range rn.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			cl := rn.Clients.For(fmt.Sprintf("bench-ws-%d", w))
			for i := w; ctx.Err() == nil; i += rn.Concurrency {
				if rn.MaxOps > 0 && ops.Load() >= rn.MaxOps {
					break
				}
				t0 := time.Now()
				err := rn.once(ctx, cl, rn.Cards[i%len(rn.Cards)])
				if ctx.Err() != nil {
					break // cut off by the deadline: not a measurement
				}
				if err != nil {
					if errCount.Add(1) == 1 {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
					continue
				}
				local = append(local, time.Since(t0))
				ops.Add(1)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := Result{Ops: ops.Load(), Errors: errCount.Load(), FirstErr: firstErr, Elapsed: time.Since(start)}
	res.P50, res.P99 = percentiles(lat)
	return res
}

// percentiles are the median and 99th percentile of lat (sorted in place).
func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	return lat[len(lat)*50/100], lat[min(len(lat)-1, len(lat)*99/100)]
}

func (rn Run) once(ctx context.Context, cl *client.Client, card *testenv.Card) error {
	if rn.Mode == ModeNoop {
		return cl.Ping(ctx)
	}
	s, err := testenv.Login(ctx, cl, card)
	if err != nil {
		return err
	}
	if len(s.Roles) == 0 {
		return fmt.Errorf("login returned no roles")
	}
	_, err = cl.SelectRole(ctx, testenv.Ticket(s), s.Roles[0].ID)
	return err
}
