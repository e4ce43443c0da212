// Package postgres opens identityd's store in PostgreSQL through pgx v5's
// database/sql driver, pooled, so several identityd instances can share it.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/cardagent/cardagent/backend/store"
	"github.com/cardagent/cardagent/backend/store/migrations"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// MaxConns bounds the pool of one instance.
const MaxConns = 16

// Driver is the PostgreSQL store.Driver.
var Driver = store.Driver{Kind: "postgres", Open: func(ctx context.Context, dsn string) (store.Store, error) {
	db, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return db, nil
}}

// Open connects to the database at dsn (postgres://…). It does not migrate.
func Open(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w", err)
	}
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to postgres: %w", err)
	}
	// Instances starting together take an advisory lock: one migrates, the
	// others wait and find nothing to do.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Postgres(), goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("loading postgres migrations: %w", err)
	}
	return sqlstore.New(db, db, sqlstore.Dialect{
		Name:          "postgres",
		Migrator:      gooseMigrator{p},
		ForUpdate:     " FOR UPDATE",
		IsConflict:    isConflict,
		IsUnavailable: isUnavailable,
		Snapshot:      &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	})
}

// gooseMigrator runs the PostgreSQL migrations with goose.
type gooseMigrator struct{ p *goose.Provider }

func (g gooseMigrator) Up(ctx context.Context) error {
	_, err := g.p.Up(ctx)
	return err
}

func (g gooseMigrator) Pending(ctx context.Context) (bool, error) { return g.p.HasPending(ctx) }

const uniqueViolation = "23505"

func isConflict(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == uniqueViolation
}

// isUnavailable recognises a server that is down, unreachable, shutting
// down, out of resources or read-only, and a connection lost mid-query.
func isUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:2] == "53" || pe.Code[:2] == "57" || pe.Code[:2] == "58"):
			return true // connection exception, insufficient resources, operator intervention, system error
		case pe.Code == "25006":
			return true // read-only transaction (a standby, or read-only by default)
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
