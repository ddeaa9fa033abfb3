//! What the two backends share: the statements they run alike, and the mapping of result rows to
//! the [`model`](crate::model) types.
//!
//! **Placeholders.** Shared statements are written with PostgreSQL's `$N`. SQLite reads `$N` as a
//! named parameter and numbers named parameters in the order they first appear, so `$N` binds the
//! `N`th argument on SQLite too only when `$1, $2, …` first appear in that order (reusing one, as
//! `$1` twice, is fine). Every statement here does, and a test checks it.
//!
//! What really differs stays with each backend: how a time is stored and shown (`rfc3339(…)` on
//! PostgreSQL, text in SQLite), JSON and array casts, upserts, `RETURNING`, and the session
//! expiry arithmetic.

use super::{StoreError, StoreResult, json_list, scopes_list};
use crate::model::{
    Credential, Dashboard, DeletionJob, OrgAuthToken, Organization, Project, RecordingSegment, Replay, Role,
    SavedSearch, Team, User, Visibility,
};

// --- Statements --------------------------------------------------------------------------------

/// A user's columns, on `users u` (five, as [`user_row`] reads them).
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.name, u.email, u.is_superuser"
    };
}

/// A user's columns, on `users u`, as [`user_row`] reads them.
pub(crate) const USER_COLUMNS: &str = user_columns!();
/// A user by username.
pub(crate) const USER_BY_USERNAME: &str =
    concat!("SELECT ", user_columns!(), " FROM users u WHERE u.username = $1");
/// A user token's organization, scopes and user, by its secret's hash.
pub(crate) const USER_TOKEN_CREDENTIAL: &str = concat!(
    "SELECT t.organization_id, t.scopes, ",
    user_columns!(),
    " FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
);
/// An organization token's organization and scopes, by its secret's hash.
pub(crate) const ORG_TOKEN_CREDENTIAL: &str =
    "SELECT organization_id, scopes FROM org_auth_tokens WHERE token_hash = $1";
/// The filters of a membership query (table `m`).
pub(crate) const MEMBERS_OF_ORGANIZATION: &str = "m.organization_id = $1";
pub(crate) const MEMBER_BY_ID: &str = "m.organization_id = $1 AND m.id = $2";
pub(crate) const MEMBER_BY_USER: &str = "m.organization_id = $1 AND m.user_id = $2";

/// Every team with its member count; a `WHERE` on `t` follows.
pub(crate) const TEAM_SELECT: &str = "SELECT t.id, t.organization_id, t.slug, t.name, \
     (SELECT count(*) FROM team_members tm WHERE tm.team_id = t.id) FROM teams t";
/// Every project; a `WHERE` follows.
pub(crate) const PROJECT_SELECT: &str = "SELECT id, organization_id, slug, name, platform FROM projects";

pub(crate) const INSERT_USER_TOKEN: &str = "INSERT INTO user_tokens (token_hash, token_last_characters, name, \
     user_id, organization_id, scopes) VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const INSERT_ORG_TOKEN: &str = "INSERT INTO org_auth_tokens (token_hash, token_last_characters, name, \
     organization_id, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const DELETE_ORG_TOKEN: &str =
    "DELETE FROM org_auth_tokens WHERE organization_id = $1 AND id = $2";

pub(crate) const SET_ORGANIZATION_NAME: &str = "UPDATE organizations SET name = $1 WHERE id = $2";
pub(crate) const SET_OPEN_MEMBERSHIP: &str = "UPDATE organizations SET open_membership = $1 WHERE id = $2";
pub(crate) const SET_GRANULAR_REPLAY: &str = "UPDATE organizations SET granular_replay = $1 WHERE id = $2";
pub(crate) const DELETE_FEATURE: &str =
    "DELETE FROM organization_features WHERE organization_id = $1 AND feature = $2";

/// The role of membership `$2` in organization `$1`.
pub(crate) const MEMBER_ROLE: &str = "SELECT role FROM members WHERE organization_id = $1 AND id = $2";
pub(crate) const OWNER_COUNT: &str =
    "SELECT count(*) FROM members WHERE organization_id = $1 AND role = 'owner'";
/// A removed member's personal saved searches go with the membership.
pub(crate) const DELETE_MEMBER_SEARCHES: &str = "DELETE FROM saved_searches WHERE organization_id = $1 \
     AND visibility = 'owner' AND owner_id = (SELECT user_id FROM members WHERE id = $2)";
pub(crate) const DELETE_MEMBER: &str = "DELETE FROM members WHERE organization_id = $1 AND id = $2";
/// Organization `$1`'s open membership, and whether team `$2` is on its replay allowlist.
pub(crate) const TEAM_JOIN_FACTS: &str = "SELECT open_membership, EXISTS (SELECT 1 FROM replay_access_teams \
     WHERE organization_id = $1 AND team_id = $2) FROM organizations WHERE id = $1";
pub(crate) const DELETE_TEAM_MEMBER: &str =
    "DELETE FROM team_members WHERE organization_id = $1 AND team_id = $2 AND member_id = $3";

pub(crate) const DELETE_DASHBOARD: &str = "DELETE FROM dashboards WHERE organization_id = $1 AND id = $2";
/// After a saved search `SELECT`: the organization's shared searches and viewer `$2`'s own.
pub(crate) const VISIBLE_SEARCHES: &str =
    " WHERE organization_id = $1 AND (visibility = 'organization' OR owner_id = $2) ORDER BY id";
pub(crate) const INSERT_SEARCH: &str = "INSERT INTO saved_searches (organization_id, name, query, visibility, \
     owner_id) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const DELETE_SEARCH: &str = "DELETE FROM saved_searches WHERE organization_id = $1 AND id = $2";
/// Segments and views cascade in the same statement.
pub(crate) const DELETE_REPLAY: &str = "DELETE FROM replays WHERE project_id = $1 AND id = $2";

/// The filters of a replay `SELECT` (tables `r` and its project `p`).
pub(crate) const ORGANIZATION_REPLAY: &str = "p.organization_id = $1 AND r.id = $2";
pub(crate) const PROJECT_REPLAY: &str = "r.project_id = $1 AND r.id = $2";

/// `select` (its table aliased `alias`, e.g. `"t."`, or `""`) narrowed to organization `$1` and
/// the `column` (`id` or `slug`) `$2`.
pub(crate) fn in_organization_sql(select: &str, alias: &str, column: &str) -> String {
    format!("{select} WHERE {alias}organization_id = $1 AND {alias}{column} = $2")
}

// --- Rows --------------------------------------------------------------------------------------

/// A column value both drivers can read.
pub(crate) trait Column: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Column for T {}

/// A result row of either backend, read by column position.
pub(crate) trait SqlRow {
    /// The value of column `index`.
    fn get<T: Column>(&self, index: usize) -> StoreResult<T>;
}

impl SqlRow for rusqlite::Row<'_> {
    fn get<T: Column>(&self, index: usize) -> StoreResult<T> {
        Ok(rusqlite::Row::get(self, index)?)
    }
}

