package testkit

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"
)

// FreshPostgres creates an empty database on the PostgreSQL rig `make test`
// starts (CARDAGENT_TEST_PG) and drops it when the test ends. Without the rig
// it skips, or fails under `make test`.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CARDAGENT_TEST_PG")
	if base == "" {
		if Required() {
			t.Fatal("CARDAGENT_TEST_PG is not set: make test starts PostgreSQL (scripts/pg-rig.sh)")
		}
		t.Skip("no PostgreSQL rig (CARDAGENT_TEST_PG); make test starts one")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("cardagent_e2e_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	admin := *u
	admin.Path = "/postgres"
	psql := func(sql string) {
		t.Helper()
		if out, err := exec.Command("psql", admin.String(), "-v", "ON_ERROR_STOP=1", "-qc", sql).CombinedOutput(); err != nil {
			t.Fatalf("psql %q: %v\n%s", sql, err, out)
		}
	}
	psql("CREATE DATABASE " + name)
	t.Cleanup(func() { psql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u.Path = "/" + name
	return u.String()
}
