package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cardagent/cardagent/backend/store"
)

func (t *tx) CreateOrganisation(ctx context.Context, o store.Organisation) error {
	return t.exec(ctx, "creating organisation "+o.ID,
		`INSERT INTO organisations (id, name) VALUES ($1, $2)`, o.ID, o.Name)
}

func (t *tx) Organisation(ctx context.Context, id string) (store.Organisation, error) {
	o := store.Organisation{ID: id}
	err := t.q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, id).Scan(&o.Name)
	if err != nil {
		return o, t.wrap("reading organisation "+id, err)
	}
	return o, nil
}

func (t *tx) CreateUser(ctx context.Context, u store.User) error {
	return t.exec(ctx, "creating user "+u.ID,
		`INSERT INTO users (id, name, email, mobile, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.Name, u.Email, u.Mobile, u.Disabled, micros(u.CreatedAt))
}

const userColumns = `id, name, email, mobile, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var created int64
	err := row.Scan(&u.ID, &u.Name, &u.Email, &u.Mobile, &u.Disabled, &created)
	u.CreatedAt = fromMicros(created)
	return u, err
}

func (t *tx) User(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(t.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return u, t.wrap("reading user "+id, err)
	}
	return u, nil
}

func (t *tx) Users(ctx context.Context) ([]store.User, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, t.wrap("listing users", err)
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, t.wrap("listing users", err)
		}
		us = append(us, u)
	}
	return us, t.wrapIf("listing users", rows.Err())
}

func (t *tx) CreatePosition(ctx context.Context, p store.Position) error {
	return t.exec(ctx, "creating position "+p.ID,
		`INSERT INTO positions (id, user_id, organisation_id, role_name, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.ID, p.UserID, p.OrganisationID, p.RoleName, micros(p.StartsAt), nullMicros(p.EndsAt))
}

func (t *tx) EndPosition(ctx context.Context, id string, endsAt time.Time) error {
	// Only ever brought forward: two ends at once cannot move it later.
	res, err := t.q.ExecContext(ctx, `UPDATE positions SET ends_at = $2 WHERE id = $1 AND (ends_at IS NULL OR ends_at > $2)`, id, micros(endsAt))
	return t.oneRow("ending position "+id, res, err)
}

func (t *tx) Positions(ctx context.Context, userID string) ([]store.Position, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT p.id, p.organisation_id, o.name, p.role_name, p.starts_at, p.ends_at
		FROM positions p JOIN organisations o ON o.id = p.organisation_id
		WHERE p.user_id = $1 ORDER BY o.name, p.role_name, p.id`, userID)
	if err != nil {
		return nil, t.wrap("reading positions of "+userID, err)
	}
	defer rows.Close()
	var ps []store.Position
	for rows.Next() {
		p := store.Position{UserID: userID}
		var starts int64
		var ends sql.NullInt64
		if err := rows.Scan(&p.ID, &p.OrganisationID, &p.OrganisationName, &p.RoleName, &starts, &ends); err != nil {
			return nil, t.wrap("reading positions of "+userID, err)
		}
		p.StartsAt, p.EndsAt = fromMicros(starts), fromNullMicros(ends)
		ps = append(ps, p)
	}
	return ps, t.wrapIf("reading positions of "+userID, rows.Err())
}

func (t *tx) wrapIf(what string, err error) error {
	if err == nil {
		return nil
	}
	return t.wrap(what, err)
}
