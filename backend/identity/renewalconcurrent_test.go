package identity_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/config"
)

// TestConcurrentRenewals renews cards from several workstations at once on
// both stores, so renewal steps share group-committed transactions: every
// renewal completes, each of its eight steps left one audit record naming
// it, and the chain verifies against its signed checkpoints.
func TestConcurrentRenewals(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		cps := filepath.Join(t.TempDir(), "audit.checkpoints")
		w := startWith(t, db, nil, func(c *config.Config) { c.AuditCheckpoints = cps })
		const cards = 12
		var cs []*softCard
		for i := range cards {
			cs = append(cs, w.softCard(t, "ws-concurrent-"+string(rune('a'+i))))
		}
		w.clock.Advance(700 * day) // inside the renewal window
		var wg sync.WaitGroup
		for _, c := range cs {
			wg.Go(func() { c.toStep(7) })
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		want := map[string]int{"renewal.open": 1, "renewal.card_auth": 3, "renewal.record_key": 2, "renewal.issue": 1, "renewal.complete": 1}
		recs := auditRecords(t, w.env.Store)
		for _, c := range cs {
			if c.ren.State != api.RenewalStateCompleted {
				t.Errorf("renewal %s ended %s", c.ren.ID, c.ren.State)
			}
			got := map[string]int{}
			for _, r := range recs {
				if strings.HasPrefix(r.Detail, "renewal "+c.ren.ID) {
					if r.Outcome != audit.OutcomeOK {
						t.Errorf("renewal %s: %s audited %s", c.ren.ID, r.Action, r.Outcome)
					}
					got[r.Action]++
				}
			}
			for action, n := range want {
				if got[action] != n {
					t.Errorf("renewal %s: %d %s records, want %d", c.ren.ID, got[action], action, n)
				}
			}
		}
		ctx := context.Background()
		must(t, w.env.Svc.FlushAudit(ctx))
		sum, err := w.env.Svc.VerifyAuditCheckpoints(ctx, cps)
		if err != nil || sum.Checkpoints == 0 {
			t.Fatalf("verifying the chain against its checkpoints: %+v, %v", sum, err)
		}
	})
}
