package identity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/internal/testenv"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/client"
)

// auditSince reads every audit record after seq.
func auditSince(t *testing.T, s store.Store, seq int64) []audit.Record {
	t.Helper()
	ctx := context.Background()
	var rs []audit.Record
	err := s.View(ctx, func(r store.Reader) (err error) {
		rs, err = r.AuditRecords(ctx, seq, 1<<20)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func headSeq(t *testing.T, s store.Store) int64 {
	t.Helper()
	ctx := context.Background()
	var h audit.Head
	if err := s.View(ctx, func(r store.Reader) (err error) { h, err = r.AuditHead(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

func rowBytes(r *audit.Record) int {
	return len(r.Action) + len(r.Outcome) + len(r.UserID) + len(r.CardGUID) + len(r.WorkstationID) +
		len(r.SessionID) + len(r.ClientAddr) + len(r.Detail) + len(r.PrevHash) + len(r.Hash) + 16
}

// TestRefusalFloodIsBounded sends, from one address and without logging
// in, a bounded flood of garbage logins whose unknown field name is 45 KB,
// with real logins interleaved. The audit table must grow by a bounded
// number of bounded rows, every real login must have its record, and every
// refusal must be accounted for (its own record or a summary's count).
func TestRefusalFloodIsBounded(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := start(t, db, nil)
		ctx := context.Background()
		st := w.env.Store
		before := headSeq(t, st)
		garbage := `{"` + strings.Repeat("A", 45<<10) + `":1}`
		cl := w.env.Client("ward-flood")
		const total, loginEvery, workers = 2000, 100, 8

		var mu sync.Mutex
		var sessions []string
		var firstErr error
		fail := func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if firstErr == nil {
				firstErr = err
			}
		}
		jobs := make(chan int)
		var wg sync.WaitGroup
		startAt := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if i%loginEvery == 0 {
						s, err := testenv.Login(ctx, cl, w.ada)
						if err != nil {
							fail(fmt.Errorf("real login %d: %w", i, err))
							continue
						}
						mu.Lock()
						sessions = append(sessions, s.ID)
						mu.Unlock()
						continue
					}
					err := sendRaw(w, api.RouteCreateSession, nil, garbage)
					var ae *client.APIError
					if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Code != api.CodeUnknownField {
						fail(fmt.Errorf("garbage login %d: %v, want 400 unknown_field", i, err))
					} else if len(ae.Message) > 64 {
						fail(fmt.Errorf("garbage login %d: the refusal echoes %d bytes", i, len(ae.Message)))
					}
				}
			}()
		}
		for i := range total {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		elapsed := time.Since(startAt)
		if firstErr != nil {
			t.Fatal(firstErr)
		}
		if err := w.env.Svc.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}

		recs := auditSince(t, st, before)
		logins := total / loginEvery
		refusals := total - logins
		var individual, summarised int64
		maxDetail, maxRow := 0, 0
		loggedIn := map[string]bool{}
		for i := range recs {
			r := &recs[i]
			maxDetail, maxRow = max(maxDetail, len(r.Detail)), max(maxRow, rowBytes(r))
			if r.ClientAddr != "127.0.0.1" {
				t.Errorf("record %d (%s) has client address %q, want 127.0.0.1", r.Seq, r.Action, r.ClientAddr)
			}
			switch {
			case r.Action == "login" && r.Outcome == audit.OutcomeOK:
				loggedIn[r.SessionID] = true
			case r.Action == "login" && r.Outcome == string(api.CodeUnknownField):
				individual++
			case r.Action == audit.ActionRefusalsSuppressed:
				var n int64
				if _, err := fmt.Sscanf(r.Detail, "%d refusals", &n); err != nil {
					t.Fatalf("summary record %d: %q", r.Seq, r.Detail)
				}
				summarised += n
			}
		}
		t.Logf("%s flood: %d requests (%d garbage logins of %d bytes, %d real logins) in %v: %d audit rows written, max detail %d bytes, max row %d bytes; %d refusals recorded one by one, %d counted in summaries",
			st.Kind(), total, refusals, len(garbage), logins, elapsed.Round(time.Millisecond), len(recs), maxDetail, maxRow, individual, summarised)

		for _, id := range sessions {
			if !loggedIn[id] {
				t.Errorf("real login %s has no audit record", id)
			}
		}
		if len(sessions) != logins {
			t.Errorf("%d real logins succeeded, want %d", len(sessions), logins)
		}
		if individual+summarised != int64(refusals) {
			t.Errorf("%d refusals recorded + %d summarised, want %d accounted for", individual, summarised, refusals)
		}
		// The bound: the burst, what the rate refills while the flood lasts,
		// the summaries (one per interval, plus the flush), and the logins.
		summaries := int(elapsed/identity.RefusalSummaryInterval) + 2
		bound := identity.RefusalAuditBurst + int(identity.RefusalAuditRate*elapsed.Seconds()) + 1 + summaries + logins
		if len(recs) > bound {
			t.Errorf("the flood wrote %d audit rows, want at most %d", len(recs), bound)
		}
		if maxRow > 512 {
			t.Errorf("largest audit row is %d bytes, want at most 512", maxRow)
		}
		verifyAudit(t, w)
	})
}

// TestAuditClientAddress: every record names the client's address; an
// X-Forwarded-For header is not believed unless the peer is a configured
// trusted proxy (none by default).
func TestAuditClientAddress(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		w := start(t, db, nil)
		ctx := context.Background()
		if _, err := testenv.Login(ctx, w.env.Client("ws-1"), w.ada); err != nil {
			t.Fatal(err)
		}
		if rec := lastAudit(t, w.env.Store); rec.Action != "login" || rec.ClientAddr != "127.0.0.1" {
			t.Fatalf("login record %+v, want client address 127.0.0.1", rec)
		}
		req, err := http.NewRequestWithContext(ctx, "POST", w.env.URL+"/v1/challenges", strings.NewReader(`{"x":1}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := w.env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if rec := lastAudit(t, w.env.Store); rec.Outcome != string(api.CodeUnknownField) || rec.ClientAddr != "127.0.0.1" {
			t.Fatalf("refusal record %+v, want client address 127.0.0.1 (X-Forwarded-For not trusted)", rec)
		}
	})
}
