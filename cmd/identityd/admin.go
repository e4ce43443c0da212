package main

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/certfile"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/demo"
)

const actor = "identityd-cli"

// sub splits "identityd user add …" into the action and its arguments.
func sub(name string, args []string, actions ...string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, fmt.Errorf("usage: identityd %s %v [flags]", name, actions)
	}
	for _, a := range actions {
		if args[0] == a {
			return a, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("identityd %s: unknown action %q (want one of %v)", name, args[0], actions)
}

func user(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action, args, err := sub("user", args, "add", "list")
	if err != nil {
		return err
	}
	var u store.User
	return withService(ctx, "user "+action, args, stderr, func(fs *flag.FlagSet) {
		if action == "add" {
			fs.StringVar(&u.ID, "id", "", "12-digit UUID")
			fs.StringVar(&u.Name, "name", "", "full name")
			fs.StringVar(&u.Email, "email", "", "email")
			fs.StringVar(&u.Mobile, "mobile", "", "mobile number")
		}
	}, nil, func(svc *identity.Service) error {
		if action == "add" {
			return svc.CreateUser(ctx, actor, u)
		}
		us, err := svc.Users(ctx)
		for _, u := range us {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", u.ID, u.Name, u.Email)
		}
		return err
	})
}

func role(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action, args, err := sub("role", args, "add-org", "grant", "list")
	if err != nil {
		return err
	}
	var o store.Organisation
	var p store.Position
	var days int
	return withService(ctx, "role "+action, args, stderr, func(fs *flag.FlagSet) {
		switch action {
		case "add-org":
			fs.StringVar(&o.ID, "id", "", "organisation code (e.g. ODS code)")
			fs.StringVar(&o.Name, "name", "", "organisation name")
		case "grant":
			fs.StringVar(&p.ID, "id", "", "position id (default: random)")
			fs.StringVar(&p.UserID, "user", "", "user UUID")
			fs.StringVar(&p.OrganisationID, "org", "", "organisation code")
			fs.StringVar(&p.RoleName, "role", "", "role name")
			fs.IntVar(&days, "days", 0, "end after this many days (0: open-ended)")
		case "list":
			fs.StringVar(&p.UserID, "user", "", "user UUID")
		}
	}, nil, func(svc *identity.Service) error {
		switch action {
		case "add-org":
			return svc.CreateOrganisation(ctx, actor, o)
		case "grant":
			if days > 0 {
				p.EndsAt = time.Now().AddDate(0, 0, days)
			}
			id, err := svc.GrantRole(ctx, actor, p)
			if err == nil {
				fmt.Fprintln(stdout, id)
			}
			return err
		}
		ps, err := svc.Positions(ctx, p.UserID)
		for _, p := range ps {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", p.ID, p.OrganisationID, p.OrganisationName, p.RoleName)
		}
		return err
	})
}

func card(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action, args, err := sub("card", args, "enrol", "cancel", "lock", "list")
	if err != nil {
		return err
	}
	var userID, guidHex, authPub, signPub, out, reason string
	return withService(ctx, "card "+action, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&userID, "user", "", "user UUID")
		fs.StringVar(&guidHex, "guid", "", "card GUID (32 hex digits)")
		switch action {
		case "enrol":
			fs.StringVar(&authPub, "auth-pub", "", "PEM public key of slot 9A")
			fs.StringVar(&signPub, "sign-pub", "", "PEM public key of slot 9C")
			fs.StringVar(&out, "out", ".", "directory for the issued certificates")
		case "cancel", "lock":
			fs.StringVar(&reason, "reason", "", "why (audited)")
		}
	}, nil, func(svc *identity.Service) error {
		if action == "list" {
			cs, err := svc.Cards(ctx, userID)
			for _, c := range cs {
				fmt.Fprintf(stdout, "%s\t%s\t%s\tkey v%d\n", c.GUID, c.UserID, c.State, c.KeyVersion)
			}
			return err
		}
		guid, err := api.ParseCardGUID(guidHex)
		if err != nil {
			return err
		}
		switch action {
		case "cancel":
			return svc.CancelCard(ctx, actor, guid, reason)
		case "lock":
			return svc.LockCard(ctx, actor, guid, reason)
		}
		var keys identity.CardKeys
		if keys.Authentication, err = certfile.ReadPublicKey(authPub); err != nil {
			return err
		}
		if keys.Signature, err = certfile.ReadPublicKey(signPub); err != nil {
			return err
		}
		pair, err := svc.EnrolCard(ctx, actor, userID, guid, keys)
		if err != nil {
			return err
		}
		paths, err := certfile.WritePair(out, guidHex, pair.Authentication, pair.Signature)
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
		return err
	})
}

