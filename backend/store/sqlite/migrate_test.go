package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/cardagent/cardagent/backend/store/migrations"
	"github.com/cardagent/cardagent/backend/store/sqlite"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// gooseOn is the goose Provider earlier identityd versions migrated their
// SQLite files with.
func gooseOn(t *testing.T, path string) (*goose.Provider, *sql.DB) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, migrations.SQLite())
	if err != nil {
		t.Fatal(err)
	}
	return p, raw
}

func versionRows(t *testing.T, raw *sql.DB) []int64 {
	t.Helper()
	rows, err := raw.Query(`SELECT version_id FROM goose_db_version WHERE is_applied ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// TestGooseCompatible: a file goose migrated (fully or part way) is taken
// up where goose left it, and a file this runner migrated is current for
// goose, with the same version rows either way.
func TestGooseCompatible(t *testing.T) {
	ctx := context.Background()
	const newest = 9 // the newest embedded migration
	want := []int64{0, 1, 3, 4, 5, 6, 7, 8, 9}
	open := func(path string) *sqlstore.DB {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	for _, tc := range []struct {
		name     string
		gooseTo  int64 // 0: goose never ran
		wantRows []int64
	}{
		{"fresh", 0, want},
		{"goose up to 1", 1, want},
		{"goose up to 4", 4, want},
		{"goose up to 5", 5, want},
		{"goose up to the newest", newest, want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "identityd.db")
			p, raw := gooseOn(t, path)
			if tc.gooseTo > 0 {
				if _, err := p.UpTo(ctx, tc.gooseTo); err != nil {
					t.Fatal(err)
				}
			}
			db := open(path)
			if ok, err := db.MigrationsCurrent(ctx); err != nil || ok != (tc.gooseTo == newest) {
				t.Fatalf("MigrationsCurrent after goose up to %d = %v, %v", tc.gooseTo, ok, err)
			}
			for range 2 { // the second run finds nothing to do
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := db.MigrationsCurrent(ctx); err != nil || !ok {
				t.Fatalf("MigrationsCurrent after Migrate = %v, %v", ok, err)
			}
			if got := versionRows(t, raw); !slices.Equal(got, tc.wantRows) {
				t.Fatalf("version rows %v, want %v", got, tc.wantRows)
			}
			if pending, err := p.HasPending(ctx); err != nil || pending {
				t.Fatalf("goose HasPending on the migrated file = %v, %v", pending, err)
			}
			if v, err := p.GetDBVersion(ctx); err != nil || v != newest {
				t.Fatalf("goose version %d, %v", v, err)
			}
		})
	}
}

// TestMigrationsPendingWritesNothing: asking an empty file whether it is
// migrated creates no version table (the read-only admin commands).
func TestMigrationsPendingWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "identityd.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ok, err := db.MigrationsCurrent(ctx); err != nil || ok {
		t.Fatalf("MigrationsCurrent on an empty file = %v, %v", ok, err)
	}
	var n int
	if err := db.Raw().QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d tables after MigrationsCurrent (%v), want none", n, err)
	}
}

// TestMissingMigrationRefused: a version below the newest applied one that
// is not applied is an error, as goose has it.
func TestMissingMigrationRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "identityd.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var newest int64
	if err := db.Raw().QueryRow(`SELECT MAX(version_id) FROM goose_db_version`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Raw().Exec(`DELETE FROM goose_db_version WHERE version_id = 3`); err != nil {
		t.Fatal(err)
	}
	var me *sqlite.MissingMigrationsError
	if err := db.Migrate(ctx); !errors.As(err, &me) || !slices.Equal(me.Missing, []int64{3}) || me.Newest != newest {
		t.Fatalf("Migrate with version 3 missing: %v, want MissingMigrationsError{[3], %d}", err, newest)
	}
}
