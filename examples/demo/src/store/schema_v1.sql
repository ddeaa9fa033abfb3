-- scopegate-demo schema, version 1. Timestamps are RFC 3339 UTC text with milliseconds, so they
-- sort as text. Composite foreign keys keep team memberships, replay allowlists and user tokens
-- inside one organization.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    is_superuser INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1))
) STRICT;

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    open_membership INTEGER NOT NULL DEFAULT 1 CHECK (open_membership IN (0, 1)),
    granular_replay INTEGER NOT NULL DEFAULT 0 CHECK (granular_replay IN (0, 1)),
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE organization_features (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    feature TEXT NOT NULL,
    PRIMARY KEY (organization_id, feature)
) STRICT, WITHOUT ROWID;

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('member', 'admin', 'manager', 'owner')),
    UNIQUE (organization_id, user_id),
    UNIQUE (organization_id, id)
) STRICT;

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (organization_id, slug),
    UNIQUE (organization_id, id)
) STRICT;

CREATE TABLE team_members (
    organization_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    PRIMARY KEY (team_id, member_id),
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, member_id) REFERENCES members (organization_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX team_members_member ON team_members (member_id);

CREATE TABLE replay_access_members (
    organization_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES members (organization_id, user_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE replay_access_teams (
    organization_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    PRIMARY KEY (organization_id, team_id),
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    UNIQUE (organization_id, slug)
) STRICT;

CREATE TABLE dashboards (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    widgets TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(widgets)),
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX dashboards_organization ON dashboards (organization_id);

CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('owner', 'organization')),
    owner_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (visibility = 'organization' OR owner_id IS NOT NULL)
) STRICT;
CREATE INDEX saved_searches_organization ON saved_searches (organization_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    superuser INTEGER NOT NULL DEFAULT 0 CHECK (superuser IN (0, 1)),
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- A user token is bound to one organization the user belongs to, and dies with the membership.
CREATE TABLE user_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    token_last_characters TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    organization_id INTEGER NOT NULL,
    scopes TEXT NOT NULL,
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    FOREIGN KEY (organization_id, user_id) REFERENCES members (organization_id, user_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE org_auth_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    token_last_characters TEXT NOT NULL,
    name TEXT NOT NULL,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX org_auth_tokens_organization ON org_auth_tokens (organization_id);

CREATE TABLE replays (
    id TEXT PRIMARY KEY CHECK (length(id) = 32),
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    urls TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(urls)),
    count_errors INTEGER NOT NULL DEFAULT 0,
    user_display_name TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX replays_project_started ON replays (project_id, started_at);

CREATE TABLE recording_segments (
    replay_id TEXT NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    segment_id INTEGER NOT NULL CHECK (segment_id >= 0),
    date_added TEXT NOT NULL,
    events TEXT NOT NULL CHECK (json_valid(events)),
    PRIMARY KEY (replay_id, segment_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE replay_views (
    replay_id TEXT NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    viewed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (replay_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE replay_deletion_jobs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    range_start TEXT NOT NULL,
    range_end TEXT NOT NULL,
    environments TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(environments)),
    status TEXT NOT NULL CHECK (status IN ('pending', 'in-progress', 'completed', 'failed')),
    count_deleted INTEGER NOT NULL DEFAULT 0,
    date_created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX replay_deletion_jobs_project ON replay_deletion_jobs (project_id);
