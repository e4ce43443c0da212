package commands

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/certfile"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/metrics"
	"github.com/cardagent/cardagent/backend/server"
	"github.com/cardagent/cardagent/backend/store"
)

const actor = "identityd-cli"

// args are the commands' own flags and arguments; each command's FlagSet
// sets only its own.
type args struct {
	user                  store.User
	org                   store.Organisation
	pos                   store.Position
	days                  int
	userID, guid, reason  string
	authPub, signPub, out string
	cardDir, checkpoint   string
	last                  int
	rest                  []string
	text                  []byte
}

var commands = []command{
	{name: "serve", help: "serve the HTTPS API (prints the CA fingerprint to pin)", run: serve},
	{name: "migrate", help: "apply the embedded database migrations",
		prepare: func(cfg *config.Config, _ *args) error { cfg.Migrate = true; return nil },
		run:     func(_ context.Context, _ *identity.Service, c *call) error { return say(c, "migrations current") }},
	{name: "demo", help: "seed demo organisations, users, roles and terms (and demo cards with -card-dir)",
		flags: func(fs *flag.FlagSet, a *args) {
			fs.StringVar(&a.cardDir, "card-dir", "", "also enrol one software demo card per demo user and write its key, GUID and certificates here")
		},
		run: func(ctx context.Context, svc *identity.Service, c *call) error {
			if c.demo.Seed == nil {
				return errors.New("this identityd has no demo data")
			}
			if err := c.demo.Seed(ctx, svc); err != nil {
				return err
			}
			if err := say(c, "demo data seeded"); err != nil || c.cardDir == "" {
				return err
			}
			return c.demo.Enrol(ctx, svc, c.cardDir, c.stdout)
		}},
	{name: "user add", help: "add a user", flags: func(fs *flag.FlagSet, a *args) {
		fs.StringVar(&a.user.ID, "id", "", "12-digit UUID")
		fs.StringVar(&a.user.Name, "name", "", "full name")
		fs.StringVar(&a.user.Email, "email", "", "email")
		fs.StringVar(&a.user.Mobile, "mobile", "", "mobile number")
	}, run: func(ctx context.Context, svc *identity.Service, c *call) error {
		return svc.CreateUser(ctx, actor, c.user)
	}},
	{name: "user list", help: "list users", readOnly: true, run: func(ctx context.Context, svc *identity.Service, c *call) error {
		us, err := svc.Users(ctx)
		for _, u := range us {
			fmt.Fprintf(c.stdout, "%s\t%s\t%s\n", u.ID, u.Name, u.Email)
		}
		return err
	}},
	{name: "role add-org", help: "add an organisation", flags: func(fs *flag.FlagSet, a *args) {
		fs.StringVar(&a.org.ID, "id", "", "organisation code (e.g. ODS code)")
		fs.StringVar(&a.org.Name, "name", "", "organisation name")
	}, run: func(ctx context.Context, svc *identity.Service, c *call) error {
		return svc.CreateOrganisation(ctx, actor, c.org)
	}},
	{name: "role grant", help: "give a user a role at an organisation (prints the position id)", flags: func(fs *flag.FlagSet, a *args) {
		fs.StringVar(&a.pos.ID, "id", "", "position id (default: random)")
		fs.StringVar(&a.pos.UserID, "user", "", "user UUID")
		fs.StringVar(&a.pos.OrganisationID, "org", "", "organisation code")
		fs.StringVar(&a.pos.RoleName, "role", "", "role name")
		fs.IntVar(&a.days, "days", 0, "end after this many days (0: open-ended)")
	}, run: func(ctx context.Context, svc *identity.Service, c *call) error {
		if c.days > 0 {
			c.pos.EndsAt = time.Now().AddDate(0, 0, c.days)
		}
		id, err := svc.GrantRole(ctx, actor, c.pos)
		if err != nil {
			return err
		}
		return say(c, id)
	}},
	{name: "role list", help: "list a user's roles", readOnly: true, flags: userFlag,
		run: func(ctx context.Context, svc *identity.Service, c *call) error {
			ps, err := svc.Positions(ctx, c.userID)
			for _, p := range ps {
				fmt.Fprintf(c.stdout, "%s\t%s\t%s\t%s\n", p.ID, p.OrganisationID, p.OrganisationName, p.RoleName)
			}
			return err
		}},
	{name: "card enrol", help: "enrol a card from its public keys and write its certificates", flags: func(fs *flag.FlagSet, a *args) {
		cardFlags(fs, a)
		fs.StringVar(&a.authPub, "auth-pub", "", "PEM public key of slot 9A")
		fs.StringVar(&a.signPub, "sign-pub", "", "PEM public key of slot 9C")
		fs.StringVar(&a.out, "out", ".", "directory for the issued certificates")
	}, run: enrol},
	{name: "card cancel", help: "cancel a card for good", flags: reasonFlags, run: cardState((*identity.Service).CancelCard)},
	{name: "card lock", help: "mark a card locked", flags: reasonFlags, run: cardState((*identity.Service).LockCard)},
	{name: "card list", help: "list cards", readOnly: true, flags: cardFlags, run: func(ctx context.Context, svc *identity.Service, c *call) error {
		cs, err := svc.Cards(ctx, c.userID)
		for _, card := range cs {
			fmt.Fprintf(c.stdout, "%s\t%s\t%s\tkey v%d\n", card.GUID, card.UserID, card.State, card.KeyVersion)
		}
		return err
	}},
	{name: "questions reset", help: "give a holder seen face to face their security-question attempts back", flags: func(fs *flag.FlagSet, a *args) {
		userFlag(fs, a)
		fs.StringVar(&a.reason, "reason", "", "why (audited)")
	}, run: func(ctx context.Context, svc *identity.Service, c *call) error {
		return svc.ResetQuestionAttempts(ctx, actor, c.userID, c.reason)
	}},
	{name: "terms publish", help: "publish FILE as the next version of the terms",
		prepare: func(_ *config.Config, a *args) (err error) {
			if len(a.rest) != 1 {
				return errors.New("usage: identityd terms publish FILE")
			}
			a.text, err = os.ReadFile(a.rest[0])
			return err
		},
		run: func(ctx context.Context, svc *identity.Service, c *call) error {
			v, err := svc.PublishTerms(ctx, actor, string(c.text))
			if err != nil {
				return err
			}
			return say(c, fmt.Sprintf("published terms version %d", v))
		}},
	{name: "audit verify", help: "prove the audit chain (against the signed checkpoints, if any)", readOnly: true,
		flags: func(fs *flag.FlagSet, a *args) {
			fs.StringVar(&a.checkpoint, "checkpoint", "", "signed checkpoint file to check the chain against (default: the -audit-checkpoints file, if it exists)")
		}, prepare: func(cfg *config.Config, a *args) error {
			cfg.Migrate = false // verifying must not change the database
			if a.checkpoint == "" && cfg.AuditCheckpoints != "" {
				if _, err := os.Stat(cfg.AuditCheckpoints); err == nil {
					a.checkpoint = cfg.AuditCheckpoints
				}
			}
			return nil
		}, run: auditVerify},
	{name: "audit tail", help: "print the newest audit records, one JSON object a line", readOnly: true,
		flags: func(fs *flag.FlagSet, a *args) { fs.IntVar(&a.last, "n", 20, "how many records") },
		prepare: func(cfg *config.Config, a *args) error {
			cfg.Migrate = false // reading must not change the database
			if a.last < 1 || a.last > 10000 {
				return errors.New("-n must be 1–10000")
			}
			return nil
		}, run: auditTail},
	{name: "ca fingerprint", help: "print the CA fingerprint agents pin", readOnly: true,
		run: func(_ context.Context, svc *identity.Service, c *call) error { return say(c, svc.CA().Fingerprint()) }},
	{name: "ca cert", help: "print the CA certificate (PEM)", readOnly: true, run: func(_ context.Context, svc *identity.Service, c *call) error {
		return pem.Encode(c.stdout, &pem.Block{Type: "CERTIFICATE", Bytes: svc.CA().Certificate().Raw})
	}},
}

