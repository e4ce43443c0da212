package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

// Group commit. Every Update goes to one writer goroutine per DB, which
// runs the functions waiting at that moment in one database transaction,
// in the order they arrived, each inside a savepoint, and commits them
// together: one commit (one WAL append on SQLite, one round trip and flush
// on PostgreSQL) and one read and write of the audit chain head per batch
// instead of per function. A function that returns an error is rolled back
// to its savepoint alone; a batch that cannot commit fails every caller in
// it. Nobody is answered before the batch's commit has returned.

// maxBatch bounds how many functions share one transaction, so one batch
// does not hold the writer (and on PostgreSQL the chain head) for long.
// On PostgreSQL each function's savepoint is a subtransaction, and more
// than 64 in one transaction overflow the server's per-backend cache.
const maxBatch = 48

// maxYields is how many scheduling turns the writer gives callers to join
// a batch before it starts it.
const maxYields = 2

// ErrClosed is an Update on a closed DB.
var ErrClosed = errors.New("store closed")

// pending is one Update waiting for its batch.
type pending struct {
	ctx      context.Context
	fn       func(store.Tx) error
	err      error
	panicked any // what fn panicked with, raised again in the caller
	done     chan struct{}
}

// call runs p's function on t; a panic becomes an error here (the writer
// must survive it) and is raised again in the caller's goroutine.
func (p *pending) call(t *tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			p.panicked = v
			err = fmt.Errorf("sqlstore: the transaction's function panicked: %v", v)
		}
	}()
	return p.fn(t)
}

// writer is the goroutine that runs every batch of a DB.
type writer struct {
	reqs     chan *pending // unbuffered: a request is either taken by the writer or never sent
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	batches, fns, largest atomic.Int64
}

// GroupCommitStats counts the batches a DB's writer ran and the functions
// in them.
type GroupCommitStats struct {
	Batches, Functions int64
	Largest            int64 // functions in the largest batch
}

// GroupCommitStats is what the writer has run so far.
func (db *DB) GroupCommitStats() GroupCommitStats {
	return GroupCommitStats{Batches: db.w.batches.Load(), Functions: db.w.fns.Load(), Largest: db.w.largest.Load()}
}

func startWriter(db *DB) *writer {
	w := &writer{reqs: make(chan *pending), quit: make(chan struct{}), done: make(chan struct{})}
	go w.loop(db)
	return w
}

// stop ends the writer after the batch it is running.
func (w *writer) stop() {
	w.stopOnce.Do(func() { close(w.quit) })
	<-w.done
}

func (w *writer) loop(db *DB) {
	defer close(w.done)
	batch := make([]*pending, 0, maxBatch)
	yields := 0
	for {
		select {
		case p := <-w.reqs:
			batch, yields = append(batch[:0], p), 0
		case <-w.quit:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case p := <-w.reqs:
				batch = append(batch, p)
				continue
			default:
			}
			if yields >= maxYields {
				break more
			}
			// Let callers that are ready to submit reach the queue: on a busy
			// machine they are a scheduling turn away, and a larger batch
			// costs less per function than a second commit.
			yields++
			runtime.Gosched()
		}
		db.runBatch(batch)
		w.count(len(batch))
		for _, p := range batch {
			close(p.done)
		}
		clear(batch) // drop the callers' functions
	}
}

func (w *writer) count(n int) {
	w.batches.Add(1)
	w.fns.Add(int64(n))
	if int64(n) > w.largest.Load() {
		w.largest.Store(int64(n)) // only the writer stores
	}
}

// submit hands fn to the writer and waits for its batch. A caller whose
// context ends before the writer took its function returns at once; once
// taken, it waits for the batch's outcome, so its answer is definite.
func (db *DB) submit(ctx context.Context, fn func(store.Tx) error) error {
	p := &pending{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case db.w.reqs <- p:
	case <-ctx.Done():
		return fmt.Errorf("beginning %s transaction: %w", db.d.Name, db.mapErr(ctx.Err()))
	case <-db.w.quit:
		return fmt.Errorf("beginning %s transaction: %w", db.d.Name, ErrClosed)
	}
	<-p.done
	if p.panicked != nil {
		panic(p.panicked)
	}
	return p.err
}

