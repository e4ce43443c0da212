package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/cardagent/cardagent/backend/commands"
	"github.com/cardagent/cardagent/internal/testkit"
)

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatalf("identityd %v: %v", args, err)
	}
	return out.String()
}

func TestServeShutsDownCleanly(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-data-dir", dir, "-listen", "127.0.0.1:0", "-metrics-listen", "127.0.0.1:0"}, out, io.Discard)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "metrics on http://") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// /metrics is served on its own plain-HTTP listener.
	m := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(out.String())
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "identityd_http_requests_total") && !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("GET %s = %d %q", m[1], resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after cancel: %v, want nil (clean shutdown)", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if fp := runOK(t, "ca", "fingerprint", "-data-dir", dir); !strings.Contains(out.String(), strings.TrimSpace(fp)) {
		t.Fatalf("serve printed %q, ca fingerprint says %q", out.String(), fp)
	}
}

func TestDemoAdminAndAuditVerify(t *testing.T) {
	dir := t.TempDir()
	cards := filepath.Join(dir, "cards")
	runOK(t, "migrate", "-data-dir", dir)
	runOK(t, "demo", "-data-dir", dir, "-card-dir", cards)
	runOK(t, "demo", "-data-dir", dir, "-card-dir", cards) // idempotent
	if _, err := os.Stat(filepath.Join(cards, "555000000001.9a.crt.pem")); err != nil {
		t.Fatal(err)
	}
	runOK(t, "user", "add", "-data-dir", dir, "-id", "555000000099", "-name", "New Starter")
	runOK(t, "role", "grant", "-data-dir", dir, "-user", "555000000099", "-org", "RDEMO1", "-role", "Nurse")
	if out := runOK(t, "role", "list", "-data-dir", dir, "-user", "555000000099"); !strings.Contains(out, "Nurse") {
		t.Fatalf("role list: %q", out)
	}
	guid, _ := os.ReadFile(filepath.Join(cards, "555000000002.guid"))
	runOK(t, "card", "cancel", "-data-dir", dir, "-guid", strings.TrimSpace(string(guid)), "-reason", "lost")
	if out := runOK(t, "card", "list", "-data-dir", dir); !strings.Contains(out, "cancelled") {
		t.Fatalf("card list: %q", out)
	}
	if out := runOK(t, "audit", "verify", "-data-dir", dir); !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %q", out)
	}

	// Tamper with one record: verify must fail and name it.
	db, err := sql.Open("sqlite", filepath.Join(dir, "identityd.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit SET user_id = '555000000001' WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = run(context.Background(), []string{"audit", "verify", "-data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "record 7") {
		t.Fatalf("audit verify after tampering: %v, want a failure naming record 7", err)
	}
}

// TestMissingSecretRefused: with the database there but its secret file
// gone, identityd refuses to start and says so, and creates no new secret.
func TestMissingSecretRefused(t *testing.T) {
	dir := t.TempDir()
	runOK(t, "migrate", "-data-dir", dir)
	secret := filepath.Join(dir, "identityd.secret")
	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"migrate", "serve"} {
		err := run(context.Background(), []string{cmd, "-data-dir", dir, "-listen", "127.0.0.1:0", "-metrics-listen", "off"}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "secret file") || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("identityd %s without its secret file: %v, want a refusal naming the missing secret file", cmd, err)
		}
		if _, err := os.Stat(secret); !os.IsNotExist(err) {
			t.Fatalf("identityd %s created a new secret file (%v)", cmd, err)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// TestEveryCommandHelps: each command of the table parses its own FlagSet
// (-h answers before any store is opened).
func TestEveryCommandHelps(t *testing.T) {
	for _, name := range commands.Names() {
		dir := filepath.Join(t.TempDir(), "data")
		err := run(context.Background(), append(strings.Fields(name), "-data-dir", dir, "-h"), io.Discard, io.Discard)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("identityd %s -h: %v, want flag.ErrHelp", name, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("identityd %s -h created %s", name, dir)
		}
	}
}
