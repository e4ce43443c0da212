// Package postgres opens identityd's store in PostgreSQL through pgx v5's
// database/sql driver, pooled, so several identityd instances can share it.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/cardagent/cardagent/backend/store/migrations"
	"github.com/cardagent/cardagent/backend/store/sqlstore"
)

// MaxConns bounds the pool of one instance.
const MaxConns = 16

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
	return sqlstore.New(db, db, sqlstore.Dialect{
		Name:         "postgres",
		Goose:        goose.DialectPostgres,
		Migrations:   migrations.Postgres(),
		ForUpdate:    " FOR UPDATE",
		IsConflict:   isConflict,
		GooseOptions: []goose.ProviderOption{goose.WithSessionLocker(locker)},
	})
}

const uniqueViolation = "23505"

func isConflict(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == uniqueViolation
}
