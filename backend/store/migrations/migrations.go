// Package migrations embeds the versioned schema of each store, in goose's
// file format: PostgreSQL runs them with a goose Provider, SQLite with its
// own goose-compatible runner (backend/store/sqlite). Both directories hold
// the same versions with the same meaning; only the column types differ.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite is the schema for modernc.org/sqlite.
func SQLite() fs.FS { return sub("sqlite") }

// Postgres is the schema for PostgreSQL.
func Postgres() fs.FS { return sub("postgres") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directories are embedded above
	}
	return f
}
