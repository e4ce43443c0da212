-- +goose Up
-- Self-service unlocks of a blocked card (docs/unlock.md). A card has at
-- most one open unlock: a new request voids the one before (the partial
-- unique index says so, whichever instance serves it). Only hashes of the
-- token and of the emailed code are kept; the code's is keyed, so a copy of
-- the database cannot be searched for the short code. challenge is
-- identityd's half of the mutual 9B authentication that proves the card.
-- The indexes on created_at serve the per-card and per-user rate limits.
CREATE TABLE unlocks (
    id              TEXT PRIMARY KEY,
    card_guid       TEXT NOT NULL REFERENCES cards(guid),
    user_id         TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    workstation_id  TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('code_sent', 'code_accepted', 'card_proving', 'released',
                                                    'completed', 'void', 'expired')),
    code_hash       BLOB NOT NULL,
    code_expires_at BIGINT NOT NULL,
    wrong_codes     INTEGER NOT NULL DEFAULT 0,
    challenge       BLOB,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    completed_at    BIGINT
);
CREATE UNIQUE INDEX unlocks_one_open ON unlocks(card_guid) WHERE state IN ('code_sent', 'code_accepted', 'card_proving', 'released');
CREATE INDEX unlocks_card_created ON unlocks(card_guid, created_at);
CREATE INDEX unlocks_user_created ON unlocks(user_id, created_at);

-- +goose Down
DROP INDEX unlocks_user_created;
DROP INDEX unlocks_card_created;
DROP INDEX unlocks_one_open;
DROP TABLE unlocks;
