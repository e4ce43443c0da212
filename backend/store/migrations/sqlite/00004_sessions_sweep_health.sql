-- +goose Up
-- Cancelling or locking a card ends its live sessions; the sweeper ends
-- expired and role-idle ones: both find them by index.
CREATE INDEX sessions_card ON sessions(card_guid, state);
CREATE INDEX sessions_live ON sessions(state, expires_at);

-- One row that /readyz rewrites: readiness proves the store takes a write.
CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE health;
DROP INDEX sessions_live;
DROP INDEX sessions_card;
