// Package wiring turns the agent's configuration (defaults, then a JSON
// file, then flags) into running parts: the reader monitor, the backend
// client (or the embedded demo), the session and its OS stores. The
// commands in cmd/cardagent only pick a UI and call it.
package wiring

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/cardagent/cardagent/api"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cardagent/cardagent/session"
)

// Config is the agent's configuration: defaults, then the config file
// (user config dir/cardagent/config.json), then flags.
type Config struct {
	BackendURL    string   `json:"backend_url"`    // empty: the embedded demo backend
	CAPin         string   `json:"ca_pin"`         // SHA-256 of the backend's CA certificate
	Mode          string   `json:"mode"`           // "", "normal" or "persist" (Session Lock Persistence)
	Reader        string   `json:"reader"`         // preferred reader (substring of its name)
	WorkstationID string   `json:"workstation_id"` // default: the host name
	LogLevel      string   `json:"log_level"`      // debug, info, warn, error
	TraceAPDUs    bool     `json:"trace_apdus"`    // log APDUs at debug level (never passcodes)
	NoDemoCard    bool     `json:"no_demo_card"`   // demo mode without the virtual card
	CardTimeout   Duration `json:"card_timeout"`   // bound on one card exchange, e.g. "10s"
	// What pulling the card does to the desktop: lock-agent, lock-desktop
	// or logout ("": the backend policy's), and the programs logout closes
	// (exact executable names; absent: the policy's).
	RemovalAction string `json:"removal_action"`
	// TrayResident: "auto" (the default: when a system tray exists), "on"
	// or "off" — the window hides while no one is needed (Resident).
	TrayResident      string   `json:"tray_resident"`
	CloseApplications []string `json:"close_applications"`
	file              string
}

// Duration is a time.Duration written as text in the file ("10s").
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration such as \"10s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	d.Duration = v
	return err
}

// configPath finds --config in args (it must be known before the other
// flags, whose defaults come from the file), else the default path.
func configPath(args []string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "config" || !strings.HasPrefix(a, "-") {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return defaultConfigPath()
}

func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "cardagent", "config.json")
}

// LoadConfig reads the file (a missing one is fine), then the flags, whose
// defaults are the file's values: a flag given overrides the file. extra
// adds a command's own flags to the same set.
func LoadConfig(fsName string, args []string, extra ...func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	var c Config
	c.file = configPath(args)
	if c.file != "" {
		b, err := os.ReadFile(c.file)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return c, nil, err
		default:
			if err := json.Unmarshal(b, &c); err != nil {
				return c, nil, fmt.Errorf("reading %s: %w", c.file, err)
			}
		}
	}
	fset := flag.NewFlagSet(fsName, flag.ContinueOnError)
	fset.String("config", c.file, "configuration file (JSON)")
	fset.StringVar(&c.BackendURL, "backend", c.BackendURL, "identity backend URL (default: the embedded demo backend)")
	fset.StringVar(&c.CAPin, "ca-pin", c.CAPin, "SHA-256 fingerprint of the backend's CA (identityd prints it)")
	fset.StringVar(&c.Mode, "mode", c.Mode, `what removing the card does: "normal" ends the session, "persist" suspends it (default: backend policy)`)
	fset.StringVar(&c.Reader, "reader", c.Reader, "preferred reader (part of its name)")
	fset.StringVar(&c.WorkstationID, "workstation", c.WorkstationID, "workstation id (default: host name)")
	fset.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (default info)")
	fset.BoolVar(&c.TraceAPDUs, "trace-apdus", c.TraceAPDUs, "log every APDU at debug level (passcodes never appear)")
	fset.BoolVar(&c.NoDemoCard, "no-demo-card", c.NoDemoCard, "demo mode: do not insert the virtual demo card")
	fset.StringVar(&c.TrayResident, "tray-resident", c.TrayResident, "auto (default: when a system tray exists), on or off: hide the window while waiting for a card and once a role is chosen")
	fset.StringVar(&c.RemovalAction, "removal-action", c.RemovalAction, "what pulling the card does to the desktop: lock-agent, lock-desktop or logout (default: backend policy)")
	fset.Func("close-applications", "with logout: comma-separated executable names of the programs to close (default: backend policy)", func(v string) error {
		c.CloseApplications = []string{}
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				c.CloseApplications = append(c.CloseApplications, n)
			}
		}
		return nil
	})
	fset.DurationVar(&c.CardTimeout.Duration, "card-timeout", c.CardTimeout.Duration, "give up on a card that does not answer within this (default 10s)")
	for _, add := range extra {
		add(fset)
	}
	if err := fset.Parse(args); err != nil {
		return c, fset, err
	}
	if c.WorkstationID == "" {
		c.WorkstationID, _ = os.Hostname()
	}
	switch session.Mode(c.Mode) {
	case session.ModeFromPolicy, session.ModeNormal, session.ModeSLP:
	default:
		return c, fset, fmt.Errorf(`mode %q: want "normal" or "persist"`, c.Mode)
	}
	switch c.TrayResident {
	case "", "auto", "on", "off":
	default:
		return c, fset, fmt.Errorf(`tray-resident %q: want "auto", "on" or "off"`, c.TrayResident)
	}
	if c.RemovalAction != "" && !api.RemovalAction(c.RemovalAction).Valid() {
		return c, fset, fmt.Errorf(`removal action %q: want "lock-agent", "lock-desktop" or "logout"`, c.RemovalAction)
	}
	for _, n := range c.CloseApplications {
		if !api.ValidExecutableName(n) {
			return c, fset, fmt.Errorf("close applications: %q is not an executable name (no directory, no pattern)", n)
		}
	}
	if c.BackendURL != "" && c.CAPin == "" {
		return c, fset, errors.New("--backend needs --ca-pin: the SHA-256 fingerprint identityd prints at start")
	}
	return c, fset, nil
}