func terms(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, args, err := sub("terms", args, "publish")
	if err != nil {
		return err
	}
	var text []byte
	readFile := func(_ *config.Config, rest []string) (err error) {
		if len(rest) != 1 {
			return errors.New("usage: identityd terms publish FILE")
		}
		text, err = os.ReadFile(rest[0])
		return err
	}
	return withService(ctx, "terms publish", args, stderr, nil, readFile, func(svc *identity.Service) error {
		v, err := svc.PublishTerms(ctx, actor, string(text))
		if err == nil {
			fmt.Fprintf(stdout, "published terms version %d\n", v)
		}
		return err
	})
}

func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, args, err := sub("audit", args, "verify")
	if err != nil {
		return err
	}
	var checkpoints string
	return withService(ctx, "audit verify", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&checkpoints, "checkpoint", "", "signed checkpoint file to check the chain against (default: the -audit-checkpoints file, if it exists)")
	}, func(cfg *config.Config, _ []string) error {
		cfg.Migrate = false // verifying must not change the database
		if checkpoints == "" && cfg.AuditCheckpoints != "" {
			if _, err := os.Stat(cfg.AuditCheckpoints); err == nil {
				checkpoints = cfg.AuditCheckpoints
			}
		}
		return nil
	}, func(svc *identity.Service) error {
		var sum audit.Summary
		var err error
		if checkpoints != "" {
			sum, err = svc.VerifyAuditCheckpoints(ctx, checkpoints)
		} else {
			sum, err = svc.VerifyAudit(ctx)
		}
		if err != nil {
			return err // names the first broken record
		}
		fmt.Fprintf(stdout, "audit chain intact: %d records (keyed from record %d), head %x\n", sum.Records, sum.KeyedFrom, sum.Head)
		if checkpoints == "" {
			fmt.Fprintln(stdout, "no checkpoint file: records removed from the end of the chain would not show")
			return nil
		}
		fmt.Fprintf(stdout, "checked against %d checkpoints in %s; the newest (%s) saw %d records\n",
			sum.Checkpoints, checkpoints, sum.Last.At.Format(time.RFC3339), sum.Last.Seq)
		return nil
	})
}

func caCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action, args, err := sub("ca", args, "fingerprint", "cert")
	if err != nil {
		return err
	}
	return withService(ctx, "ca "+action, args, stderr, nil, nil, func(svc *identity.Service) error {
		if action == "cert" {
			return pem.Encode(stdout, &pem.Block{Type: "CERTIFICATE", Bytes: svc.CA().Certificate().Raw})
		}
		fmt.Fprintln(stdout, svc.CA().Fingerprint())
		return nil
	})
}

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cardDir string
	return withService(ctx, "demo", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&cardDir, "card-dir", "", "also enrol one software demo card per demo user and write its key, GUID and certificates here")
	}, nil, func(svc *identity.Service) error {
		if err := demo.Seed(ctx, svc); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "demo data seeded")
		if cardDir == "" {
			return nil
		}
		return demo.WriteEnrolments(ctx, svc, cardDir, stdout)
	})
}
