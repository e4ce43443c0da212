// Package sqlstore implements store.Store over database/sql. The sqlite and
// postgres packages open the databases and supply a Dialect; the SQL text is
// shared ($N placeholders work in both, times are BIGINT microseconds).
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/backend/store"
)

// Dialect is what differs between the databases.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Migrator applies the embedded schema (goose on PostgreSQL, its own
	// goose-compatible runner on SQLite).
	Migrator Migrator
	// ForUpdate is appended to the chain-head read so that it locks the row
	// until commit (" FOR UPDATE"); empty where the database has a single
	// writer anyway.
	ForUpdate string
	// IsConflict recognises a unique-constraint violation.
	IsConflict func(error) bool
	// IsUnavailable recognises an error of a database that cannot answer
	// now (connection lost or refused, shut down, read-only, disk full).
	IsUnavailable func(error) bool
	// CacheStatements prepares each query once per pool (SQLite; pgx
	// already caches prepared statements per connection).
	CacheStatements bool
	// Snapshot is how Snapshot begins its read-only transaction: one
	// snapshot for every read in it (REPEATABLE READ on PostgreSQL; nil on
	// SQLite, whose WAL readers keep the snapshot of their first read).
	Snapshot *sql.TxOptions
}

// DB is a store.Store. Writes go through write, reads through read; SQLite
// uses a one-connection writer pool (no lock contention, no SQLITE_BUSY)
// and a separate reader pool, PostgreSQL one pool for both. Every write
// goes through one writer goroutine, which commits the transactions waiting
// together (groupcommit.go).
type DB struct {
	write, read           *sql.DB
	writeStmts, readStmts *stmtCache
	d                     Dialect
	w                     *writer // runs every Update (groupcommit.go)
}

// Migrator brings a database's schema up to date.
type Migrator interface {
	Up(ctx context.Context) error
	// Pending reports whether a migration is still to apply; it may write
	// nothing.
	Pending(ctx context.Context) (bool, error)
}

var _ store.Store = (*DB)(nil)

// New wraps open pools. read may be the same pool as write.
func New(write, read *sql.DB, d Dialect) (*DB, error) {
	if d.Migrator == nil {
		return nil, fmt.Errorf("sqlstore: the %s dialect has no migrator", d.Name)
	}
	db := &DB{write: write, read: read, d: d}
	if d.CacheStatements {
		db.writeStmts, db.readStmts = &stmtCache{db: write}, &stmtCache{db: read}
	}
	db.w = startWriter(db)
	return db, nil
}

// Kind implements store.Store.
func (db *DB) Kind() string { return db.d.Name }

// Migrate implements store.Store.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.d.Migrator.Up(ctx); err != nil {
		return fmt.Errorf("migrating %s: %w", db.d.Name, err)
	}
	return nil
}

// MigrationsCurrent implements store.Store.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	pending, err := db.d.Migrator.Pending(ctx)
	if err != nil {
		return false, fmt.Errorf("reading %s migration state: %w", db.d.Name, err)
	}
	return !pending, nil
}

// Ping implements store.Store.
func (db *DB) Ping(ctx context.Context) error { return db.mapErr(db.read.PingContext(ctx)) }

// Close implements store.Store.
func (db *DB) Close() error {
	db.w.stop()
	if db.d.CacheStatements {
		db.writeStmts.close()
		db.readStmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// View implements store.Store.
func (db *DB) View(ctx context.Context, fn func(store.Reader) error) error {
	if db.d.CacheStatements {
		return fn(&tx{q: cachedPool{db.readStmts}, d: &db.d})
	}
	return fn(&tx{q: db.read, d: &db.d})
}

// Snapshot implements store.Store: fn's reads see the database as it stood
// at one moment, whatever is written meanwhile.
func (db *DB) Snapshot(ctx context.Context, fn func(store.Reader) error) error {
	t, err := db.read.BeginTx(ctx, db.d.Snapshot)
	if err != nil {
		return fmt.Errorf("beginning %s snapshot: %w", db.d.Name, db.mapErr(err))
	}
	defer t.Rollback() // read only: nothing to commit
	return fn(&tx{q: t, d: &db.d})
}

// Update implements store.Store: fn runs on the writer goroutine, in a
// transaction it may share with other callers' functions (groupcommit.go).
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("beginning %s transaction: %w", db.d.Name, db.mapErr(err))
	}
	return db.submit(ctx, fn)
}

func (db *DB) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case db.d.IsConflict(err):
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case unavailable(&db.d, err):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// unavailable reports whether err says the database cannot answer now
// rather than that the request or the code is wrong.
func unavailable(d *Dialect, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || (d.IsUnavailable != nil && d.IsUnavailable(err))
}

// Raw is the write pool, for tests that tamper with rows and for admin
// tools; identityd itself goes through Update.
func (db *DB) Raw() *sql.DB { return db.write }
