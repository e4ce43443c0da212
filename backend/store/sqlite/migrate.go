package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// The SQLite schema is applied without goose, so that the programs that
// embed identityd on SQLite (the desktop agent's demo) do not link it, yet
// a database stays interchangeable with one goose migrated: the same
// version table (goose v3's SQLite DDL, with its version-0 row), one row per
// applied migration, each migration and its row in one transaction, and
// goose's rule that a migration missing below the newest applied one is an
// error. Earlier identityd versions migrated their SQLite files with goose;
// TestGooseCompatible checks both directions.

// versionTable is goose's default table name.
const versionTable = "goose_db_version"

// MissingMigrationsError is a database that has a newer migration applied
// but not these older ones (goose refuses to run them out of order too).
type MissingMigrationsError struct {
	Missing []int64
	Newest  int64
}

func (e *MissingMigrationsError) Error() string {
	return fmt.Sprintf("sqlite: migrations %v are not applied but the newer %d is", e.Missing, e.Newest)
}

type migration struct {
	version int64
	name    string
	up      string // the "-- +goose Up" section
}

// migrator runs the embedded migrations on the writer pool.
type migrator struct {
	db *sql.DB
	ms []migration
}

// loadMigrations reads NNNNN_name.sql files and their Up sections.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		prefix, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("sqlite: migration %s: the name does not start with a version", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		up, err := upSection(string(b))
		if err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, up: up})
	}
	slices.SortFunc(ms, func(a, b migration) int { return int(a.version - b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlite: migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// upSection is the text between "-- +goose Up" and "-- +goose Down" (or the
// end). SQLite runs it as one script, so StatementBegin/End markers need no
// splitting; other annotations (NO TRANSACTION, ENVSUB) are not supported.
func upSection(text string) (string, error) {
	var b strings.Builder
	in, seen := false, false
	for line := range strings.Lines(text) {
		ann, ok := strings.CutPrefix(strings.TrimSpace(line), "-- +goose ")
		if !ok {
			if in {
				b.WriteString(line)
			}
			continue
		}
		switch strings.TrimSpace(ann) {
		case "Up":
			in, seen = true, true
		case "Down":
			in = false
		case "StatementBegin", "StatementEnd":
		default:
			return "", fmt.Errorf("the annotation %q is not supported", ann)
		}
	}
	if !seen {
		return "", errors.New("no -- +goose Up section")
	}
	return b.String(), nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// pending lists the migrations still to apply, in order.
func (m *migrator) pending(ctx context.Context, q querier) ([]migration, bool, error) {
	var exists bool
	err := q.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`, versionTable).Scan(&exists)
	if err != nil || !exists {
		return m.ms, false, err
	}
	rows, err := q.QueryContext(ctx, `SELECT version_id FROM `+versionTable)
	if err != nil {
		return nil, true, err
	}
	defer rows.Close()
	applied, newest := map[int64]bool{}, int64(0)
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, true, err
		}
		applied[v], newest = true, max(newest, v)
	}
	if err := rows.Err(); err != nil {
		return nil, true, err
	}
	var todo []migration
	var missing []int64
	for _, mg := range m.ms {
		switch {
		case applied[mg.version]:
		case mg.version < newest:
			missing = append(missing, mg.version)
		default:
			todo = append(todo, mg)
		}
	}
	if len(missing) > 0 {
		return nil, true, &MissingMigrationsError{Missing: missing, Newest: newest}
	}
	return todo, true, nil
}

// Pending reports whether a migration is still to apply. It writes
// nothing, not even the version table.
func (m *migrator) Pending(ctx context.Context) (bool, error) {
	todo, _, err := m.pending(ctx, m.db)
	return len(todo) > 0, err
}

// Up applies every pending migration, each in its own write transaction
// (BEGIN IMMEDIATE: another process migrating the same file waits, then
// finds it done).
func (m *migrator) Up(ctx context.Context) error {
	for {
		done, err := m.step(ctx)
		if err != nil || done {
			return err
		}
	}
}

// step applies the next pending migration; done when there was none.
func (m *migrator) step(ctx context.Context) (done bool, err error) {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	todo, exists, err := m.pending(ctx, tx)
	if err != nil {
		return false, err
	}
	if !exists {
		// goose v3's version table, and its version-0 row.
		if _, err := tx.ExecContext(ctx, `CREATE TABLE `+versionTable+` (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		version_id INTEGER NOT NULL,
		is_applied INTEGER NOT NULL,
		tstamp TIMESTAMP DEFAULT (datetime('now'))
	)`); err != nil {
			return false, fmt.Errorf("creating the version table: %w", err)
		}
		if err := insertVersion(ctx, tx, 0); err != nil {
			return false, err
		}
	}
	if len(todo) == 0 {
		return true, tx.Commit()
	}
	mg := todo[0]
	if _, err := tx.ExecContext(ctx, mg.up); err != nil {
		return false, fmt.Errorf("migration %s: %w", mg.name, err)
	}
	if err := insertVersion(ctx, tx, mg.version); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

func insertVersion(ctx context.Context, tx *sql.Tx, v int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+versionTable+` (version_id, is_applied) VALUES (?, ?)`, v, true); err != nil {
		return fmt.Errorf("recording migration %d: %w", v, err)
	}
	return nil
}
