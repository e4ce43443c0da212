// Package sqlite opens identityd's store in a SQLite file (modernc.org/sqlite,
// pure Go): WAL, synchronous=NORMAL, a busy timeout, one writer connection
// and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	sqlitedrv "modernc.org/sqlite"

	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/migrations"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// Driver is the SQLite store.Driver.
var Driver = store.Driver{Kind: "sqlite", Open: func(ctx context.Context, path string) (store.Store, error) {
	db, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return db, nil
}}

// Open opens (creating if needed) the database at path. It does not migrate.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the database directory: %w", err)
	}
	if err := private(path); err != nil {
		return nil, err
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// BEGIN IMMEDIATE: a write transaction takes the lock when it starts, so
	// it never fails to upgrade a read lock half way.
	write, err := sql.Open("sqlite", base+"?_pragma=journal_mode(WAL)&"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("opening sqlite %s for reading: %w", path, err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	ms, err := loadMigrations(migrations.SQLite())
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	return sqlstore.New(write, read, sqlstore.Dialect{
		Name:            "sqlite",
		Migrator:        &migrator{db: write, ms: ms},
		IsConflict:      isConflict,
		IsUnavailable:   isUnavailable,
		CacheStatements: true,
	})
}

// private creates the database file 0600 if missing, so that SQLite, which
// gives its -wal and -shm files the database file's mode, makes them 0600
// too; files an older identityd left readable by others are narrowed.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("creating the database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("making %s private: %w", p, err)
			}
		}
	}
	return nil
}

// SQLite extended result codes for unique and primary-key violations.
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

func isConflict(err error) bool {
	var e *sqlitedrv.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqliteConstraintUnique || e.Code() == sqliteConstraintPrimaryKey ||
		(e.Code()&0xff == 19 && strings.Contains(e.Error(), "UNIQUE"))
}

// SQLite primary result codes of a database that cannot take the request
// now: busy or locked past the timeout, out of memory, read-only, I/O
// error, disk full, cannot open.
var unavailableCodes = map[int]bool{5: true, 6: true, 7: true, 8: true, 10: true, 13: true, 14: true}

func isUnavailable(err error) bool {
	var e *sqlitedrv.Error
	return errors.As(err, &e) && unavailableCodes[e.Code()&0xff]
}
