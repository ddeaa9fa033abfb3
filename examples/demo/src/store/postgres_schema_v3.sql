-- scopegate-demo schema for PostgreSQL, version 3: usage rollups for tightening (see
-- schema_v3.sql), with `day` a date.

CREATE TABLE would_break_rollups (
    day date NOT NULL,
    handler text NOT NULL,
    method text NOT NULL,
    principal_kind text NOT NULL,
    principal text NOT NULL,
    organization_id bigint NOT NULL,
    requests bigint NOT NULL CHECK (requests > 0),
    PRIMARY KEY (day, handler, method, principal_kind, principal, organization_id)
);

CREATE TABLE gate_usage (
    organization_id bigint NOT NULL,
    gate text NOT NULL,
    day date NOT NULL,
    user_id bigint NOT NULL,
    PRIMARY KEY (organization_id, gate, day, user_id)
);
CREATE INDEX gate_usage_day ON gate_usage (day);
