package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// The group commit tests (sqlstore/groupcommit.go): concurrent callers,
// callers whose function fails or panics inside a shared transaction, a
// caller gone before its turn, a batch that cannot commit; after each the
// chain verifies and holds exactly what was answered as done.

var errRefused = errors.New("refused by the function")

// appendOne is an Update that appends a record whose detail is what, and
// then returns fail (the append is to be rolled back if fail is not nil).
func appendOne(ctx context.Context, s store.Store, what string, fail error) (audit.Record, error) {
	var rec audit.Record
	err := s.Update(ctx, func(tx store.Tx) (err error) {
		rec, err = audit.Append(ctx, tx, testKey, audit.Record{At: time.Now(), Action: "test", Outcome: audit.OutcomeOK, Detail: what})
		if err != nil {
			return err
		}
		return fail
	})
	return rec, err
}

// details is every record's detail in chain order.
func details(t *testing.T, s store.Store) []string {
	t.Helper()
	var ds []string
	for _, r := range records(t, s) {
		ds = append(ds, r.Detail)
	}
	return ds
}

// testGroupCommitConcurrent: many callers at once, one in five refused by
// its own function after appending. Every caller answered done is in the
// chain once, in the order of its own calls; no refused one is.
func testGroupCommitConcurrent(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	ctx := context.Background()
	const callers, each = 8, 40
	seqs := make([][]int64, callers)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				var fail error
				if (c+i)%5 == 0 {
					fail = errRefused
				}
				rec, err := appendOne(ctx, s, fmt.Sprintf("c%d-%d", c, i), fail)
				switch {
				case fail != nil && !errors.Is(err, errRefused):
					t.Errorf("caller %d call %d: %v, want its own refusal", c, i, err)
				case fail == nil && err != nil:
					t.Errorf("caller %d call %d: %v", c, i, err)
				case fail == nil:
					seqs[c] = append(seqs[c], rec.Seq)
				}
			}
		})
	}
	wg.Wait()
	var want []string
	for c := range callers {
		if !slices.IsSorted(seqs[c]) {
			t.Errorf("caller %d's records are out of its call order: %v", c, seqs[c])
		}
		for i := range each {
			if (c+i)%5 != 0 {
				want = append(want, fmt.Sprintf("c%d-%d", c, i))
			}
		}
	}
	got := details(t, s)[1:] // after the audit.keyed record
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the chain holds %d records, want the %d answered as done", len(got), len(want))
	}
	sum, err := verify(t, s, checkpoint(t, s)...)
	if err != nil || sum.Records != int64(len(want))+1 {
		t.Fatalf("Verify = %+v, %v; want %d records", sum, err, len(want)+1)
	}
	st := s.GroupCommitStats()
	t.Logf("%d functions in %d batches, the largest %d", st.Functions, st.Batches, st.Largest)
}

