package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each query text once per pool. SQLite compiles SQL on
// every unprepared call, which was a fifth of login CPU; database/sql keeps
// a prepared statement per connection, and a transaction on a connection
// that already prepared it reuses it.
//
// A one-connection writer pool cannot prepare while a transaction holds its
// connection, so a query first seen inside a transaction runs unprepared and
// is prepared after the transaction ends (preparePending).
type stmtCache struct {
	db      *sql.DB
	m       sync.Map // query → *sql.Stmt
	pending sync.Map // query → struct{}
}

func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) {
	s, ok := c.m.Load(query)
	if !ok {
		c.pending.Store(query, struct{}{})
		return nil, false
	}
	return s.(*sql.Stmt), true
}

// preparePending prepares the queries transactions ran unprepared; call it
// when no transaction holds a connection of the pool.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.pending.Range(func(q, _ any) bool {
		c.pending.Delete(q)
		_, _ = c.get(ctx, q.(string)) // on failure the query just stays unprepared
		return true
	})
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.m.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

func (c *stmtCache) close() {
	c.m.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
}

// cachedPool runs queries on a pool through prepared statements.
type cachedPool struct{ c *stmtCache }

func (p cachedPool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := p.c.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p cachedPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := p.c.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p cachedPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := p.c.get(ctx, q)
	if err != nil {
		return p.c.db.QueryRowContext(ctx, q, args...) // reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}

// cachedTx runs queries in a transaction through the pool's statements.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s, ok := t.c.lookup(q); ok {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s, ok := t.c.lookup(q); ok {
		return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s, ok := t.c.lookup(q); ok {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}
