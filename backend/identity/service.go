// Package identity is identityd's service: login by card proof, sessions,
// terms, roles, certificate status and the admin operations, each state
// change committed together with its audit record.
package identity

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/cardkeys"
	"github.com/cardagent/cardagent/backend/config"
	"github.com/cardagent/cardagent/backend/policy"
	"github.com/cardagent/cardagent/backend/secret"
	"github.com/cardagent/cardagent/backend/store"
)

// Service is the identity backend's logic over a store.
type Service struct {
	cfg          config.Config
	policy       policy.Policy
	store        store.Store
	ownsStore    bool
	drivers      []store.Driver
	root         *secret.Root
	ca           *ca.CA
	challengeKey []byte
	pukWrap      []byte
	unlockKey    []byte     // keys the hashes of unlock codes
	codes        CodeSender // delivers unlock codes; nil: no self-service unlock
	answers      answerHasher
	unlockAddrs  *unlockAddrLimit
	mgmt         *cardkeys.Deriver
	now          func() time.Time
	log          *slog.Logger
	certs        *verifiedCerts
	readOnly     bool

	auditKey      *audit.Key         // the chain's MAC key
	checkpointKey ed25519.PrivateKey // signs head checkpoints
	checkpoints   *audit.Checkpointer
	refusals      *refusalLimiter
	summaryStop   chan struct{}
	summaryDone   chan struct{}
	chain         chainCheck     // the audit view's last verification of the chain
	assertions    *assertionKeys // signs local applications' assertions
}

// Option configures New; an option that cannot apply returns an error.
type Option func(*Service) error

// WithDrivers lets New open cfg.DB with the driver of its kind (the main
// chooses which drivers it links); New closes that store at Close.
func WithDrivers(ds ...store.Driver) Option {
	return func(svc *Service) error {
		svc.drivers = append(svc.drivers, ds...)
		return nil
	}
}

// ErrNoDriver is a cfg.DB of a kind no WithDrivers option gave a driver for.
var ErrNoDriver = errors.New("no store driver")

// WithStore uses s instead of opening cfg.DB; the caller closes it.
func WithStore(s store.Store) Option {
	return func(svc *Service) error {
		if s == nil {
			return errors.New("identity: nil store")
		}
		svc.store = s
		return nil
	}
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option {
	return func(svc *Service) error {
		svc.now = now
		return nil
	}
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(svc *Service) error {
		svc.log = l
		return nil
	}
}

// WithSecret uses root instead of cfg.Secret / cfg.SecretFile.
func WithSecret(root *secret.Root) Option {
	return func(svc *Service) error {
		if root == nil {
			return errors.New("identity: nil secret")
		}
		svc.root = root
		return nil
	}
}

// ReadOnly opens an existing store, secret and CA for reading only (the
// read-only admin commands): nothing is created or migrated, no audit record
// or checkpoint is written; a missing one is an error saying what is missing.
func ReadOnly() Option {
	return func(svc *Service) error {
		svc.readOnly = true
		return nil
	}
}

// New opens the store (WithStore, or cfg.DB with one of WithDrivers), migrates it if cfg.Migrate, loads the
// root secret, loads or creates the CA and starts the keyed audit chain and
// its checkpoints.
func New(ctx context.Context, cfg config.Config, opts ...Option) (*Service, error) {
	svc := &Service{cfg: cfg, policy: cfg.Policy, now: time.Now, log: slog.Default(), certs: newVerifiedCerts(), answers: newAnswerHasher()}
	for _, o := range opts {
		if err := o(svc); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	svc.unlockAddrs = newUnlockAddrLimit(cfg.Policy.UnlockPerAddressPerHour)
	if err := svc.open(ctx); err != nil {
		if svc.ownsStore {
			svc.store.Close()
		}
		return nil, err
	}
	return svc, nil
}

func (s *Service) open(ctx context.Context) error {
	if s.store == nil {
		if s.readOnly {
			if err := storeExists(s.cfg); err != nil {
				return err
			}
		}
		st, err := s.openStore(ctx)
		if err != nil {
			return err
		}
		s.store, s.ownsStore = st, true
	}
	if s.cfg.Migrate && !s.readOnly {
		if err := s.store.Migrate(ctx); err != nil {
			return err
		}
	}
	if s.readOnly {
		if err := s.openReadOnly(ctx); err != nil {
			return err
		}
	}
	if s.root == nil {
		// A new secret is generated only for a new store: one that already
		// holds a CA was sealed with the old secret, which must be restored.
		var hasCA bool
		err := s.store.View(ctx, func(r store.Reader) error {
			_, err := r.CA(ctx)
			hasCA = err == nil
			if errors.Is(err, store.ErrNotFound) {
				err = nil
			}
			return err
		})
		if err != nil && s.cfg.Migrate {
			return err
		}
		root, err := loadSecret(s.cfg, !hasCA)
		if err != nil {
			return err
		}
		s.root = root
	}
	s.challengeKey = s.root.Derive(secret.PurposeChallengeMAC)
	assertions, err := newAssertionKeys(s.root)
	if err != nil {
		return err
	}
	s.assertions = assertions
	s.pukWrap = s.root.Derive(secret.PurposePUKWrap)
	s.unlockKey = s.root.Derive(secret.PurposeUnlockCode)
	if s.codes == nil && !s.readOnly {
		codes, err := newCodeSender(s.cfg.Mail, s.log)
		if err != nil {
			return err
		}
		if codes != nil { // a nil interface, not a nil pointer in one
			s.codes = codes
		}
	}
	mgmt, err := cardkeys.NewDeriver(s.root.Derive(secret.PurposeCardMgmt))
	if err != nil {
		return err
	}
	s.mgmt = mgmt
	c, err := s.loadCA(ctx)
	if err != nil {
		return err
	}
	s.ca = c
	return s.startAudit(ctx)
}

// openStore opens the store cfg.DB names, without migrating.
func (s *Service) openStore(ctx context.Context) (store.Store, error) {
	kind, loc, err := s.cfg.Store()
	if err != nil {
		return nil, err
	}
	for _, d := range s.drivers {
		if d.Kind == kind {
			return d.Open(ctx, loc)
		}
	}
	return nil, fmt.Errorf("identity: %w for %s stores in this program", ErrNoDriver, kind)
}

// loadSecret reads the root secret; only with create may a missing secret
// file be generated.
func loadSecret(cfg config.Config, create bool) (*secret.Root, error) {
	if cfg.Secret != "" {
		return secret.Parse(cfg.Secret)
	}
	root, err := secret.LoadFile(cfg.SecretFile, create)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the secret file %s is missing but the database already holds a CA sealed with it: "+
			"restore the secret file (or set IDENTITYD_SECRET); a new secret cannot open this database", cfg.SecretFile)
	}
	return root, err
}

