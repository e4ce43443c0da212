package testkit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cardagent/cardagent/backend/store/postgres"
)

// Postgres returns the DSN of a fresh, empty database on the PostgreSQL rig
// `make test` starts (CARDAGENT_TEST_PG, scripts/pg-rig.sh), dropped when the
// test ends. Without the rig the test skips with the reason, unless
// Required() says the rig was meant to be there: then it fails.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CARDAGENT_TEST_PG")
	if base == "" {
		if Required() {
			t.Fatal("CARDAGENT_RIGS=1 but CARDAGENT_TEST_PG is not set: the PostgreSQL rig did not start")
		}
		t.Skip("no PostgreSQL: set CARDAGENT_TEST_PG (scripts/pg-rig.sh start DIR) to run this test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, drop, err := postgres.FreshDatabase(ctx, base)
	if err != nil {
		t.Fatalf("CARDAGENT_TEST_PG: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Logf("%v", err)
		}
	})
	return dsn
}
