-- +goose Up
-- The audit chain becomes keyed (HMAC-SHA-256 with a key derived from the
-- root secret) and records the client address. Rows written before this
-- migration keep their unkeyed SHA-256 hashes; the first record appended
-- after it is an 'audit.keyed' record, whose MAC covers the old head, and
-- keyed_from holds its sequence number (0: not keyed yet). identityd writes
-- it at start (serve, migrate) or with the first append, whichever comes
-- first. Legacy records have client_addr ''.
ALTER TABLE audit ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE audit_head DROP COLUMN keyed_from;
ALTER TABLE audit DROP COLUMN client_addr;
