-- +goose Up
-- The audit trail is searched by user, card, administrator and time
-- (docs/admin.md): actor_id holds the administrator a record names (the
-- UUID of the "by UUID as ROLE" clause its detail starts with, behind its
-- renewal's id if any: audit.ActorOf), filled in here for the records
-- before this with the same rule; and every search is one range
-- scan of one of these indexes, which all end in (at, seq), the order pages
-- are read in.
ALTER TABLE audit ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
UPDATE audit SET actor_id = CASE
    WHEN detail GLOB 'by [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9] as *' THEN substr(detail, 4, 12)
    WHEN substr(detail, 1, 8) = 'renewal ' AND instr(detail, '; by ') BETWEEN 10 AND 73
        AND substr(detail, 9, instr(detail, '; by ') - 9) NOT GLOB '*[^A-Za-z0-9_?-]*'
        AND substr(detail, instr(detail, '; by ') + 5, 16) GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9] as ' THEN substr(detail, instr(detail, '; by ') + 5, 12)
    ELSE '' END
WHERE detail GLOB 'by *' OR detail GLOB 'renewal *';
CREATE INDEX audit_user_at ON audit (user_id, at, seq);
CREATE INDEX audit_card_at ON audit (card_guid, at, seq);
CREATE INDEX audit_actor_at ON audit (actor_id, at, seq);
CREATE INDEX audit_at ON audit (at, seq);

-- +goose Down
DROP INDEX audit_at;
DROP INDEX audit_actor_at;
DROP INDEX audit_card_at;
DROP INDEX audit_user_at;
ALTER TABLE audit DROP COLUMN actor_id;