impl SqlRow for postgres::Row {
    fn get<T: Column>(&self, index: usize) -> StoreResult<T> {
        Ok(self.try_get(index)?)
    }
}

/// The user in the five columns from `at` (see `user_columns!`).
pub(crate) fn user_row(r: &impl SqlRow, at: usize) -> StoreResult<User> {
    Ok(User {
        id: r.get(at)?,
        username: r.get(at + 1)?,
        name: r.get(at + 2)?,
        email: r.get(at + 3)?,
        is_superuser: r.get(at + 4)?,
    })
}

/// A row of a backend's session lookup: `superuser`, whether it needs a touch, then the user.
pub(crate) fn session_row(r: &impl SqlRow) -> StoreResult<Credential> {
    Ok(Credential::Session { superuser: r.get(0)?, needs_touch: r.get(1)?, user: user_row(r, 2)? })
}

/// A row of [`USER_TOKEN_CREDENTIAL`].
pub(crate) fn user_token_row(r: &impl SqlRow) -> StoreResult<Credential> {
    Ok(Credential::UserToken {
        organization_id: r.get(0)?,
        scopes: scopes_list(&r.get::<String>(1)?),
        user: user_row(r, 2)?,
    })
}

/// A row of [`ORG_TOKEN_CREDENTIAL`].
pub(crate) fn org_token_credential_row(r: &impl SqlRow) -> StoreResult<Credential> {
    Ok(Credential::OrgToken { organization_id: r.get(0)?, scopes: scopes_list(&r.get::<String>(1)?) })
}

/// Member `id`'s stored role.
pub(crate) fn member_role(id: i64, role: &str) -> StoreResult<Role> {
    Role::parse(role).ok_or_else(|| StoreError::Backend(format!("member {id} has unknown role {role:?}")))
}

/// `id, slug, name, open_membership, date_created`.
pub(crate) fn organization_row(r: &impl SqlRow) -> StoreResult<Organization> {
    Ok(Organization {
        id: r.get(0)?,
        slug: r.get(1)?,
        name: r.get(2)?,
        open_membership: r.get(3)?,
        date_created: r.get(4)?,
    })
}

/// A row of [`TEAM_SELECT`].
pub(crate) fn team_row(r: &impl SqlRow) -> StoreResult<Team> {
    Ok(Team {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        slug: r.get(2)?,
        name: r.get(3)?,
        member_count: r.get(4)?,
    })
}

/// A row of [`PROJECT_SELECT`].
pub(crate) fn project_row(r: &impl SqlRow) -> StoreResult<Project> {
    Ok(Project {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        slug: r.get(2)?,
        name: r.get(3)?,
        platform: r.get(4)?,
    })
}

/// `id, organization_id, title, created_by, widgets (JSON text), date_created`.
pub(crate) fn dashboard_row(r: &impl SqlRow) -> StoreResult<Dashboard> {
    Ok(Dashboard {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        title: r.get(2)?,
        created_by: r.get(3)?,
        widgets: serde_json::from_str(&r.get::<String>(4)?)?,
        date_created: r.get(5)?,
    })
}