// loadCA reads the CA from the store or, on first start, creates one; two
// instances racing both end up with the one stored first.
func (s *Service) loadCA(ctx context.Context) (*ca.CA, error) {
	wrap := s.root.Derive(secret.PurposeCAKeyWrap)
	defer clear(wrap)
	var stored store.CA
	err := s.store.View(ctx, func(r store.Reader) (err error) {
		stored, err = r.CA(ctx)
		return err
	})
	if errors.Is(err, store.ErrNotFound) && s.readOnly {
		return nil, errors.New("the store holds no CA yet: start identityd serve (or identityd migrate) on it first")
	}
	if errors.Is(err, store.ErrNotFound) {
		der, key, err := ca.Generate("cardagent identityd CA", s.now())
		if err != nil {
			return nil, err
		}
		sealed, err := ca.SealKey(key, wrap)
		if err != nil {
			return nil, err
		}
		err = s.store.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.InsertCA(ctx, store.CA{CertDER: der, KeySealed: sealed, CreatedAt: s.now()}); err != nil {
				return err
			}
			var err error
			stored, err = tx.CA(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("storing the new CA: %w", err)
		}
	} else if err != nil {
		return nil, err
	}
	key, err := ca.OpenKey(stored.KeySealed, wrap)
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("CA key is not a signer")
	}
	return ca.New(stored.CertDER, signer)
}

// Close closes the store if New opened it.
func (s *Service) Close() error {
	if err := s.closeAudit(); err != nil {
		s.log.Error("closing the audit log", "err", err)
	}
	if s.ownsStore {
		return s.store.Close()
	}
	return nil
}

// CA is the service's certificate authority.
func (s *Service) CA() *ca.CA { return s.ca }

// Policy is the policy in force.
func (s *Service) Policy() policy.Policy { return s.policy }

// Ready reports whether the store answers, its migrations are current and
// it takes a write (a full disk or a read-only store is not ready).
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("store unreachable: %w", err)
	}
	ok, err := s.store.MigrationsCurrent(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("store migrations pending: run identityd migrate")
	}
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.TouchHealth(ctx, s.now()) }); err != nil {
		return fmt.Errorf("store does not take a write: %w", err)
	}
	return nil
}
