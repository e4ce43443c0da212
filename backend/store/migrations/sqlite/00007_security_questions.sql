-- +goose Up
-- Security questions (docs/unlock.md). security_questions holds a user's
-- four registered questions: answers as salted argon2id hashes (PHC
-- strings, in a JSON list with the question ids), never the answers, and
-- failures, the wrong answers given at unlocks since the last right ones;
-- asked, the two questions unlocks ask until they are answered right (the
-- same two each time: asking for a new pair must not fish for known ones).
-- question_registrations holds a registration waiting for its emailed
-- code, one per session; codes_sent survives a newer registration in the
-- same session and its closing (the rate limit); the sweeper forgets old rows.
CREATE TABLE security_questions (
    user_id       TEXT PRIMARY KEY REFERENCES users(id),
    answers       TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    asked         TEXT NOT NULL DEFAULT '',
    registered_at BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE TABLE question_registrations (
    session_id      TEXT PRIMARY KEY REFERENCES sessions(id),
    user_id         TEXT NOT NULL,
    answers         TEXT NOT NULL,
    code_hash       BLOB NOT NULL,
    code_expires_at BIGINT NOT NULL,
    wrong_codes     INTEGER NOT NULL DEFAULT 0,
    codes_sent      INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- An unlock may first ask questions: a new state, and the two questions it
-- asked; and one whose code could not be sent ends 'unsent', which the rate
-- limits do not count. SQLite cannot alter a CHECK constraint, so the table
-- is rebuilt. An administrator's face-to-face unlock names them
-- (admin_user_id, admin_session); the rate limits count only self-service
-- ones.
CREATE TABLE unlocks_next (
    id              TEXT PRIMARY KEY,
    card_guid       TEXT NOT NULL REFERENCES cards(guid),
    user_id         TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    workstation_id  TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('questions', 'code_sent', 'code_accepted', 'card_proving', 'released',
                                                    'completed', 'void', 'expired', 'unsent')),
    code_hash       BLOB NOT NULL,
    code_expires_at BIGINT NOT NULL,
    wrong_codes     INTEGER NOT NULL DEFAULT 0,
    challenge       BLOB,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    completed_at    BIGINT,
    question_ids    TEXT NOT NULL DEFAULT '',
    admin_user_id   TEXT NOT NULL DEFAULT '',
    admin_session   TEXT NOT NULL DEFAULT ''
);
INSERT INTO unlocks_next (id, card_guid, user_id, token_hash, workstation_id, state, code_hash, code_expires_at,
    wrong_codes, challenge, created_at, updated_at, completed_at)
    SELECT id, card_guid, user_id, token_hash, workstation_id, state, code_hash, code_expires_at,
    wrong_codes, challenge, created_at, updated_at, completed_at FROM unlocks;
DROP TABLE unlocks;
ALTER TABLE unlocks_next RENAME TO unlocks;
CREATE UNIQUE INDEX unlocks_one_open ON unlocks(card_guid) WHERE state IN ('questions', 'code_sent', 'code_accepted', 'card_proving', 'released');
CREATE INDEX unlocks_card_created ON unlocks(card_guid, created_at);
CREATE INDEX unlocks_user_created ON unlocks(user_id, created_at);

-- +goose Down
CREATE TABLE unlocks_prev (
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
INSERT INTO unlocks_prev SELECT id, card_guid, user_id, token_hash, workstation_id,
    CASE WHEN state IN ('questions', 'unsent') THEN 'void' ELSE state END, code_hash, code_expires_at,
    wrong_codes, challenge, created_at, updated_at, completed_at FROM unlocks;
DROP TABLE unlocks;
ALTER TABLE unlocks_prev RENAME TO unlocks;
CREATE UNIQUE INDEX unlocks_one_open ON unlocks(card_guid) WHERE state IN ('code_sent', 'code_accepted', 'card_proving', 'released');
CREATE INDEX unlocks_card_created ON unlocks(card_guid, created_at);
CREATE INDEX unlocks_user_created ON unlocks(user_id, created_at);
DROP TABLE question_registrations;
DROP TABLE security_questions;
