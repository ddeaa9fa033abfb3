-- scopegate-demo schema, version 3: usage rollups for tightening (see the demo's TIGHTENING.md).
--
-- `would_break_rollups`: per day (UTC, `YYYY-MM-DD`), endpoint (handler and method), principal
-- and organization, how many requests the current policy allowed and the endpoint's planned policy
-- would deny. `principal` is the user id for sessions, user tokens and superusers, the
-- organization id for organization tokens, '' when there is none, and 'other' for the principals
-- beyond the bound on distinct principals per endpoint and day (their organization is then 0);
-- `organization_id` is 0 when the request named none (no organization has id 0).
--
-- `gate_usage`: which members used a gated area (the replay endpoints) on which day, for the
-- rollout preview.
--
-- Both are bounded by the writer (distinct principals or users per day, and a retention window
-- whose older rows each write deletes). No foreign keys: a rollup outlives the users and
-- organizations it names, and must never stand in the way of deleting them.

CREATE TABLE would_break_rollups (
    day TEXT NOT NULL,
    handler TEXT NOT NULL,
    method TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal TEXT NOT NULL,
    organization_id INTEGER NOT NULL,
    requests INTEGER NOT NULL CHECK (requests > 0),
    PRIMARY KEY (day, handler, method, principal_kind, principal, organization_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE gate_usage (
    organization_id INTEGER NOT NULL,
    gate TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (organization_id, gate, day, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX gate_usage_day ON gate_usage (day);
