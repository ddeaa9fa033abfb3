//! The demo data a new database starts with (see the demo's README for the tour).
//!
//! Ids are fixed so that the README's commands can name them: users `owner` 1, `admin` 2,
//! `member` 3, `gina` 4, `staff` 5; organizations `acme` 1, `globex` 2; teams `frontend` 1,
//! `backend` 2, `platform` 3; projects `web` 1, `api` 2, `shop` 3; dashboards 1–3.

//!
//! The data is plain SQL that both backends run as it is (booleans are `TRUE`/`FALSE`, timestamps
//! RFC 3339 text, JSON text); only the seeded token, whose secret is generated, is inserted by each
//! backend with its own parameter syntax.

use super::{StoreError, StoreResult};
use crate::token::{Secret, TokenKind};

/// The seed data, SQL that SQLite and PostgreSQL both run unchanged.
pub(super) const DATA: &str = r#"
INSERT INTO users (id, username, name, email, is_superuser) VALUES
    (1, 'owner', 'Olivia Owner', 'owner@acme.example', FALSE),
    (2, 'admin', 'Adam Admin', 'admin@acme.example', FALSE),
    (3, 'member', 'Mia Member', 'member@acme.example', FALSE),
    (4, 'gina', 'Gina Globex', 'gina@globex.example', FALSE),
    (5, 'staff', 'Sam Staff', 'staff@scopegate.example', TRUE);

INSERT INTO organizations (id, slug, name, open_membership, granular_replay) VALUES
    (1, 'acme', 'Acme Corp', TRUE, FALSE),
    (2, 'globex', 'Globex Corporation', TRUE, FALSE);

INSERT INTO organization_features (organization_id, feature) VALUES
    (1, 'organizations:session-replay'),
    (2, 'organizations:session-replay');

INSERT INTO members (id, organization_id, user_id, role) VALUES
    (1, 1, 1, 'owner'),
    (2, 1, 2, 'admin'),
    (3, 1, 3, 'member'),
    (4, 2, 4, 'owner');

INSERT INTO teams (id, organization_id, slug, name) VALUES
    (1, 1, 'frontend', 'Frontend'),
    (2, 1, 'backend', 'Backend'),
    (3, 2, 'platform', 'Platform');

INSERT INTO team_members (organization_id, team_id, member_id) VALUES
    (1, 1, 3),
    (1, 2, 2),
    (2, 3, 4);

INSERT INTO projects (id, organization_id, slug, name, platform) VALUES
    (1, 1, 'web', 'Web storefront', 'javascript'),
    (2, 1, 'api', 'Public API', 'python'),
    (3, 2, 'shop', 'Globex shop', 'javascript');

INSERT INTO dashboards (id, organization_id, title, created_by, widgets) VALUES
    (1, 1, 'Frontend health', 3, '[{"title":"Errors by page","displayType":"bar","query":"event.type:error"}]'),
    (2, 1, 'Organization overview', 1, '[{"title":"Events per project","displayType":"line","query":""}]'),
    (3, 2, 'Sales funnel', 4, '[]');

INSERT INTO saved_searches (id, organization_id, name, query, visibility, owner_id) VALUES
    (1, 1, 'Unresolved errors', 'is:unresolved level:error', 'organization', 1),
    (2, 1, 'Assigned to me', 'is:unresolved assigned:me', 'owner', 3),
    (3, 2, 'Checkout failures', 'transaction:/checkout is:unresolved', 'organization', 4);

