package main

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditVerifyCheckpoint cuts the last records off the chain and moves
// the head back, as one sqlite3 command can: the rows alone still verify,
// the checkpoint file identityd wrote in the data dir does not let it pass.
func TestAuditVerifyCheckpoint(t *testing.T) {
	dir := t.TempDir()
	runOK(t, "migrate", "-data-dir", dir)
	runOK(t, "demo", "-data-dir", dir)
	runOK(t, "user", "add", "-data-dir", dir, "-id", "555000000099", "-name", "New Starter")
	cps := filepath.Join(dir, "audit.checkpoints")
	if b, err := os.ReadFile(cps); err != nil || len(b) == 0 {
		t.Fatalf("no checkpoints in the data dir: %v", err)
	}
	if out := runOK(t, "audit", "verify", "-data-dir", dir, "--checkpoint", cps); !strings.Contains(out, "intact") || !strings.Contains(out, "checkpoints") {
		t.Fatalf("audit verify on a clean chain: %q", out)
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "identityd.db"))
	if err != nil {
		t.Fatal(err)
	}
	const k = 2
	_, err = db.Exec(`DELETE FROM audit WHERE seq > (SELECT seq FROM audit_head) - ?;
		UPDATE audit_head SET seq = (SELECT max(seq) FROM audit), hash = (SELECT hash FROM audit WHERE seq = (SELECT max(seq) FROM audit))`, k)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "elsewhere.checkpoints")
	if err := os.Rename(cps, moved); err != nil {
		t.Fatal(err)
	}
	if out := runOK(t, "audit", "verify", "-data-dir", dir); !strings.Contains(out, "no checkpoint file") {
		t.Fatalf("audit verify without checkpoints should pass and say what it cannot see: %q", out)
	}
	err = run(context.Background(), []string{"audit", "verify", "-data-dir", dir, "--checkpoint", moved}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("audit verify --checkpoint after truncating %d records: %v, want 'truncated'", k, err)
	}
}

// TestReadOnlyCommandsCreateNothing runs the read-only commands on a data
// dir with nothing in it: each fails saying what is missing, and the
// directory stays empty (no database, no secret, no CA).
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	for _, args := range [][]string{
		{"ca", "fingerprint"}, {"ca", "cert"}, {"audit", "verify"},
		{"user", "list"}, {"role", "list"}, {"card", "list"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			err := run(context.Background(), append(args, "-data-dir", dir), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "no identityd database") {
				t.Fatalf("identityd %v on an empty data dir: %v, want 'no identityd database'", args, err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				entries, _ := os.ReadDir(dir)
				t.Fatalf("identityd %v created %s: %v", args, dir, entries)
			}
		})
	}
	// A store without its secret: the secret is not generated.
	dir := t.TempDir()
	runOK(t, "migrate", "-data-dir", dir)
	fp := runOK(t, "ca", "fingerprint", "-data-dir", dir)
	secret := filepath.Join(dir, "identityd.secret")
	if err := os.Rename(secret, secret+".away"); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"ca", "fingerprint", "-data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("ca fingerprint without the secret file: %v", err)
	}
	if _, err := os.Stat(secret); !os.IsNotExist(err) {
		t.Fatalf("ca fingerprint created a new secret file (%v)", err)
	}
	if err := os.Rename(secret+".away", secret); err != nil {
		t.Fatal(err)
	}
	if again := runOK(t, "ca", "fingerprint", "-data-dir", dir); again != fp {
		t.Fatalf("fingerprint changed: %q then %q", fp, again)
	}
}
