package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cardagent/cardagent/backend/store/sqlite"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
	"github.com/cardagent/cardagent/backend/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "identityd.db")
		return func(t *testing.T) *sqlstore.DB {
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db
		}
	})
}

// TestFilesPrivate: the database and its WAL and SHM files are 0600, also
// under a permissive umask, and an older file readable by others is narrowed.
func TestFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "identityd.db")
	for _, p := range []string{path, filepath.Join(dir, "old.db")} {
		if p != path {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db, err := sqlite.Open(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{p, p + "-wal", p + "-shm"} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %v, want 0600", filepath.Base(f), perm)
			}
		}
		db.Close()
	}
}

// BenchmarkAuditSearch: the audit view's searches over a million records
// (storetest.BenchAuditSearch; CARDAGENT_BENCH_AUDIT=1, make bench).
func BenchmarkAuditSearch(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "identityd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchAuditSearch(b, db)
}