INSERT INTO replays (id, project_id, environment, started_at, finished_at, urls, count_errors, user_display_name) VALUES
    ('a1b2c3d4e5f60718293a4b5c6d7e8f90', 1, 'production', '2025-06-02T09:00:00.000Z', '2025-06-02T09:04:10.000Z',
     '["https://shop.acme.example/","https://shop.acme.example/cart"]', 1, 'jane@customer.example'),
    ('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 1, 'production', '2025-06-03T14:30:00.000Z', '2025-06-03T14:31:05.000Z',
     '["https://shop.acme.example/checkout"]', 0, 'raj@customer.example'),
    ('5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a', 1, 'staging', '2025-06-04T08:15:00.000Z', '2025-06-04T08:16:00.000Z',
     '["https://staging.acme.example/"]', 2, 'qa@acme.example'),
    ('99887766554433221100aabbccddeeff', 2, 'production', '2025-06-05T11:00:00.000Z', '2025-06-05T11:00:42.000Z',
     '["https://api.acme.example/docs"]', 0, 'dev@partner.example'),
    ('c0ffeec0ffeec0ffeec0ffeec0ffee00', 3, 'production', '2025-06-02T10:00:00.000Z', '2025-06-02T10:02:00.000Z',
     '["https://shop.globex.example/"]', 0, 'homer@customer.example');

INSERT INTO recording_segments (replay_id, segment_id, date_added, events) VALUES
    ('a1b2c3d4e5f60718293a4b5c6d7e8f90', 0, '2025-06-02T09:00:05.000Z',
     '[{"type":4,"timestamp":1748854800000,"data":{"href":"https://shop.acme.example/","width":1280,"height":800}},{"type":2,"timestamp":1748854800100,"data":{"node":{"type":0,"id":1}}}]'),
    ('a1b2c3d4e5f60718293a4b5c6d7e8f90', 1, '2025-06-02T09:02:00.000Z',
     '[{"type":3,"timestamp":1748854920000,"data":{"source":2,"type":2,"id":42,"x":640,"y":400}}]'),
    ('a1b2c3d4e5f60718293a4b5c6d7e8f90', 2, '2025-06-02T09:04:10.000Z',
     '[{"type":4,"timestamp":1748855040000,"data":{"href":"https://shop.acme.example/cart","width":1280,"height":800}}]'),
    ('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 0, '2025-06-03T14:30:05.000Z',
     '[{"type":4,"timestamp":1748961000000,"data":{"href":"https://shop.acme.example/checkout","width":390,"height":844}}]'),
    ('5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a', 0, '2025-06-04T08:15:05.000Z',
     '[{"type":4,"timestamp":1749024900000,"data":{"href":"https://staging.acme.example/","width":1440,"height":900}}]'),
    ('99887766554433221100aabbccddeeff', 0, '2025-06-05T11:00:05.000Z',
     '[{"type":4,"timestamp":1749121200000,"data":{"href":"https://api.acme.example/docs","width":1920,"height":1080}}]'),
    ('c0ffeec0ffeec0ffeec0ffeec0ffee00', 0, '2025-06-02T10:00:05.000Z',
     '[{"type":4,"timestamp":1748858400000,"data":{"href":"https://shop.globex.example/","width":1280,"height":800}}]');

INSERT INTO replay_views (replay_id, user_id, viewed_at) VALUES
    ('a1b2c3d4e5f60718293a4b5c6d7e8f90', 1, '2025-06-02T12:00:00.000Z');
"#;

/// The tables whose ids the seed data sets explicitly (PostgreSQL moves their identity sequences
/// past them).
pub(super) const TABLES_WITH_SEEDED_IDS: &[&str] = &[
    "users",
    "organizations",
    "members",
    "teams",
    "projects",
    "dashboards",
    "saved_searches",
    "org_auth_tokens",
];

/// The SQL that inserts the seeded organization token, with `{hash}` and `{last}` for the
/// backend's parameter markers.
pub(super) fn seeded_token_insert(hash: &str, last: &str) -> String {
    format!(
        "INSERT INTO org_auth_tokens (id, token_hash, token_last_characters, name, organization_id, scopes, \
         created_by) VALUES (1, {hash}, {last}, 'CI deploys', 1, 'org:ci', 1)"
    )
}

/// The seeded organization token: an organization token whose secret nobody knows. It shows up in
/// the token list and can be deleted, but never used (create usable tokens with
/// `scopegate-demo token create`). Returns its hash and last characters.
pub(super) fn seeded_token() -> StoreResult<(String, String)> {
    let secret = Secret::generate(TokenKind::Org)
        .map_err(|e| StoreError::Backend(format!("no randomness for the seeded token: {e}")))?;
    Ok((secret.hash(), secret.last_characters()))
}
