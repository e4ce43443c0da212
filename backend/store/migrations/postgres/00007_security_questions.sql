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
    code_hash       BYTEA NOT NULL,
    code_expires_at BIGINT NOT NULL,
    wrong_codes     INTEGER NOT NULL DEFAULT 0,
    codes_sent      INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- An unlock may first ask questions: a new state, and the two questions it
-- asked; and one whose code could not be sent ends 'unsent', which the rate
-- limits do not count.
ALTER TABLE unlocks ADD COLUMN question_ids TEXT NOT NULL DEFAULT '';
-- An administrator's face-to-face unlock names them; the rate limits count
-- only self-service ones.
ALTER TABLE unlocks ADD COLUMN admin_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE unlocks ADD COLUMN admin_session TEXT NOT NULL DEFAULT '';
ALTER TABLE unlocks DROP CONSTRAINT unlocks_state_check;
ALTER TABLE unlocks ADD CONSTRAINT unlocks_state_check CHECK (state IN ('questions', 'code_sent', 'code_accepted',
    'card_proving', 'released', 'completed', 'void', 'expired', 'unsent'));
DROP INDEX unlocks_one_open;
CREATE UNIQUE INDEX unlocks_one_open ON unlocks(card_guid) WHERE state IN ('questions', 'code_sent', 'code_accepted', 'card_proving', 'released');

-- +goose Down
UPDATE unlocks SET state = 'void' WHERE state IN ('questions', 'unsent');
DROP INDEX unlocks_one_open;
CREATE UNIQUE INDEX unlocks_one_open ON unlocks(card_guid) WHERE state IN ('code_sent', 'code_accepted', 'card_proving', 'released');
ALTER TABLE unlocks DROP CONSTRAINT unlocks_state_check;
ALTER TABLE unlocks ADD CONSTRAINT unlocks_state_check CHECK (state IN ('code_sent', 'code_accepted', 'card_proving',
    'released', 'completed', 'void', 'expired'));
ALTER TABLE unlocks DROP COLUMN admin_session;
ALTER TABLE unlocks DROP COLUMN admin_user_id;
ALTER TABLE unlocks DROP COLUMN question_ids;
DROP TABLE question_registrations;
DROP TABLE security_questions;
