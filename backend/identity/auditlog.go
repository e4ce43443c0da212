package identity

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/store"
)

// auditCloseTimeout bounds the last checkpoint at Close.
const auditCloseTimeout = 5 * time.Second

// storeExists refuses to open a SQLite store that is not there (opening
// would create it); a PostgreSQL database is checked by its schema.
func storeExists(cfg config.Config) error {
	kind, loc, err := cfg.Store()
	if err != nil {
		return err
	}
	if kind != "sqlite" {
		return nil
	}
	if _, err := os.Stat(loc); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no identityd database at %s: nothing to read (give the store with -data-dir or -db; "+
			"identityd serve or migrate creates one)", loc)
	} else if err != nil {
		return fmt.Errorf("the identityd database %s: %w", loc, err)
	}
	return nil
}

// openReadOnly checks that the store has its schema and loads the root
// secret without ever generating one.
func (s *Service) openReadOnly(ctx context.Context) error {
	ok, err := s.store.MigrationsCurrent(ctx)
	if err != nil {
		return fmt.Errorf("the store cannot be read: %w", err)
	}
	if !ok {
		return errors.New("the store's schema is missing or old: run identityd migrate on it first")
	}
	if s.root != nil {
		return nil
	}
	if s.cfg.Secret != "" {
		s.root, err = secret.Parse(s.cfg.Secret)
		return err
	}
	s.root, err = secret.LoadFile(s.cfg.SecretFile, false)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no root secret at %s (and IDENTITYD_SECRET is unset): give the store's secret with -secret-file or -data-dir", s.cfg.SecretFile)
	}
	return err
}

// startAudit derives the chain's keys and, unless read-only, writes the
// audit.keyed record if the chain has none yet (the re-chaining step after
// migration 00003) and starts the checkpoint writer.
func (s *Service) startAudit(ctx context.Context) error {
	var err error
	if s.auditKey, err = audit.NewKey(s.root.Derive(secret.PurposeAuditMAC)); err != nil {
		return err
	}
	s.checkpointKey = ed25519.NewKeyFromSeed(s.root.Derive(secret.PurposeAuditCheckpoint))
	if s.readOnly {
		return nil
	}
	s.refusals = newRefusalLimiter(time.Now) // rates are about real time, whatever the service's clock says
	err = s.store.Update(ctx, func(tx store.Tx) error {
		wrote, err := audit.StartKeyed(ctx, tx, s.auditKey, s.now())
		if wrote {
			s.log.InfoContext(ctx, "audit chain: keyed chain started")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("starting the keyed audit chain: %w", err)
	}
	if s.cfg.AuditCheckpoints == "" {
		s.summaryStop, s.summaryDone = make(chan struct{}), make(chan struct{})
		go s.summaryLoop(s.summaryStop, s.summaryDone)
		return nil
	}
	if s.checkpoints, err = audit.NewCheckpointer(ctx, s.cfg.AuditCheckpoints, s.checkpointKey, s.auditHead,
		audit.CheckpointOptions{Now: s.now, Log: s.log}); err != nil {
		return err
	}
	s.summaryStop, s.summaryDone = make(chan struct{}), make(chan struct{})
	go s.summaryLoop(s.summaryStop, s.summaryDone)
	return nil
}

func (s *Service) auditHead(ctx context.Context) (h audit.Head, err error) {
	err = s.store.View(ctx, func(r store.Reader) (err error) {
		h, err = r.AuditHead(ctx)
		return err
	})
	return h, err
}

// appended tells the checkpoint writer that n records were committed.
func (s *Service) appended(n int) {
	if s.checkpoints != nil {
		s.checkpoints.Appended(n)
	}
}

// FlushAudit writes what the audit log holds back now instead of at its
// next interval: the suppressed-refusals record, then a checkpoint of the
// head.
func (s *Service) FlushAudit(ctx context.Context) error {
	err := s.summariseRefusals(ctx)
	if s.checkpoints != nil {
		err = errors.Join(err, s.checkpoints.Checkpoint(ctx))
	}
	return err
}

func (s *Service) closeAudit() error {
	s.stopChainChecks()
	if s.summaryStop != nil {
		close(s.summaryStop)
		<-s.summaryDone
		s.summaryStop = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditCloseTimeout)
	defer cancel()
	err := s.summariseRefusals(ctx)
	if s.checkpoints != nil {
		err = errors.Join(err, s.checkpoints.Close(ctx))
		s.checkpoints = nil
	}
	return err
}

// CheckpointPublicKey verifies the signatures of this secret's checkpoints.
func (s *Service) CheckpointPublicKey() ed25519.PublicKey {
	return s.checkpointKey.Public().(ed25519.PublicKey)
}

// VerifyAuditCheckpoints proves the audit chain and checks it against the
// signed checkpoints in the file at path: a chain cut short behind the
// newest checkpoint, or differing from any, is broken.
func (s *Service) VerifyAuditCheckpoints(ctx context.Context, path string) (audit.Summary, error) {
	cps, err := audit.ReadCheckpointFile(path, s.CheckpointPublicKey())
	if err != nil {
		return audit.Summary{}, err
	}
	return s.verifyAudit(ctx, cps)
}

func (s *Service) verifyAudit(ctx context.Context, cps []audit.Checkpoint) (audit.Summary, error) {
	var sum audit.Summary
	err := s.store.Snapshot(ctx, func(r store.Reader) (err error) { // appends go on meanwhile
		sum, err = audit.Verify(ctx, r, s.auditKey, cps)
		return err
	})
	return sum, err
}
