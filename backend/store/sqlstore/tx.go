package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

// querier is a pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx implements store.Reader and store.Tx over a querier.
type tx struct {
	q     querier
	d     *Dialect
	write bool       // inside Update: session reads lock their row
	head  *headCache // inside Update: the chain head of the batch
}

func (t *tx) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := t.q.ExecContext(ctx, query, args...); err != nil {
		return t.wrap(what, err)
	}
	return nil
}

func (t *tx) wrap(what string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, errNotFound)
	case t.d.IsConflict(err):
		return fmt.Errorf("%s: %w", what, errConflict)
	case unavailable(t.d, err):
		return fmt.Errorf("%s: %w: %w", what, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Times are stored as microseconds since the epoch; the zero time as NULL.
func micros(t time.Time) int64 { return t.UnixMicro() }

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

var _ store.Tx = (*tx)(nil)