func say(c *call, line string) error {
	_, err := fmt.Fprintln(c.stdout, line)
	return err
}

func userFlag(fs *flag.FlagSet, a *args) { fs.StringVar(&a.userID, "user", "", "user UUID") }

func cardFlags(fs *flag.FlagSet, a *args) {
	userFlag(fs, a)
	fs.StringVar(&a.guid, "guid", "", "card GUID (32 hex digits)")
}

func reasonFlags(fs *flag.FlagSet, a *args) {
	cardFlags(fs, a)
	fs.StringVar(&a.reason, "reason", "", "why (audited)")
}

func serve(ctx context.Context, svc *identity.Service, c *call) error {
	server.TuneGC()
	log := newLogger(c.cfg, c.log)
	run, err := server.Start(ctx, svc, c.cfg, server.Options{Log: log, Metrics: metrics.New()})
	if err != nil {
		return err
	}
	kind, _, _ := c.cfg.Store()
	fmt.Fprintf(c.stdout, "identityd listening on https://%s (store %s)\nCA fingerprint (SHA-256, to be pinned by agents): %s\n",
		run.Addr, kind, svc.CA().Fingerprint())
	if run.MetricsAddr != "" {
		fmt.Fprintf(c.stdout, "metrics on http://%s/metrics\n", run.MetricsAddr)
	}
	log.Info("serving", "addr", run.Addr, "store", kind)
	return run.Wait() // nil after a clean shutdown (http.ErrServerClosed)
}

