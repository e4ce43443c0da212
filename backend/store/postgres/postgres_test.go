package postgres_test

import (
	"context"
	"testing"

	"github.com/cardagent/cardagent/backend/store/postgres"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
	"github.com/cardagent/cardagent/backend/store/storetest"
	"github.com/cardagent/cardagent/internal/testkit"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		dsn := testkit.Postgres(t)
		return func(t *testing.T) *sqlstore.DB {
			db, err := postgres.Open(context.Background(), dsn)
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
	storetest.NeedAuditBench(b)
	db, err := postgres.Open(context.Background(), testkit.Postgres(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchAuditSearch(b, db)
}
