-- +goose Up
-- A renewal may be done by an administrator face to face (docs/admin.md):
-- kind says by whom, and an RA's or sponsor's names them and the session
-- they worked in, which each card step re-checks. Rows before this were
-- the holders' own.
ALTER TABLE renewals ADD COLUMN kind TEXT NOT NULL DEFAULT 'self' CHECK (kind IN ('self', 'ra', 'sponsor'));
ALTER TABLE renewals ADD COLUMN admin_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE renewals ADD COLUMN admin_session TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE renewals DROP COLUMN admin_session;
ALTER TABLE renewals DROP COLUMN admin_user_id;
ALTER TABLE renewals DROP COLUMN kind;