// runBatch runs batch in one transaction and sets each caller's err.
func (db *DB) runBatch(batch []*pending) {
	ctx, cancel := batchContext(batch)
	defer cancel()
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		failAll(batch, fmt.Errorf("beginning %s transaction: %w", db.d.Name, db.mapErr(err)))
		return
	}
	if db.d.CacheStatements {
		// The connection is free again afterwards: prepare what ran unprepared.
		defer db.writeStmts.preparePending(context.WithoutCancel(ctx))
	}
	var q querier = sqlTx
	if db.d.CacheStatements {
		q = cachedTx{tx: sqlTx, c: db.writeStmts}
	}
	t := &tx{q: batchQuerier{q: q, ctx: ctx}, d: &db.d, write: true, head: &headCache{}}
	if err := db.runFns(ctx, t, batch); err != nil {
		_ = sqlTx.Rollback()
		failAll(batch, err)
		return
	}
	err = t.flushHead(ctx)
	if err == nil {
		if err = sqlTx.Commit(); err != nil {
			err = fmt.Errorf("committing %s transaction: %w", db.d.Name, db.mapErr(err))
		}
	} else {
		_ = sqlTx.Rollback()
	}
	if err != nil {
		failAll(batch, err)
	}
}

// Every function's savepoint takes one name, so one text keeps one prepared
// statement. None is released: each nests in the one before, a rollback
// goes to the newest of the name (the function's own), and the commit
// ends them all, one statement (one round trip) a function fewer.
const (
	savepointSet      = `SAVEPOINT fn`
	savepointRollback = `ROLLBACK TO SAVEPOINT fn`
)

// runFns runs each function of batch in t, in order, setting its err. A
// function alone in its batch runs without a savepoint: its error fails
// the transaction, which runFns reports. The error returned is one that
// breaks the whole batch (a savepoint that cannot be set or undone).
func (db *DB) runFns(ctx context.Context, t *tx, batch []*pending) error {
	if db.d.ForUpdate != "" {
		// Chain head first, in every batch of every instance: the one lock
		// order (head, then rows) under which batches cannot deadlock.
		if _, err := t.LockAuditHead(ctx); err != nil {
			return err
		}
	}
	if len(batch) == 1 {
		p := batch[0]
		if err := p.ctx.Err(); err != nil {
			return fmt.Errorf("beginning %s transaction: %w", db.d.Name, db.mapErr(err))
		}
		return p.call(t)
	}
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = fmt.Errorf("beginning %s transaction: %w", db.d.Name, db.mapErr(err)) // never ran
			continue
		}
		if err := t.exec(ctx, "setting a savepoint", savepointSet); err != nil {
			return err
		}
		mark := t.head.mark()
		if p.err = p.call(t); p.err != nil {
			t.head.undo(mark)
			if err := t.exec(ctx, "rolling back to a savepoint", savepointRollback); err != nil {
				return err
			}
		}
	}
	return nil
}

// failAll gives err to every caller of batch whose function did not fail
// on its own: a caller whose function failed keeps its error (its changes
// were rolled back either way).
func failAll(batch []*pending, err error) {
	for _, p := range batch {
		if p.err == nil {
			p.err = err
		}
	}
}

// batchContext is what a batch's statements run under: no caller's
// cancellation (one caller going away must not break the transaction of
// the others), and the latest of the callers' deadlines if each has one.
func batchContext(batch []*pending) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, p := range batch {
		d, ok := p.ctx.Deadline()
		if !ok {
			return context.WithCancel(context.Background())
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

// batchQuerier runs every statement under the batch's context, whichever
// context the function passed.
type batchQuerier struct {
	q   querier
	ctx context.Context
}

func (b batchQuerier) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	return b.q.ExecContext(b.ctx, query, args...)
}

func (b batchQuerier) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return b.q.QueryContext(b.ctx, query, args...)
}

func (b batchQuerier) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	return b.q.QueryRowContext(b.ctx, query, args...)
}
