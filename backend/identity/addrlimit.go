package identity

import "time"

// addressBuckets is a token bucket per client address: burst tokens each,
// refilled at rate a second. The map stays bounded: when full, buckets
// that have refilled are forgotten (they hold nothing a new one would
// not); if none has, new addresses share one bucket. Not safe for
// concurrent use: its owner locks.
type addressBuckets struct {
	burst, rate float64
	max         int
	m           map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// overflowAddr is the shared bucket once max addresses are tracked.
const overflowAddr = "*"

func newAddressBuckets(burst, perSecond float64, max int) *addressBuckets {
	return &addressBuckets{burst: burst, rate: perSecond, max: max, m: map[string]*bucket{}}
}

// take spends one of addr's tokens at now: false if it has none left.
func (a *addressBuckets) take(addr string, now time.Time) bool {
	b := a.bucket(addr, now)
	b.tokens, b.at = a.refill(b, now), now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// refill is what b holds at now (never less than it held: a clock set
// back refills nothing).
func (a *addressBuckets) refill(b *bucket, now time.Time) float64 {
	return min(a.burst, b.tokens+max(0, now.Sub(b.at).Seconds())*a.rate)
}

func (a *addressBuckets) bucket(addr string, now time.Time) *bucket {
	if b, ok := a.m[addr]; ok {
		return b
	}
	if len(a.m) >= a.max {
		for k, b := range a.m {
			if a.refill(b, now) >= a.burst {
				delete(a.m, k)
			}
		}
		if len(a.m) >= a.max {
			addr = overflowAddr
			if b, ok := a.m[addr]; ok {
				return b
			}
		}
	}
	b := &bucket{tokens: a.burst, at: now}
	a.m[addr] = b
	return b
}
