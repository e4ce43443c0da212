//go:build !windows

package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cardagent/cardagent/backend/store/sqlite"
)

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
