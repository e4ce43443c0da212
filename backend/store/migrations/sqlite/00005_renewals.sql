-- +goose Up
-- Certificate renewals (docs/renewal.md). A card has at most one open
-- renewal (neither completed nor expired): the partial unique index says
-- so, whichever instance opens it. Only the token's SHA-256 is kept. key_9a
-- and key_9c are the new public keys (DER SubjectPublicKeyInfo) as the card
-- generated them; cert_9a and cert_9c the pending certificates, which join
-- the certificates table (and log in) only when the renewal completes.
-- expires_at is NULL once the card was authenticated for the renewal.
CREATE TABLE renewals (
    id             TEXT PRIMARY KEY,
    card_guid      TEXT NOT NULL REFERENCES cards(guid),
    token_hash     BLOB NOT NULL,
    workstation_id TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('opened', 'generating_9c', 'recorded_9c', 'generating_9a',
                                                   'recorded_9a', 'issued', 'writing', 'completed', 'expired')),
    key_9a         BLOB,
    key_9c         BLOB,
    cert_9a        BLOB,
    cert_9c        BLOB,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    completed_at   BIGINT
);
CREATE UNIQUE INDEX renewals_one_open ON renewals(card_guid) WHERE state NOT IN ('completed', 'expired');

-- +goose Down
DROP INDEX renewals_one_open;
DROP TABLE renewals;