func enrol(ctx context.Context, svc *identity.Service, c *call) error {
	guid, err := api.ParseCardGUID(c.guid)
	if err != nil {
		return err
	}
	var keys identity.CardKeys
	if keys.Authentication, err = certfile.ReadPublicKey(c.authPub); err != nil {
		return err
	}
	if keys.Signature, err = certfile.ReadPublicKey(c.signPub); err != nil {
		return err
	}
	pair, err := svc.EnrolCard(ctx, actor, c.userID, guid, keys)
	if err != nil {
		return err
	}
	paths, err := certfile.WritePair(c.out, c.guid, pair.Authentication, pair.Signature)
	for _, p := range paths {
		fmt.Fprintln(c.stdout, p)
	}
	return err
}

func cardState(set func(*identity.Service, context.Context, string, []byte, string) error) func(context.Context, *identity.Service, *call) error {
	return func(ctx context.Context, svc *identity.Service, c *call) error {
		guid, err := api.ParseCardGUID(c.guid)
		if err != nil {
			return err
		}
		return set(svc, ctx, actor, guid, c.reason)
	}
}

func auditVerify(ctx context.Context, svc *identity.Service, c *call) error {
	verify := svc.VerifyAudit
	if c.checkpoint != "" {
		verify = func(ctx context.Context) (audit.Summary, error) { return svc.VerifyAuditCheckpoints(ctx, c.checkpoint) }
	}
	sum, err := verify(ctx)
	if err != nil {
		return err // names the first broken record
	}
	fmt.Fprintf(c.stdout, "audit chain intact: %d records (keyed from record %d), head %x\n", sum.Records, sum.KeyedFrom, sum.Head)
	if c.checkpoint == "" {
		return say(c, "no checkpoint file: records removed from the end of the chain would not show")
	}
	fmt.Fprintf(c.stdout, "checked against %d checkpoints in %s; the newest (%s) saw %d records\n",
		sum.Checkpoints, c.checkpoint, sum.Last.At.Format(time.RFC3339), sum.Last.Seq)
	return nil
}

// auditLine is one record as `audit tail` prints it (no hashes: `audit
// verify` proves the chain).
type auditLine struct {
	Seq         int64     `json:"seq"`
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	Outcome     string    `json:"outcome"`
	User        string    `json:"user,omitempty"`
	Card        string    `json:"card,omitempty"`
	Workstation string    `json:"workstation,omitempty"`
	Session     string    `json:"session,omitempty"`
	Client      string    `json:"client,omitempty"`
	Detail      string    `json:"detail,omitempty"`
}

func auditTail(ctx context.Context, svc *identity.Service, c *call) error {
	recs, err := svc.RecentAudit(ctx, c.last)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(c.stdout)
	for _, r := range recs {
		line := auditLine{Seq: r.Seq, At: r.At, Action: r.Action, Outcome: r.Outcome, User: r.UserID, Card: r.CardGUID,
			Workstation: r.WorkstationID, Session: r.SessionID, Client: r.ClientAddr, Detail: r.Detail}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
