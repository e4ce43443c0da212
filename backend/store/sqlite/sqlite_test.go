package sqlite_test

import (
	"context"
	"path/filepath"
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