// batchOf runs the calls as one batch, in their order: the writer is held
// by a gate function while the calls are handed over one after the other
// (the writer takes waiting calls first come, first served), then
// released. The calls' goroutines cannot be seen waiting, so each is
// given time to reach the writer; the test fails if they did not share
// the batch after the gate.
func batchOf(t *testing.T, s *sqlstore.DB, calls []func()) {
	t.Helper()
	before := s.GroupCommitStats()
	release, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.Update(context.Background(), func(store.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	var wg sync.WaitGroup
	for _, call := range calls {
		wg.Go(call)
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := s.GroupCommitStats().Batches - before.Batches; n != 2 {
		t.Fatalf("the calls took %d batches after the gate's, want 1", n-1)
	}
}

// testGroupCommitOneBatch: in one shared transaction a function that
// returns an error and one that panics are undone alone, a caller whose
// context ends after the writer took it but before its turn is either
// never run or answered done (never answered early), and the others commit.
func testGroupCommitOneBatch(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	ctx := context.Background()
	appendN(t, s, 1, "before")
	late, leave := context.WithCancel(ctx)
	defer leave()
	var ranLate atomic.Bool
	var errs [5]error
	var panicked any
	calls := []func(){
		func() { _, errs[0] = appendOne(ctx, s, "ok-0", nil) },
		func() { _, errs[1] = appendOne(ctx, s, "refused", errRefused) },
		func() {
			defer func() { panicked = recover() }()
			_ = s.Update(ctx, func(tx store.Tx) error {
				if _, err := audit.Append(ctx, tx, testKey, audit.Record{At: time.Now(), Action: "test", Outcome: audit.OutcomeOK, Detail: "panicked"}); err != nil {
					return err
				}
				leave() // the last caller goes away while the batch runs
				panic("boom")
			})
		},
		func() { _, errs[3] = appendOne(ctx, s, "ok-3", nil) },
		func() {
			errs[4] = s.Update(late, func(tx store.Tx) error {
				ranLate.Store(true)
				_, err := audit.Append(ctx, tx, testKey, audit.Record{At: time.Now(), Action: "test", Outcome: audit.OutcomeOK, Detail: "late"})
				return err
			})
		},
	}
	batchOf(t, s, calls)
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("the callers whose functions succeeded: %v, %v", errs[0], errs[3])
	}
	if !errors.Is(errs[1], errRefused) {
		t.Errorf("the refused function's caller: %v, want its refusal", errs[1])
	}
	if panicked != "boom" {
		t.Errorf("the panicking function's caller recovered %v, want its panic", panicked)
	}
	want := []string{"ok-0", "ok-3"}
	switch {
	case ranLate.Load() && errs[4] == nil:
		want = append(want, "late")
		t.Log("the late caller's function ran before it left")
	case ranLate.Load() || !errors.Is(errs[4], context.Canceled):
		t.Errorf("the caller that left: %v, ran %v; want done, or context.Canceled and never run", errs[4], ranLate.Load())
	}
	got := details(t, s)[2:] // the audit.keyed record and "before"
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the chain holds %q after the batch, want %q", got, want)
	}
	if _, err := verify(t, s, checkpoint(t, s)...); err != nil {
		t.Fatal(err)
	}
}

// failHead makes every write of the chain head fail, as a commit that
// cannot be made would; the returned function undoes it.
func failHead(t *testing.T, s *sqlstore.DB) func() {
	t.Helper()
	create, drop := `CREATE TRIGGER fail_head BEFORE UPDATE ON audit_head BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, `DROP TRIGGER fail_head`
	if s.Kind() == "postgres" {
		create = `CREATE FUNCTION fail_head() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
			CREATE TRIGGER fail_head BEFORE UPDATE ON audit_head FOR EACH ROW EXECUTE FUNCTION fail_head()`
		drop = `DROP TRIGGER fail_head ON audit_head; DROP FUNCTION fail_head()`
	}
	_, err := s.Raw().Exec(create)
	must(t, err)
	return func() {
		_, err := s.Raw().Exec(drop)
		must(t, err)
	}
}

// testGroupCommitFailedBatch: a batch whose commit fails fails every
// caller in it, leaves nothing of any of them, and the writer goes on.
func testGroupCommitFailedBatch(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	ctx := context.Background()
	appendN(t, s, 2, "before")
	before := details(t, s)
	undo := failHead(t, s)
	var errs [4]error
	var calls []func()
	for i := range errs {
		calls = append(calls, func() { _, errs[i] = appendOne(ctx, s, fmt.Sprint("lost-", i), nil) })
	}
	batchOf(t, s, calls)
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Errorf("caller %d of the failed batch: %v, want the batch's failure", i, err)
		}
	}
	if got := details(t, s); !slices.Equal(got, before) {
		t.Errorf("after the failed batch the chain holds %q, want %q", got, before)
	}
	undo()
	appendN(t, s, 1, "after")
	sum, err := verify(t, s, checkpoint(t, s)...)
	if err != nil || sum.Records != int64(len(before))+1 {
		t.Fatalf("Verify after the failed batch = %+v, %v", sum, err)
	}
}

// testGroupCommitConnectionLost (PostgreSQL): the writer's connection is
// killed in the middle of a batch; every caller in it fails, nothing of
// them stays, and the next batch takes a new connection.
func testGroupCommitConnectionLost(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	if s.Kind() != "postgres" {
		t.Skip("a PostgreSQL connection")
	}
	ctx := context.Background()
	appendN(t, s, 1, "before")
	before := details(t, s)
	var errs [3]error
	calls := []func(){
		func() { _, errs[0] = appendOne(ctx, s, "lost-0", nil) },
		func() {
			errs[1] = s.Update(ctx, func(tx store.Tx) error {
				// The writer's session waits in its transaction for this
				// function: end it from another connection.
				var n int
				return s.Raw().QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`).Scan(&n)
			})
		},
		func() { _, errs[2] = appendOne(ctx, s, "lost-2", nil) },
	}
	batchOf(t, s, calls)
	for i, err := range errs {
		if err == nil {
			t.Errorf("caller %d of the batch whose connection was lost: answered done", i)
		}
	}
	if got := details(t, s); !slices.Equal(got, before) {
		t.Errorf("after the lost batch the chain holds %q, want %q", got, before)
	}
	appendN(t, s, 1, "after")
	if _, err := verify(t, s, checkpoint(t, s)...); err != nil {
		t.Fatal(err)
	}
}

// testGroupCommitClosed: an Update after Close is refused.
func testGroupCommitClosed(t *testing.T, newDB func(t *testing.T) Opener) {
	s := newDB(t)(t)
	must(t, s.Close())
	err := s.Update(context.Background(), func(store.Tx) error { return nil })
	if !errors.Is(err, sqlstore.ErrClosed) {
		t.Fatalf("Update after Close: %v, want ErrClosed", err)
	}
}
