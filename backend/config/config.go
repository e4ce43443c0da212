// Package config is identityd's configuration: defaults, flags and
// IDENTITYD_* environment variables (flags win), and validation.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/policy"
)

// Config is everything identityd needs to start.
type Config struct {
	// DB is "sqlite:PATH" or "postgres://…".
	DB string
	// Listen is the HTTPS address.
	Listen string
	// MetricsListen is the plain-HTTP address serving /metrics, apart from
	// the API (loopback by default); "off" serves none.
	MetricsListen string
	// DataDir holds the SQLite database and the secret file by default.
	DataDir string
	// SecretFile holds the root secret (created 0600 on first start);
	// IDENTITYD_SECRET (base64) overrides it.
	SecretFile string
	// Secret is the IDENTITYD_SECRET value, if any. Never logged.
	Secret string
	// AuditCheckpoints is the file signed checkpoints of the audit chain
	// head are appended to; empty writes none. Load defaults it to
	// audit.checkpoints in the data directory ("off": none).
	AuditCheckpoints string
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed for the client address; none by default.
	TrustedProxies []netip.Prefix
	// TLSHosts are the names and IPs in the server certificate.
	TLSHosts []string
	// Migrate runs the embedded migrations at start.
	Migrate         bool
	LogLevel        string
	LogJSON         bool
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration
	// SweepInterval is how often expired and role-idle sessions are ended
	// and expired challenges forgotten.
	SweepInterval time.Duration
	Policy        policy.Policy
	// Mail sends unlock codes.
	Mail Mail
}

// DefaultMetricsListen is where /metrics is served unless configured.
const DefaultMetricsListen = "127.0.0.1:9464"

// Default is the configuration with no flags and no environment.
func Default() Config {
	dir := defaultDataDir()
	return Config{
		DB:              "sqlite:" + filepath.Join(dir, "identityd.db"),
		Listen:          "127.0.0.1:8443",
		MetricsListen:   DefaultMetricsListen,
		DataDir:         dir,
		SecretFile:      filepath.Join(dir, "identityd.secret"),
		TLSHosts:        []string{"localhost", "127.0.0.1", "::1"},
		Migrate:         true,
		LogLevel:        "info",
		ShutdownTimeout: 5 * time.Second,
		RequestTimeout:  10 * time.Second,
		SweepInterval:   time.Minute,
		Policy:          policy.Default(),
		Mail:            defaultMail(),
	}
}

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "cardagent", "identityd")
	}
	return filepath.Join(os.TempDir(), "cardagent-identityd")
}

