package wiring

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadConfigFileThenFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte(`{"backend_url":"https://id.example:8443","ca_pin":"aa","mode":"persist","reader":"Gemalto","card_timeout":"4s"}`), 0o600)
	c, _, err := LoadConfig("t", []string{"--config", file, "--reader", "Omnikey", "--workstation", "ws-7"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BackendURL != "https://id.example:8443" || c.Mode != "persist" || c.Reader != "Omnikey" || c.WorkstationID != "ws-7" || c.CardTimeout.Duration != 4*time.Second {
		t.Fatalf("%+v", c)
	}
	if _, _, err := LoadConfig("t", []string{"--config=" + file, "--mode", "sometimes"}); err == nil {
		t.Fatal("bad mode accepted")
	}
	if _, _, err := LoadConfig("t", []string{"--config", "", "--backend", "https://x"}); err == nil {
		t.Fatal("--backend without --ca-pin accepted")
	}
	c, _, err = LoadConfig("t", []string{"--config", filepath.Join(t.TempDir(), "missing.json")})
	if err != nil || c.BackendURL != "" || c.WorkstationID == "" {
		t.Fatalf("missing file: %+v %v", c, err)
	}
}

// A command's own flags and the configuration's mix in any order, bool
// flags included, with no list of flags kept by hand.
func TestCommandFlags(t *testing.T) {
	var role string
	var once bool
	c, _, err := LoadConfig("login", []string{"--config", "", "--role", "Nurse", "--backend", "https://x", "--ca-pin", "ab", "--trace-apdus", "--once"}, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "")
		fs.BoolVar(&once, "once", false, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if role != "Nurse" || !once || c.BackendURL != "https://x" || !c.TraceAPDUs {
		t.Fatalf("role %q once %v config %+v", role, once, c)
	}
}

// The removal action and the programs logout closes: from the file, a flag
// over it, and names that are patterns or paths refused.
func TestRemovalConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte(`{"removal_action":"logout","close_applications":["wardnotes","pacs"]}`), 0o600)
	c, _, err := LoadConfig("t", []string{"--config", file})
	if err != nil || c.RemovalAction != "logout" || len(c.CloseApplications) != 2 {
		t.Fatalf("%+v %v", c, err)
	}
	c, _, err = LoadConfig("t", []string{"--config", file, "--removal-action", "lock-desktop", "--close-applications", "ice, epr"})
	if err != nil || c.RemovalAction != "lock-desktop" || len(c.CloseApplications) != 2 || c.CloseApplications[0] != "ice" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range [][]string{{"--removal-action", "shutdown"}, {"--close-applications", "ward*"}, {"--close-applications", "/usr/bin/x"}} {
		if _, _, err := LoadConfig("t", append([]string{"--config", ""}, bad...)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
