package config

import (
	"flag"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"IDENTITYD_DB": "postgres://u:pw@h/db", "IDENTITYD_LISTEN": "127.0.0.1:1"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c, rest, err := Load(fs, []string{"-listen", "127.0.0.1:2", "-renewal-window", "720h", "extra"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != env["IDENTITYD_DB"] || c.Listen != "127.0.0.1:2" || c.Policy.RenewalWindow != 720*time.Hour || len(rest) != 1 {
		t.Fatalf("got %+v %v", c, rest)
	}
	if kind, _, _ := c.Store(); kind != "postgres" {
		t.Fatalf("kind %q", kind)
	}
}

// TestMetricsListen: /metrics has its own listener, loopback unless set
// (flag or IDENTITYD_METRICS_LISTEN).
func TestMetricsListen(t *testing.T) {
	if d := Default(); d.MetricsListen != "127.0.0.1:9464" || d.MetricsListen == d.Listen {
		t.Fatalf("default metrics listener %q (API %q)", d.MetricsListen, d.Listen)
	}
	env := map[string]string{"IDENTITYD_METRICS_LISTEN": "127.0.0.1:9100"}
	c, _, err := Load(flag.NewFlagSet("t", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil || c.MetricsListen != "127.0.0.1:9100" {
		t.Fatalf("from the environment: %q, %v", c.MetricsListen, err)
	}
	c, _, err = Load(flag.NewFlagSet("t", flag.ContinueOnError), []string{"-metrics-listen", "off"}, func(k string) string { return env[k] })
	if err != nil || c.MetricsListen != "off" {
		t.Fatalf("from the flag: %q, %v", c.MetricsListen, err)
	}
}

func TestValidateRefuses(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"bad db":                      func(c *Config) { c.DB = "mysql://x" },
		"empty sqlite":                func(c *Config) { c.DB = "sqlite:" },
		"bad log level":               func(c *Config) { c.LogLevel = "loud" },
		"bad policy":                  func(c *Config) { c.Policy.PasscodeMinLength = 2 },
		"metrics on the API listener": func(c *Config) { c.MetricsListen = c.Listen },
		"no metrics address":          func(c *Config) { c.MetricsListen = "" },
		"no sweep":                    func(c *Config) { c.SweepInterval = 0 },
		"tiny role idle limit":        func(c *Config) { c.Policy.RoleIdleLimit = time.Second },
	} {
		c := Default()
		edit(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := Default()
	c.DB = "mysql://u:secret@h/db"
	if err := c.Validate(); err == nil || contains(err.Error(), "secret") {
		t.Errorf("DSN password in error: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