/// `id, organization_id, name, query, visibility, owner_id, date_created`.
pub(crate) fn search_row(r: &impl SqlRow) -> StoreResult<SavedSearch> {
    let visibility: String = r.get(4)?;
    Ok(SavedSearch {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        name: r.get(2)?,
        query: r.get(3)?,
        visibility: if visibility == "organization" { Visibility::Organization } else { Visibility::Owner },
        owner_id: r.get(5)?,
        date_created: r.get(6)?,
    })
}

/// `id, organization_id, name, scopes, token_last_characters, created_by, date_created`.
pub(crate) fn org_token_row(r: &impl SqlRow) -> StoreResult<OrgAuthToken> {
    Ok(OrgAuthToken {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        name: r.get(2)?,
        scopes: scopes_list(&r.get::<String>(3)?),
        token_last_characters: r.get(4)?,
        created_by: r.get(5)?,
        date_created: r.get(6)?,
    })
}

/// `id, project_id, environment, started_at, finished_at, duration (seconds), urls (JSON text),
/// count_errors, segment count, user_display_name`.
pub(crate) fn replay_row(r: &impl SqlRow) -> StoreResult<Replay> {
    Ok(Replay {
        id: r.get(0)?,
        project_id: r.get(1)?,
        environment: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        duration: r.get(5)?,
        urls: json_list(&r.get::<String>(6)?)?,
        count_errors: r.get(7)?,
        count_segments: r.get(8)?,
        user_display_name: r.get(9)?,
    })
}

/// `replay_id, segment_id, date_added, events (JSON text)`.
pub(crate) fn segment_row(r: &impl SqlRow) -> StoreResult<RecordingSegment> {
    Ok(RecordingSegment {
        replay_id: r.get(0)?,
        segment_id: r.get(1)?,
        date_added: r.get(2)?,
        events: serde_json::from_str(&r.get::<String>(3)?)?,
    })
}

/// `id, project_id, range_start, range_end, environments (JSON text), status, count_deleted,
/// date_created`.
pub(crate) fn job_row(r: &impl SqlRow) -> StoreResult<DeletionJob> {
    Ok(DeletionJob {
        id: r.get(0)?,
        project_id: r.get(1)?,
        range_start: r.get(2)?,
        range_end: r.get(3)?,
        environments: json_list(&r.get::<String>(4)?)?,
        status: r.get(5)?,
        count_deleted: r.get(6)?,
        date_created: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shared statement, for the placeholder check.
    const SHARED: &[&str] = &[
        USER_BY_USERNAME,
        USER_TOKEN_CREDENTIAL,
        ORG_TOKEN_CREDENTIAL,
        INSERT_USER_TOKEN,
        INSERT_ORG_TOKEN,
        DELETE_ORG_TOKEN,
        SET_ORGANIZATION_NAME,
        SET_OPEN_MEMBERSHIP,
        SET_GRANULAR_REPLAY,
        DELETE_FEATURE,
        MEMBER_ROLE,
        OWNER_COUNT,
        DELETE_MEMBER_SEARCHES,
        DELETE_MEMBER,
        TEAM_JOIN_FACTS,
        DELETE_TEAM_MEMBER,
        DELETE_DASHBOARD,
        VISIBLE_SEARCHES,
        INSERT_SEARCH,
        DELETE_SEARCH,
        DELETE_REPLAY,
        ORGANIZATION_REPLAY,
        PROJECT_REPLAY,
        MEMBERS_OF_ORGANIZATION,
        MEMBER_BY_ID,
        MEMBER_BY_USER,
    ];

    /// The numbers of `sql`'s `$N` placeholders, in the order they first appear.
    fn first_appearances(sql: &str) -> Vec<u32> {
        let mut seen = Vec::new();
        for (i, _) in sql.match_indices('$') {
            let digits: String = sql[i + 1..].chars().take_while(char::is_ascii_digit).collect();
            let n = digits.parse().unwrap();
            if !seen.contains(&n) {
                seen.push(n);
            }
        }
        seen
    }

    #[test]
    fn shared_placeholders_first_appear_in_order() {
        for sql in SHARED.iter().copied().chain([in_organization_sql(TEAM_SELECT, "t.", "id").as_str()]) {
            let seen = first_appearances(sql);
            let expected: Vec<u32> = (1..=seen.len() as u32).collect();
            assert_eq!(seen, expected, "{sql}");
        }
    }

    /// SQLite binds `$N` by first appearance: in order, as `?N` does; out of order, not.
    #[test]
    fn sqlite_binds_ordered_dollar_placeholders_by_position() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let read = |sql: &str| -> (i64, i64) {
            conn.query_row(sql, rusqlite::params![10, 20], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
        };
        assert_eq!(read("SELECT $1, $2 WHERE $1 < $2"), (10, 20));
        assert_eq!(read("SELECT ?1, ?2"), (10, 20));
        assert_eq!(read("SELECT $2, $1"), (10, 20), "numbered by first appearance, not by N");
    }
}
