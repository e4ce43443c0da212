-- +goose Up
-- Times are microseconds since the Unix epoch (UTC) in both stores, so the
-- same queries and the same audit hashes work on SQLite and PostgreSQL.
CREATE TABLE organisations (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE users (
    id         TEXT PRIMARY KEY CHECK (length(id) = 12),
    name       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    mobile     TEXT NOT NULL DEFAULT '',
    disabled   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Access positions: a role a user holds at an organisation for a time.
CREATE TABLE positions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    role_name       TEXT NOT NULL,
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT
);
CREATE INDEX positions_user ON positions(user_id);

-- Cards: cancel is irreversible (enforced by the service). key_version
-- selects the diversified management key; PUKs are sealed with the
-- backend's key, the next one kept until the card confirms it.
CREATE TABLE cards (
    guid         TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    state        TEXT NOT NULL CHECK (state IN ('active', 'locked', 'cancelled')),
    key_version  INTEGER NOT NULL DEFAULT 1,
    puk_sealed   BLOB,
    puk_next     BLOB,
    created_at   BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE INDEX cards_user ON cards(user_id);

CREATE TABLE certificates (
    serial            TEXT PRIMARY KEY,
    card_guid         TEXT NOT NULL REFERENCES cards(guid),
    slot              TEXT NOT NULL CHECK (slot IN ('9a', '9c')),
    not_before        BIGINT NOT NULL,
    not_after         BIGINT NOT NULL,
    renewals_since_ra INTEGER NOT NULL DEFAULT 0,
    der               BLOB NOT NULL,
    issued_at         BIGINT NOT NULL
);
CREATE INDEX certificates_card ON certificates(card_guid, slot, issued_at);

CREATE TABLE terms (
    version      INTEGER PRIMARY KEY,
    text         TEXT NOT NULL,
    published_at BIGINT NOT NULL
);

CREATE TABLE terms_acceptances (
    user_id     TEXT NOT NULL REFERENCES users(id),
    version     INTEGER NOT NULL REFERENCES terms(version),
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, version)
);

-- Challenges are stateless (MACed); only redeemed ones are kept, until they
-- expire, so a nonce is accepted once across every instance.
CREATE TABLE used_challenges (
    id         BLOB PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_challenges_expiry ON used_challenges(expires_at);

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    token_hash     BLOB NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users(id),
    card_guid      TEXT NOT NULL REFERENCES cards(guid),
    cert_serial    TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    role_id        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'ended')),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);

-- The CA certificate and its private key sealed with the backend key.
CREATE TABLE ca (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    cert_der   BLOB NOT NULL,
    key_sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    action         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    card_guid      TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    detail         TEXT NOT NULL,
    prev_hash      BLOB NOT NULL,
    hash           BLOB NOT NULL
);

-- One row: the chain head, locked by every append.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit;
DROP TABLE ca;
DROP TABLE sessions;
DROP TABLE used_challenges;
DROP TABLE terms_acceptances;
DROP TABLE terms;
DROP TABLE certificates;
DROP TABLE cards;
DROP TABLE positions;
DROP TABLE users;
DROP TABLE organisations;