// Flags registers the flags on fs, defaulting to c's values.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "store: sqlite:PATH or postgres://… (env IDENTITYD_DB)")
	fs.StringVar(&c.Listen, "listen", c.Listen, "HTTPS listen address (env IDENTITYD_LISTEN)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", c.MetricsListen, "plain-HTTP address for /metrics, or off (env IDENTITYD_METRICS_LISTEN)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (env IDENTITYD_DATA_DIR)")
	fs.StringVar(&c.SecretFile, "secret-file", c.SecretFile, "root secret file, created if missing (env IDENTITYD_SECRET_FILE; IDENTITYD_SECRET overrides)")
	fs.StringVar(&c.AuditCheckpoints, "audit-checkpoints", c.AuditCheckpoints, "file for signed audit head checkpoints, or off (default DATA_DIR/audit.checkpoints; env IDENTITYD_AUDIT_CHECKPOINTS)")
	fs.Func("trusted-proxies", "comma-separated IPs/CIDRs of proxies whose X-Forwarded-For is believed (default none; env IDENTITYD_TRUSTED_PROXIES)", func(s string) (err error) {
		c.TrustedProxies, err = parsePrefixes(s)
		return err
	})
	fs.Func("tls-hosts", "comma-separated names/IPs for the TLS certificate (env IDENTITYD_TLS_HOSTS)", func(s string) error {
		c.TLSHosts = splitList(s)
		return nil
	})
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "run migrations at start (env IDENTITYD_MIGRATE)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env IDENTITYD_LOG_LEVEL)")
	fs.BoolVar(&c.LogJSON, "log-json", c.LogJSON, "JSON logs (env IDENTITYD_LOG_JSON)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long shutdown waits for in-flight requests (every listener)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline of one request's work")
	c.Mail.flags(fs)
	fs.DurationVar(&c.SweepInterval, "sweep-interval", c.SweepInterval, "how often expired and role-idle sessions are ended")
	p := &c.Policy
	fs.IntVar(&p.PasscodeMinLength, "passcode-min", p.PasscodeMinLength, "shortest passcode")
	fs.IntVar(&p.PasscodeMaxLength, "passcode-max", p.PasscodeMaxLength, "longest passcode")
	fs.BoolVar(&p.PasscodeDigitsOnly, "passcode-digits-only", p.PasscodeDigitsOnly, "passcodes are digits only")
	fs.BoolVar(&p.PasscodeRefuseSimple, "passcode-refuse-simple", p.PasscodeRefuseSimple, "a new passcode must not be one repeated character or a run (111111, 123456, 8765)")
	fs.BoolVar(&p.PasscodeRefuseCurrent, "passcode-refuse-current", p.PasscodeRefuseCurrent, "a new passcode must differ from the current one")
	fs.DurationVar(&p.RenewalWindow, "renewal-window", p.RenewalWindow, "self-renewal allowed this close to expiry")
	fs.DurationVar(&p.SponsorRenewalWindow, "sponsor-renewal-window", p.SponsorRenewalWindow, "a sponsor may renew this close to expiry")
	fs.DurationVar(&p.CertificateValidity, "cert-validity", p.CertificateValidity, "card certificate validity")
	fs.IntVar(&p.RenewalsBeforeRA, "renewals-before-ra", p.RenewalsBeforeRA, "every Nth renewal needs an RA in person")
	fs.DurationVar(&p.RenewalOpenTTL, "renewal-open-ttl", p.RenewalOpenTTL, "an opened renewal nobody touched expires after this long")
	fs.Func("renewal-key-algorithm", "the key pairs a renewal generates on the card: ecc-p256 (default) or rsa-2048", func(v string) error {
		p.RenewalKeyAlgorithm = api.KeyAlgorithm(v)
		return nil // Validate says what is wrong with it
	})
	fs.StringVar(&p.SelfServiceUnlock, "self-service-unlock", p.SelfServiceUnlock, "off, email or email+questions")
	fs.DurationVar(&p.UnlockCodeLifetime, "unlock-code-lifetime", p.UnlockCodeLifetime, "emailed unlock code lifetime")
	fs.IntVar(&p.UnlockAttempts, "unlock-attempts", p.UnlockAttempts, "wrong unlock codes (or failed security questions) before only face to face is left")
	fs.Func("unlock-email-domains", "comma-separated domains whose addresses may receive unlock codes (subdomains too; default nhs.net,nhs.uk,gov.uk,mod.uk)", func(v string) error {
		p.UnlockEmailDomains = nil
		for _, d := range strings.Split(v, ",") {
			if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
				p.UnlockEmailDomains = append(p.UnlockEmailDomains, d)
			}
		}
		return nil
	})
	fs.IntVar(&p.UnlockPerCardPerHour, "unlock-per-card-per-hour", p.UnlockPerCardPerHour, "unlock code requests a card may make in an hour")
	fs.IntVar(&p.UnlockPerUserPerDay, "unlock-per-user-per-day", p.UnlockPerUserPerDay, "unlock code requests a user may make in a day")
	fs.IntVar(&p.UnlockPerAddressPerHour, "unlock-per-address-per-hour", p.UnlockPerAddressPerHour, "unlock requests one client address may make in an hour (per instance)")
	fs.DurationVar(&p.TermsResignInterval, "terms-resign", p.TermsResignInterval, "terms must be re-accepted after this long (0: only new versions)")
	fs.DurationVar(&p.SessionLifetime, "session-lifetime", p.SessionLifetime, "session lifetime")
	fs.DurationVar(&p.RoleIdleLimit, "role-idle-limit", p.RoleIdleLimit, "a session that chose no role ends after this long unused")
	fs.BoolVar(&p.SessionLockPersistence, "session-lock-persistence", p.SessionLockPersistence, "suspend instead of end sessions on card removal")
	fs.DurationVar(&p.ChallengeLifetime, "challenge-lifetime", p.ChallengeLifetime, "login challenge lifetime")
	fs.Func("removal-action", "what pulling the card does to the desktop: lock-agent (default), lock-desktop or logout", func(v string) error {
		p.RemovalAction = api.RemovalAction(v)
		return nil // Validate says what is wrong with it
	})
	fs.Func("close-applications", "with logout: comma-separated executable names of the programs to close (exact names)", func(v string) error {
		p.CloseApplications = splitList(v)
		return nil
	})
	fs.DurationVar(&p.AssertionLifetime, "assertion-lifetime", p.AssertionLifetime, "lifetime of an assertion for a local application (at most 5m)")
}

