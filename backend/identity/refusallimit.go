package identity

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
)

// Refusal auditing is rate-limited per client address, so that nobody can
// fill the audit table without logging in: each address has a token bucket
// of RefusalAuditBurst records refilled at RefusalAuditRate per second. Past
// it a refusal is still answered, and counted; the counts go into one
// audit.refusals_suppressed record per RefusalSummaryInterval (and at
// Close), instead of one row each. State changes are never limited.
const (
	RefusalAuditBurst      = 60
	RefusalAuditRate       = 2.0 // records per second per address, after the burst
	RefusalSummaryInterval = 10 * time.Second

	refusalAddrs      = 10000 // addresses tracked at once
	summaryAddrsShown = 3
)

// refusalLimiter decides which refusals are written one by one.
type refusalLimiter struct {
	now func() time.Time // real time (with its monotonic reading), not the service's clock

	mu         sync.Mutex
	buckets    *addressBuckets
	suppressed map[string]int64 // by address, since the last summary
	byCode     map[string]int64
	since      time.Time
}

func newRefusalLimiter(now func() time.Time) *refusalLimiter {
	return &refusalLimiter{now: now, buckets: newAddressBuckets(RefusalAuditBurst, RefusalAuditRate, refusalAddrs),
		suppressed: map[string]int64{}, byCode: map[string]int64{}}
}

// allow reports whether a refusal from addr is written as its own record;
// if not, it is counted for the next summary. Admin commands (no address)
// are never limited.
func (l *refusalLimiter) allow(addr, code string) bool {
	if l == nil || addr == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.buckets.take(addr, now) {
		return true
	}
	if len(l.suppressed) == 0 {
		l.since = now
	}
	l.suppressed[addr]++
	l.byCode[code]++
	return false
}

// take returns the summary record of the refusals counted so far and
// their number, and resets the counts; ok is false if there were none.
func (l *refusalLimiter) take() (rec audit.Record, total int64, ok bool) {
	if l == nil {
		return audit.Record{}, 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.suppressed) == 0 {
		return audit.Record{}, 0, false
	}
	for _, n := range l.suppressed {
		total += n
	}
	addrs := slices.SortedFunc(maps.Keys(l.suppressed), func(a, b string) int {
		return cmp.Or(cmp.Compare(l.suppressed[b], l.suppressed[a]), strings.Compare(a, b))
	})
	var d strings.Builder
	fmt.Fprintf(&d, "%d refusals not audited one by one since %s (rate limit per client address):", total, l.since.UTC().Format(time.RFC3339))
	for i, a := range addrs {
		if i == summaryAddrsShown {
			fmt.Fprintf(&d, " and %d more addresses", len(addrs)-i)
			break
		}
		fmt.Fprintf(&d, " %d from %s", l.suppressed[a], a)
	}
	codes := slices.SortedFunc(maps.Keys(l.byCode), func(a, b string) int {
		return cmp.Or(cmp.Compare(l.byCode[b], l.byCode[a]), strings.Compare(a, b))
	})
	d.WriteString("; by reason:")
	for i, c := range codes {
		if i == summaryAddrsShown {
			d.WriteString(" …")
			break
		}
		fmt.Fprintf(&d, " %s %d", c, l.byCode[c])
	}
	rec = audit.Record{Action: audit.ActionRefusalsSuppressed, Outcome: "suppressed", ClientAddr: addrs[0], Detail: d.String()}
	clear(l.suppressed)
	clear(l.byCode)
	return rec, total, true
}

// restore counts again a summary that could not be written, so that it goes
// into the next one (under the summary's first address).
func (l *refusalLimiter) restore(total int64, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.suppressed) == 0 {
		l.since = l.now()
	}
	l.suppressed[addr] += total
	l.byCode["unwritten summary"] += total
}

// summariseRefusals writes the pending suppressed-refusals record, if any.
func (s *Service) summariseRefusals(ctx context.Context) error {
	rec, total, ok := s.refusals.take()
	if !ok {
		return nil
	}
	rec.At = s.now()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		_, err := audit.Append(ctx, tx, s.auditKey, rec)
		return err
	})
	if err != nil {
		s.refusals.restore(total, rec.ClientAddr)
		return fmt.Errorf("writing the suppressed-refusals record: %w", err)
	}
	s.appended(1)
	return nil
}

// summaryLoop writes the suppressed-refusals record every
// RefusalSummaryInterval until stop is closed.
func (s *Service) summaryLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(RefusalSummaryInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := s.summariseRefusals(ctx); err != nil {
				s.log.Error("audit", "err", err)
			}
			cancel()
		}
	}
}
