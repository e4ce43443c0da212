package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
)

// The audit trail BenchAuditSearch fills: a year of records, a record
// every 31.5 s on average, spread over these many users and cards, one in
// twenty made by one of the administrators on a holder's behalf.
const (
	benchUsers  = 10_000
	benchCards  = 12_000
	benchAdmins = 50
	benchPage   = 50 // what the audit view shows a page
)

// BenchAuditSearch fills s with records (CARDAGENT_BENCH_AUDIT_RECORDS,
// default 1,000,000) through audit.Append, as identityd writes them, then
// measures the searches the audit view makes, each one page of 50, newest
// first: a user's, a card's and an administrator's last records, and one
// day's (a date range). It reports p50/p99 per search. Run only with
// CARDAGENT_BENCH_AUDIT=1 (make bench): the fill takes a while.
func BenchAuditSearch(b *testing.B, s store.Store) {
	NeedAuditBench(b)
	n := 1_000_000
	if v := os.Getenv("CARDAGENT_BENCH_AUDIT_RECORDS"); v != "" {
		fmt.Sscan(v, &n)
	}
	ctx := context.Background()
	start := time.Now()
	fillTrail(b, s, n)
	b.Logf("%d records appended in %v (%.0f records/s)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	rng := rand.New(rand.NewPCG(1, 2))
	span := time.Duration(n) * benchStep
	for _, c := range []struct {
		name  string
		query func() store.AuditQuery
	}{
		{"user-last-50", func() store.AuditQuery { return store.AuditQuery{UserID: benchUser(rng.IntN(benchUsers))} }},
		{"card-last-50", func() store.AuditQuery { return store.AuditQuery{CardGUID: benchCard(rng.IntN(benchCards))} }},
		{"admin-last-50", func() store.AuditQuery { // as the audit view asks: their work for the RA's organisation
			return store.AuditQuery{ActorID: benchAdmin(rng.IntN(benchAdmins)), ActorOrg: "RDEMO1"}
		}},
		{"day-range-50", func() store.AuditQuery {
			from := t0.Add(time.Duration(rng.Int64N(int64(span - 24*time.Hour))))
			return store.AuditQuery{From: from, To: from.Add(24 * time.Hour)}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			rows := 0
			for b.Loop() {
				q := c.query()
				q.Limit = benchPage
				t := time.Now()
				err := s.View(ctx, func(r store.Reader) error {
					rs, err := r.AuditSearch(ctx, q)
					rows += len(rs)
					return err
				})
				took = append(took, time.Since(t))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
			b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
			b.ReportMetric(float64(rows)/float64(len(took)), "rows/search")
		})
	}
}

// NeedAuditBench skips b unless CARDAGENT_BENCH_AUDIT=1 (before a store is
// opened for it).
func NeedAuditBench(b *testing.B) {
	if os.Getenv("CARDAGENT_BENCH_AUDIT") != "1" {
		b.Skip("set CARDAGENT_BENCH_AUDIT=1 to fill and search a trail of a million records")
	}
}

const benchStep = 31500 * time.Millisecond

func benchUser(i int) string  { return fmt.Sprintf("556%09d", i) }
func benchCard(i int) string  { return fmt.Sprintf("%032x", 0xC0FFEE0000+i) }
func benchAdmin(i int) string { return fmt.Sprintf("557%09d", i) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fillTrail appends n records in transactions of 10,000.
func fillTrail(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	actions := []string{"login", "session.role", "session.end", "renewal.complete", "unlock.complete", "admin.card"}
	const batch = 10_000
	for done := 0; done < n; done += batch {
		err := s.Update(ctx, func(tx store.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				u := rng.IntN(benchUsers)
				r := audit.Record{At: t0.Add(time.Duration(i) * benchStep), Action: actions[rng.IntN(len(actions))], Outcome: audit.OutcomeOK,
					UserID: benchUser(u), CardGUID: benchCard(u + rng.IntN(2)*benchUsers/5), WorkstationID: "ward-7-pc-3",
					SessionID: fmt.Sprintf("sess-%d", i/20), ClientAddr: "10.0.7.3", Detail: "from the card"}
				if rng.IntN(20) == 0 {
					r.Detail = "by " + benchAdmin(rng.IntN(benchAdmins)) + " as Registration Authority Agent at RDEMO1 (session s): seen with badge"
				}
				if _, err := audit.Append(ctx, tx, testKey, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