// Load builds the configuration: defaults, then environment, then args.
// It returns the remaining arguments.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, []string, error) {
	c := Default()
	if err := c.applyEnv(getenv); err != nil {
		return c, nil, err
	}
	c.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	// A data dir given without db/secret paths moves them along.
	if c.DataDir != Default().DataDir {
		def := Default()
		if c.DB == def.DB {
			c.DB = "sqlite:" + filepath.Join(c.DataDir, "identityd.db")
		}
		if c.SecretFile == def.SecretFile {
			c.SecretFile = filepath.Join(c.DataDir, "identityd.secret")
		}
	}
	switch c.AuditCheckpoints {
	case "":
		c.AuditCheckpoints = filepath.Join(c.DataDir, "audit.checkpoints")
	case "off":
		c.AuditCheckpoints = ""
	}
	return c, fs.Args(), c.Validate()
}

// parsePrefixes reads a comma-separated list of IPs and CIDRs.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range splitList(s) {
		if a, err := netip.ParseAddr(p); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("config: trusted proxy %q is not an IP or CIDR", p)
		}
		out = append(out, pre.Masked())
	}
	return out, nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("IDENTITYD_DB", &c.DB)
	str("IDENTITYD_LISTEN", &c.Listen)
	str("IDENTITYD_METRICS_LISTEN", &c.MetricsListen)
	str("IDENTITYD_DATA_DIR", &c.DataDir)
	str("IDENTITYD_SECRET_FILE", &c.SecretFile)
	str("IDENTITYD_SECRET", &c.Secret)
	str("IDENTITYD_AUDIT_CHECKPOINTS", &c.AuditCheckpoints)
	if v := getenv("IDENTITYD_TRUSTED_PROXIES"); v != "" {
		var err error
		if c.TrustedProxies, err = parsePrefixes(v); err != nil {
			return err
		}
	}
	str("IDENTITYD_LOG_LEVEL", &c.LogLevel)
	c.Mail.env(getenv)
	if v := getenv("IDENTITYD_TLS_HOSTS"); v != "" {
		c.TLSHosts = splitList(v)
	}
	for name, dst := range map[string]*bool{"IDENTITYD_MIGRATE": &c.Migrate, "IDENTITYD_LOG_JSON": &c.LogJSON} {
		switch v := getenv(name); v {
		case "":
		case "1", "true", "yes":
			*dst = true
		case "0", "false", "no":
			*dst = false
		default:
			return fmt.Errorf("%s=%q is not a boolean", name, v)
		}
	}
	return nil
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	if _, _, err := c.Store(); err != nil {
		return err
	}
	if c.Listen == "" {
		return errors.New("config: listen address is empty")
	}
	if len(c.TLSHosts) == 0 {
		return errors.New("config: no TLS hosts")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log level %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.ShutdownTimeout <= 0 || c.RequestTimeout <= 0 || c.SweepInterval <= 0 {
		return errors.New("config: timeouts and the sweep interval must be positive")
	}
	if err := c.Mail.Validate(); err != nil {
		return err
	}
	if c.MetricsListen == "" || (c.MetricsListen == c.Listen && c.Listen != "127.0.0.1:0") {
		return errors.New(`config: metrics need their own listen address apart from the API (or "off")`)
	}
	return c.Policy.Validate()
}

// Store splits DB into its kind ("sqlite" or "postgres") and location.
func (c *Config) Store() (kind, location string, err error) {
	switch {
	case strings.HasPrefix(c.DB, "sqlite:"):
		if p := strings.TrimPrefix(c.DB, "sqlite:"); p != "" {
			return "sqlite", p, nil
		}
	case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		return "postgres", c.DB, nil
	}
	return "", "", fmt.Errorf("config: db %q is not sqlite:PATH or postgres://…", redactDSN(c.DB))
}

// redactDSN hides a password in a DSN for error messages.
func redactDSN(s string) string {
	if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); i >= 0 && j > i {
		if k := strings.Index(s[i+3:j], ":"); k >= 0 {
			return s[:i+3+k] + ":xxxxx" + s[j:]
		}
	}
	return s
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
