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
