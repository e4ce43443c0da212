package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadConfigFileThenFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte(`{"backend_url":"https://id.example:8443","ca_pin":"aa","mode":"persist","reader":"Gemalto"}`), 0o600)
	c, _, err := loadConfig("t", []string{"--config", file, "--reader", "Omnikey", "--workstation", "ws-7"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BackendURL != "https://id.example:8443" || c.Mode != "persist" || c.Reader != "Omnikey" || c.WorkstationID != "ws-7" {
		t.Fatalf("%+v", c)
	}
	if _, _, err := loadConfig("t", []string{"--config=" + file, "--mode", "sometimes"}); err == nil {
		t.Fatal("bad mode accepted")
	}
	if _, _, err := loadConfig("t", []string{"--config", "", "--backend", "https://x"}); err == nil {
		t.Fatal("--backend without --ca-pin accepted")
	}
	c, _, err = loadConfig("t", []string{"--config", filepath.Join(t.TempDir(), "missing.json")})
	if err != nil || c.BackendURL != "" || c.WorkstationID == "" {
		t.Fatalf("missing file: %+v %v", c, err)
	}
}

func TestSplitFlags(t *testing.T) {
	fset := flag.NewFlagSet("login", flag.ContinueOnError)
	fset.Bool("no-gui", false, "")
	role := fset.String("role", "", "")
	fset.Bool("once", false, "")
	rest, err := splitFlags(fset, []string{"--no-gui", "--role", "Nurse", "--backend", "https://x", "--trace-apdus", "--once"})
	if err != nil {
		t.Fatal(err)
	}
	if *role != "Nurse" || len(rest) != 3 || rest[0] != "--backend" || rest[1] != "https://x" || rest[2] != "--trace-apdus" {
		t.Fatalf("rest %q", rest)
	}
}
