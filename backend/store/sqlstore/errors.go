package sqlstore

import "github.com/cardagent/cardagent/backend/store"

var (
	errNotFound = store.ErrNotFound
	errConflict = store.ErrConflict
)
