// Package testrig gives tests the rigs `make test` starts: a PostgreSQL
// database per test from CARDAGENT_TEST_PG. Without the rig a test skips with
// the reason, unless CARDAGENT_RIGS=1 says the rig was meant to be there —
// then it fails.
package testrig

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// RigsRequired reports whether make test started the rigs.
func RigsRequired() bool { return os.Getenv("CARDAGENT_RIGS") == "1" }

// Postgres returns the DSN of a fresh, empty database on the rig's server,
// dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CARDAGENT_TEST_PG")
	if base == "" {
		if RigsRequired() {
			t.Fatal("CARDAGENT_RIGS=1 but CARDAGENT_TEST_PG is not set: the PostgreSQL rig did not start")
		}
		t.Skip("no PostgreSQL: set CARDAGENT_TEST_PG (scripts/pg-rig.sh start DIR) to run this test")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("CARDAGENT_TEST_PG: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("opening CARDAGENT_TEST_PG: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("creating test database on %s: %v", u.Host, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}
