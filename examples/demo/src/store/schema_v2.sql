-- scopegate-demo schema, version 2: sessions expire. `last_seen_at` is when the session was last
-- used (recorded at most once a minute); a session idle or older than its lifetime is refused.
-- SQLite cannot add a column whose default is not constant: new sessions set it themselves.

ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z';
UPDATE sessions SET last_seen_at = date_created;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX user_tokens_user ON user_tokens (user_id);
