package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cardagent/cardagent/session"
)

// config is the agent's configuration: defaults, then the config file
// (user config dir/cardagent/config.json), then flags.
type config struct {
	BackendURL    string `json:"backend_url"`    // empty: the embedded demo backend
	CAPin         string `json:"ca_pin"`         // SHA-256 of the backend's CA certificate
	Mode          string `json:"mode"`           // "", "normal" or "persist" (Session Lock Persistence)
	Reader        string `json:"reader"`         // preferred reader (substring of its name)
	WorkstationID string `json:"workstation_id"` // default: the host name
	LogLevel      string `json:"log_level"`      // debug, info, warn, error
	TraceAPDUs    bool   `json:"trace_apdus"`    // log APDUs at debug level (never passcodes)
	NoDemoCard    bool   `json:"no_demo_card"`   // demo mode without the virtual card
	file          string
}

func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "cardagent", "config.json")
}

// loadConfig reads the file (a missing one is fine) and then the flags.
func loadConfig(fsName string, args []string) (config, *flag.FlagSet, error) {
	fset := flag.NewFlagSet(fsName, flag.ContinueOnError)
	path := fset.String("config", defaultConfigPath(), "configuration file (JSON)")
	var c config
	var flagsOnly config
	fset.StringVar(&flagsOnly.BackendURL, "backend", "", "identity backend URL (default: the embedded demo backend)")
	fset.StringVar(&flagsOnly.CAPin, "ca-pin", "", "SHA-256 fingerprint of the backend's CA (identityd prints it)")
	fset.StringVar(&flagsOnly.Mode, "mode", "", `what removing the card does: "normal" ends the session, "persist" suspends it (default: backend policy)`)
	fset.StringVar(&flagsOnly.Reader, "reader", "", "preferred reader (part of its name)")
	fset.StringVar(&flagsOnly.WorkstationID, "workstation", "", "workstation id (default: host name)")
	fset.StringVar(&flagsOnly.LogLevel, "log-level", "", "debug, info, warn or error (default info)")
	fset.BoolVar(&flagsOnly.TraceAPDUs, "trace-apdus", false, "log every APDU at debug level (passcodes never appear)")
	fset.BoolVar(&flagsOnly.NoDemoCard, "no-demo-card", false, "demo mode: do not insert the virtual demo card")
	if err := fset.Parse(args); err != nil {
		return c, fset, err
	}
	c.file = *path
	if *path != "" {
		b, err := os.ReadFile(*path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return c, fset, err
		default:
			if err := json.Unmarshal(b, &c); err != nil {
				return c, fset, fmt.Errorf("reading %s: %w", *path, err)
			}
		}
	}
	fset.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "backend":
			c.BackendURL = flagsOnly.BackendURL
		case "ca-pin":
			c.CAPin = flagsOnly.CAPin
		case "mode":
			c.Mode = flagsOnly.Mode
		case "reader":
			c.Reader = flagsOnly.Reader
		case "workstation":
			c.WorkstationID = flagsOnly.WorkstationID
		case "log-level":
			c.LogLevel = flagsOnly.LogLevel
		case "trace-apdus":
			c.TraceAPDUs = flagsOnly.TraceAPDUs
		case "no-demo-card":
			c.NoDemoCard = flagsOnly.NoDemoCard
		}
	})
	if c.WorkstationID == "" {
		c.WorkstationID, _ = os.Hostname()
	}
	switch session.Mode(c.Mode) {
	case session.ModeFromPolicy, session.ModeNormal, session.ModeSLP:
	default:
		return c, fset, fmt.Errorf(`mode %q: want "normal" or "persist"`, c.Mode)
	}
	if c.BackendURL != "" && c.CAPin == "" {
		return c, fset, errors.New("--backend needs --ca-pin: the SHA-256 fingerprint identityd prints at start")
	}
	return c, fset, nil
}
