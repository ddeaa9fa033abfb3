-- scopegate-demo schema for PostgreSQL, version 2: sessions expire (see schema_v2.sql).

ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();
UPDATE sessions SET last_seen_at = date_created;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX user_tokens_user ON user_tokens (user_id);
