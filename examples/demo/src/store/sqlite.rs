//! The embedded SQLite store: WAL mode, foreign keys on, migrations tracked in
//! `PRAGMA user_version`, every multi-statement write in one transaction.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use scopegate::Date;

use super::scopes_text;
use super::sql::*;
use super::{
    DataStore, DecisionReads, GateUse, GateUseWrite, GateUser, OrganizationSnapshot, OrganizationWrites,
    RequestFacts, RequestReads, RollupKey, RollupWrite, SESSION_IDLE_TIMEOUT, SESSION_LIFETIME,
    SESSION_TOUCH_INTERVAL, SUPERUSER_SESSION_LIFETIME, ServiceStore, StoreError, StoreResult, UsageBounds,
    request_facts_from, revocable_table, seed, team_join_refusal, usage,
};
use crate::model::{
    Credential, Dashboard, DashboardUpdate, DeletionJob, IdOrSlug, Member, MemberRemoval, NewDashboard,
    NewDeletionJob, NewOrgAuthToken, NewSavedSearch, NewUserToken, OrgAuthToken, Organization,
    OrganizationSettings, OrganizationUpdate, Project, RecordingSegment, Replay, ReplayView, Role,
    SavedSearch, Team, TeamJoin, TeamJoinRule, User,
};
use crate::token::TokenKind;

/// The current time as stored: RFC 3339, UTC, milliseconds.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// Schema migrations, in order; migration `i` brings `user_version` from `i` to `i + 1`.
/// Never edit a released migration: append a new one.
const MIGRATIONS: &[&str] =
    &[include_str!("schema_v1.sql"), include_str!("schema_v2.sql"), include_str!("schema_v3.sql")];

/// The schema version this binary creates and understands, on either backend (version `n` has
/// the same tables and constraints in SQLite and PostgreSQL).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The SQLite [`Store`](super::Store). One connection behind a mutex: SQLite serialises writers anyway, and every
/// call is short.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(code, msg) = &e {
            let text = msg.clone().unwrap_or_else(|| code.to_string());
            match code.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return StoreError::Conflict(text);
                }
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY | rusqlite::ffi::SQLITE_CONSTRAINT_CHECK => {
                    return StoreError::Invalid(text);
                }
                _ => {}
            }
        }
        StoreError::Backend(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(format!("stored JSON is malformed: {e}"))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, migrates it to [`SCHEMA_VERSION`] and, when
    /// it was new, seeds the demo data.
    ///
    /// # Errors
    /// When the file cannot be opened, is not a database, or has a newer schema than this binary.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        let conn = Connection::open(path)?;
        // `journal_mode` answers with the mode in force; an in-memory database stays in `memory`.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        SqliteStore::init(conn)
    }

    /// An in-memory database, migrated and seeded (for tests and examples).
    ///
    /// # Errors
    /// When SQLite cannot allocate the database.
    pub fn open_in_memory() -> StoreResult<SqliteStore> {
        SqliteStore::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> StoreResult<SqliteStore> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    /// The schema version recorded in the database.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn schema_version(&self) -> StoreResult<u32> {
        Ok(self.lock().query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back (Transaction's Drop), so the
        // connection is still consistent.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        in_transaction(&mut self.lock(), f)
    }

    /// [`write`](Self::write) with `synchronous = FULL`: the commit waits until the WAL is on disk,
    /// so the change survives a power loss (the connection otherwise runs `NORMAL`, which survives
    /// a crash of the process but may lose the last commits on power loss). For every write that
    /// takes access away: revoked sessions and user tokens, deleted organization tokens, removed
    /// members and team memberships, organization updates (allowlists, granular mode, membership)
    /// and features turned off.
    fn write_durably<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.lock();
        // SQLite refuses to change the level inside a transaction: raise it around this one.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let out = in_transaction(&mut conn, f);
        let restored = conn.pragma_update(None, "synchronous", "NORMAL");
        let out = out?;
        restored?;
        Ok(out)
    }
}

fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// A modifier of SQLite's date functions for `duration` ago, e.g. `-60 seconds`.
fn ago(duration: std::time::Duration) -> String {
    format!("-{} seconds", duration.as_secs())
}

/// Brings the schema to [`SCHEMA_VERSION`] in one immediate transaction (so two processes opening a
/// new file do not both migrate), seeding a database that was empty. Returns the previous version.
fn migrate(conn: &mut Connection) -> StoreResult<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if from > SCHEMA_VERSION {
        return Err(StoreError::Backend(format!(
            "the database has schema version {from}, newer than this binary's {SCHEMA_VERSION}; \
             use a newer scopegate-demo or another --db file"
        )));
    }
    for (version, sql) in (1..=SCHEMA_VERSION).zip(MIGRATIONS).skip(from as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    if from == 0 {
        tx.execute_batch(seed::DATA)?;
        let (hash, last) = seed::seeded_token()?;
        tx.execute(&seed::seeded_token_insert("?1", "?2"), params![hash, last])?;
    }
    tx.commit()?;
    Ok(from)
}

/// Every row `sql` returns for `args`, each read by `row`.
fn query_all<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    row: impl Fn(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(row(r)?);
    }
    Ok(out)
}

/// The first row `sql` returns for `args`, read by `row`; `None` when there is none.
fn query_opt<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    row: impl FnOnce(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(args)?;
    rows.next()?.map(row).transpose()
}

const ORGANIZATION_SELECT: &str = "SELECT id, slug, name, open_membership, date_created FROM organizations";

fn organization_by_id(conn: &Connection, id: i64) -> StoreResult<Option<Organization>> {
    query_opt(conn, &format!("{ORGANIZATION_SELECT} WHERE id = ?1"), [id], |r| organization_row(r))
}

/// Loads memberships selected by `filter` (a condition on `m`), with their users and teams.
fn load_members(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> StoreResult<Vec<Member>> {
    let sql = format!(
        "SELECT m.id, m.organization_id, m.role, {USER_COLUMNS} FROM members m \
         JOIN users u ON u.id = m.user_id WHERE {filter} ORDER BY m.id"
    );
    let rows = query_all(conn, &sql, args, |r| {
        let id = r.get::<_, i64>(0)?;
        Ok((id, r.get::<_, i64>(1)?, member_role(id, &r.get::<_, String>(2)?)?, user_row(r, 3)?))
    })?;
    let mut teams_stmt = conn.prepare(
        "SELECT t.id, t.slug FROM team_members tm JOIN teams t ON t.id = tm.team_id \
         WHERE tm.member_id = ?1 ORDER BY t.id",
    )?;
    let mut members = Vec::new();
    for (id, organization_id, role, user) in rows {
        let mut teams = Vec::new();
        let mut team_slugs = Vec::new();
        for team in teams_stmt.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (team_id, slug) = team?;
            teams.push(team_id);
            team_slugs.push(slug);
        }
        members.push(Member { id, organization_id, user, role, teams, team_slugs });
    }
    Ok(members)
}

/// The row of `select` (whose table is aliased `alias`, e.g. `"t."`, or `""`) with the id or slug
/// `key`, inside organization `organization_id`.
fn in_organization<T>(
    conn: &Connection,
    select: &str,
    alias: &str,
    organization_id: i64,
    key: &IdOrSlug,
    row: impl FnOnce(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    match key {
        IdOrSlug::Id(id) => {
            query_opt(conn, &in_organization_sql(select, alias, "id"), params![organization_id, id], row)
        }
        IdOrSlug::Slug(slug) => {
            query_opt(conn, &in_organization_sql(select, alias, "slug"), params![organization_id, slug], row)
        }
    }
}

const DASHBOARD_SELECT: &str =
    "SELECT id, organization_id, title, created_by, widgets, date_created FROM dashboards";

fn dashboards_where(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<Dashboard>> {
    query_all(conn, &format!("{DASHBOARD_SELECT} WHERE {filter} ORDER BY id"), args, |r| dashboard_row(r))
}

const SEARCH_SELECT: &str =
    "SELECT id, organization_id, name, query, visibility, owner_id, date_created FROM saved_searches";

const ORG_TOKEN_SELECT: &str = "SELECT id, organization_id, name, scopes, token_last_characters, created_by, \
     date_created FROM org_auth_tokens";

const REPLAY_SELECT: &str = "SELECT r.id, r.project_id, r.environment, r.started_at, r.finished_at, \
     CAST(round((julianday(r.finished_at) - julianday(r.started_at)) * 86400) AS INTEGER), r.urls, \
     r.count_errors, (SELECT count(*) FROM recording_segments s WHERE s.replay_id = r.id), \
     r.user_display_name FROM replays r JOIN projects p ON p.id = r.project_id";

fn replays_where(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> StoreResult<Vec<Replay>> {
    query_all(conn, &format!("{REPLAY_SELECT} WHERE {filter} ORDER BY r.started_at DESC, r.id"), args, |r| {
        replay_row(r)
    })
}

fn segments_where(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<RecordingSegment>> {
    let sql = format!(
        "SELECT replay_id, segment_id, date_added, events FROM recording_segments WHERE {filter} \
         ORDER BY segment_id"
    );
    query_all(conn, &sql, args, |r| segment_row(r))
}

const JOB_SELECT: &str = "SELECT id, project_id, range_start, range_end, environments, status, count_deleted, \
     date_created FROM replay_deletion_jobs";

fn jobs_where(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> StoreResult<Vec<DeletionJob>> {
    query_all(conn, &format!("{JOB_SELECT} WHERE {filter} ORDER BY id DESC"), args, |r| job_row(r))
}

/// Normalises a client timestamp to the stored form; `None` when SQLite cannot read it.
fn normalise_time(conn: &Connection, value: &str) -> StoreResult<Option<String>> {
    if !super::starts_with_iso_date(value) {
        return Ok(None);
    }
    Ok(conn.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1)", [value], |r| r.get(0))?)
}

/// The connection, locked for the reads of one request (see [`DecisionReads::request_facts`]).
struct Locked<'c>(&'c Connection);

impl RequestReads for Locked<'_> {
    fn read_credential(&self, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>> {
        credential_in(self.0, kind, hash)
    }
    fn read_organization(&self, key: &IdOrSlug) -> StoreResult<Option<Organization>> {
        organization_in(self.0, key)
    }
    fn read_member_of(&self, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>> {
        member_of_in(self.0, organization_id, user_id)
    }
    fn read_settings(&self, organization_id: i64) -> StoreResult<OrganizationSettings> {
        organization_settings_in(self.0, organization_id)
    }
}

fn credential_in(conn: &Connection, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>> {
    match kind {
        TokenKind::Session => query_opt(
            conn,
            &format!(
                "SELECT s.superuser, s.last_seen_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?2), \
                 {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = ?1 AND s.last_seen_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3) \
                 AND s.date_created > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', \
                 CASE WHEN s.superuser THEN ?4 ELSE ?5 END)"
            ),
            params![
                hash,
                ago(SESSION_TOUCH_INTERVAL),
                ago(SESSION_IDLE_TIMEOUT),
                ago(SUPERUSER_SESSION_LIFETIME),
                ago(SESSION_LIFETIME)
            ],
            |r| session_row(r),
        ),
        TokenKind::User => query_opt(conn, USER_TOKEN_CREDENTIAL, [hash], |r| user_token_row(r)),
        TokenKind::Org => query_opt(conn, ORG_TOKEN_CREDENTIAL, [hash], |r| org_token_credential_row(r)),
    }
}

fn organization_in(conn: &Connection, key: &IdOrSlug) -> StoreResult<Option<Organization>> {
    match key {
        IdOrSlug::Id(id) => organization_by_id(conn, *id),
        IdOrSlug::Slug(slug) => {
            query_opt(conn, &format!("{ORGANIZATION_SELECT} WHERE slug = ?1"), [slug], |r| {
                organization_row(r)
            })
        }
    }
}

fn organization_settings_in(conn: &Connection, organization_id: i64) -> StoreResult<OrganizationSettings> {
    let granular_replay: bool = conn
        .query_row("SELECT granular_replay FROM organizations WHERE id = ?1", [organization_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    let column = |sql: &str| -> StoreResult<Vec<rusqlite::types::Value>> {
        let mut stmt = conn.prepare(sql)?;
        Ok(stmt.query_map([organization_id], |r| r.get(0))?.collect::<Result<_, _>>()?)
    };
    let text = |v: Vec<rusqlite::types::Value>| -> Vec<String> {
        v.into_iter()
            .filter_map(|v| if let rusqlite::types::Value::Text(t) = v { Some(t) } else { None })
            .collect()
    };
    let ints = |v: Vec<rusqlite::types::Value>| -> Vec<i64> {
        v.into_iter()
            .filter_map(|v| if let rusqlite::types::Value::Integer(i) = v { Some(i) } else { None })
            .collect()
    };
    Ok(OrganizationSettings {
        features: text(column(
            "SELECT feature FROM organization_features WHERE organization_id = ?1 ORDER BY feature",
        )?),
        granular_replay,
        replay_access_members: ints(column(
            "SELECT user_id FROM replay_access_members WHERE organization_id = ?1 ORDER BY user_id",
        )?),
        replay_access_teams: ints(column(
            "SELECT team_id FROM replay_access_teams WHERE organization_id = ?1 ORDER BY team_id",
        )?),
    })
}

fn member_of_in(conn: &Connection, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>> {
    Ok(load_members(conn, MEMBER_BY_USER, [organization_id, user_id])?.pop())
}

impl DecisionReads for SqliteStore {
    /// The request's reads under one lock of the one connection: every write takes the same lock,
    /// so no change can land between them.
    fn request_facts(
        &self,
        secret: Option<(TokenKind, &str)>,
        target: Option<&IdOrSlug>,
    ) -> StoreResult<RequestFacts> {
        let conn = self.lock();
        request_facts_from(&Locked(&conn), secret, target)
    }

    /// Under one lock of the one connection, as [`request_facts`](DecisionReads::request_facts).
    fn organization_snapshot(&self, key: &IdOrSlug) -> StoreResult<Option<OrganizationSnapshot>> {
        let conn = self.lock();
        let Some(organization) = organization_in(&conn, key)? else { return Ok(None) };
        let settings = organization_settings_in(&conn, organization.id)?;
        let mut members = load_members(&conn, MEMBERS_OF_ORGANIZATION, [organization.id])?;
        members.sort_by_key(|m| m.user.id);
        Ok(Some(OrganizationSnapshot { organization, settings, members }))
    }
}

impl OrganizationWrites for SqliteStore {
    fn update_organization(
        &self,
        organization_id: i64,
        update: &OrganizationUpdate,
    ) -> StoreResult<Organization> {
        // Durable: an update may take access away (allowlist entries, granular mode, membership).
        self.write_durably(|tx| {
            let exists = organization_by_id(tx, organization_id)?.ok_or_else(|| {
                StoreError::Invalid(format!("organization {organization_id} does not exist"))
            })?;
            if let Some(name) = &update.name {
                tx.execute(SET_ORGANIZATION_NAME, params![name, organization_id])?;
            }
            if let Some(slug) = &update.slug
                && *slug != exists.slug
            {
                tx.execute(
                    "UPDATE organizations SET slug = ?1 WHERE id = ?2",
                    params![slug, organization_id],
                )
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => {
                        StoreError::Conflict(format!("the slug {slug:?} is already taken"))
                    }
                    other => other,
                })?;
            }
            if let Some(open) = update.open_membership {
                tx.execute(SET_OPEN_MEMBERSHIP, params![open, organization_id])?;
            }
            if let Some(granular) = update.granular_replay {
                tx.execute(SET_GRANULAR_REPLAY, params![granular, organization_id])?;
            }
            if let Some(users) = &update.replay_access_members {
                let mut is_member =
                    tx.prepare("SELECT 1 FROM members WHERE organization_id = ?1 AND user_id = ?2")?;
                let mut missing = Vec::new();
                for user in users {
                    if !is_member.exists([organization_id, *user])? {
                        missing.push(user.to_string());
                    }
                }
                if !missing.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "replayAccessMembers: user ids {} are not members of this organization",
                        missing.join(", ")
                    )));
                }
                tx.execute(
                    "DELETE FROM replay_access_members WHERE organization_id = ?1",
                    [organization_id],
                )?;
                let mut insert = tx.prepare(
                    "INSERT OR IGNORE INTO replay_access_members (organization_id, user_id) VALUES (?1, ?2)",
                )?;
                for user in users {
                    insert.execute([organization_id, *user])?;
                }
            }
            if let Some(teams) = &update.replay_access_teams {
                let mut is_team = tx.prepare("SELECT 1 FROM teams WHERE organization_id = ?1 AND id = ?2")?;
                let mut missing = Vec::new();
                for team in teams {
                    if !is_team.exists([organization_id, *team])? {
                        missing.push(team.to_string());
                    }
                }
                if !missing.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "replayAccessTeams: team ids {} are not teams of this organization",
                        missing.join(", ")
                    )));
                }
                tx.execute("DELETE FROM replay_access_teams WHERE organization_id = ?1", [organization_id])?;
                let mut insert = tx.prepare(
                    "INSERT OR IGNORE INTO replay_access_teams (organization_id, team_id) VALUES (?1, ?2)",
                )?;
                for team in teams {
                    insert.execute([organization_id, *team])?;
                }
            }
            organization_by_id(tx, organization_id)?
                .ok_or_else(|| StoreError::Backend("the organization vanished during the update".into()))
        })
    }

    fn set_feature(&self, organization_id: i64, feature: &str, enabled: bool) -> StoreResult<bool> {
        if enabled {
            let n = self.lock().execute(
                "INSERT OR IGNORE INTO organization_features (organization_id, feature) VALUES (?1, ?2)",
                params![organization_id, feature],
            )?;
            return Ok(n > 0);
        }
        // Turning a feature off takes access away: durably.
        self.write_durably(|tx| {
            let n = tx.execute(DELETE_FEATURE, params![organization_id, feature])?;
            Ok(n > 0)
        })
    }

    fn remove_member(&self, organization_id: i64, member_id: i64) -> StoreResult<MemberRemoval> {
        self.write_durably(|tx| {
            let role: Option<String> =
                tx.query_row(MEMBER_ROLE, [organization_id, member_id], |r| r.get(0)).optional()?;
            let Some(role) = role else { return Ok(MemberRemoval::NotFound) };
            if role == Role::Owner.as_str() {
                let owners: i64 = tx.query_row(OWNER_COUNT, [organization_id], |r| r.get(0))?;
                if owners <= 1 {
                    return Ok(MemberRemoval::LastOwner);
                }
            }
            // Personal saved searches go with the membership; team memberships, allowlist entries
            // and user tokens of this organization cascade.
            tx.execute(DELETE_MEMBER_SEARCHES, [organization_id, member_id])?;
            tx.execute(DELETE_MEMBER, [organization_id, member_id])?;
            Ok(MemberRemoval::Removed)
        })
    }

    fn add_team_member(
        &self,
        organization_id: i64,
        team_id: i64,
        member_id: i64,
        rule: TeamJoinRule,
    ) -> StoreResult<TeamJoin> {
        // One writer: the checks and the insert see the same state, whatever the caller's snapshot.
        self.write(|tx| {
            let (open, allowlisted): (bool, bool) = tx
                .query_row(
                    TEAM_JOIN_FACTS,
                    [organization_id, team_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError::Invalid(format!("organization {organization_id} does not exist")))?;
            if let Some(refusal) = team_join_refusal(rule, open, allowlisted) {
                return Ok(refusal);
            }
            // The composite foreign keys refuse a team and a member of different organizations.
            let n = tx.execute(
                "INSERT OR IGNORE INTO team_members (organization_id, team_id, member_id) VALUES (?1, ?2, ?3)",
                [organization_id, team_id, member_id],
            )?;
            Ok(if n > 0 { TeamJoin::Added } else { TeamJoin::AlreadyMember })
        })
    }

    fn remove_team_member(&self, organization_id: i64, team_id: i64, member_id: i64) -> StoreResult<bool> {
        self.write_durably(|tx| {
            let n = tx.execute(DELETE_TEAM_MEMBER, [organization_id, team_id, member_id])?;
            Ok(n > 0)
        })
    }
}

impl ServiceStore for SqliteStore {
    fn data(&self) -> &dyn DataStore {
        self
    }
}

impl DataStore for SqliteStore {
    fn credential(&self, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>> {
        credential_in(&self.lock(), kind, hash)
    }

    fn user(&self, username: &str) -> StoreResult<Option<User>> {
        query_opt(&self.lock(), USER_BY_USERNAME, [username], |r| user_row(r, 0))
    }

    fn create_session(&self, user_id: i64, superuser: bool, hash: &str) -> StoreResult<()> {
        self.lock().execute(
            &format!(
                "INSERT INTO sessions (token_hash, user_id, superuser, last_seen_at) VALUES (?1, ?2, ?3, {NOW})"
            ),
            params![hash, user_id, superuser],
        )?;
        Ok(())
    }

    fn touch_session(&self, hash: &str) -> StoreResult<()> {
        self.lock()
            .execute(&format!("UPDATE sessions SET last_seen_at = {NOW} WHERE token_hash = ?1"), [hash])?;
        Ok(())
    }

    fn revoke_credential(&self, kind: TokenKind, hash: &str) -> StoreResult<bool> {
        let table = revocable_table(kind)?;
        self.write_durably(|tx| {
            Ok(tx.execute(&format!("DELETE FROM {table} WHERE token_hash = ?1"), [hash])? > 0)
        })
    }

    fn revoke_user_credentials(&self, kind: TokenKind, user_id: i64) -> StoreResult<u64> {
        let table = revocable_table(kind)?;
        self.write_durably(|tx| {
            let n = tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [user_id])?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
    }

    fn create_user_token(&self, organization_id: i64, new: &NewUserToken) -> StoreResult<i64> {
        let conn = self.lock();
        conn.execute(
            INSERT_USER_TOKEN,
            params![
                new.hash,
                new.last_characters,
                new.name,
                new.user_id,
                organization_id,
                scopes_text(&new.scopes)
            ],
        )
        .map_err(|e| match StoreError::from(e) {
            StoreError::Invalid(_) => {
                StoreError::Invalid("the user is not a member of the token's organization".into())
            }
            other => other,
        })?;
        Ok(conn.last_insert_rowid())
    }

    fn create_org_auth_token(
        &self,
        organization_id: i64,
        new: &NewOrgAuthToken,
    ) -> StoreResult<OrgAuthToken> {
        self.write(|tx| {
            tx.execute(
                INSERT_ORG_TOKEN,
                params![
                    new.hash,
                    new.last_characters,
                    new.name,
                    organization_id,
                    scopes_text(&new.scopes),
                    new.created_by
                ],
            )?;
            let id = tx.last_insert_rowid();
            query_opt(tx, &format!("{ORG_TOKEN_SELECT} WHERE id = ?1"), [id], |r| org_token_row(r))?
                .ok_or_else(|| StoreError::Backend("the new token vanished".into()))
        })
    }

    fn org_auth_tokens(&self, organization_id: i64) -> StoreResult<Vec<OrgAuthToken>> {
        let sql = format!("{ORG_TOKEN_SELECT} WHERE organization_id = ?1 ORDER BY id");
        query_all(&self.lock(), &sql, [organization_id], |r| org_token_row(r))
    }

    fn delete_org_auth_token(&self, organization_id: i64, token_id: i64) -> StoreResult<bool> {
        self.write_durably(|tx| {
            let n = tx.execute(DELETE_ORG_TOKEN, [organization_id, token_id])?;
            Ok(n > 0)
        })
    }

    fn organization(&self, key: &IdOrSlug) -> StoreResult<Option<Organization>> {
        organization_in(&self.lock(), key)
    }

    fn organization_settings(&self, organization_id: i64) -> StoreResult<OrganizationSettings> {
        organization_settings_in(&self.lock(), organization_id)
    }

    fn member_of(&self, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>> {
        member_of_in(&self.lock(), organization_id, user_id)
    }

    fn member(&self, organization_id: i64, member_id: i64) -> StoreResult<Option<Member>> {
        Ok(load_members(&self.lock(), MEMBER_BY_ID, [organization_id, member_id])?.pop())
    }

    fn members(&self, organization_id: i64) -> StoreResult<Vec<Member>> {
        load_members(&self.lock(), MEMBERS_OF_ORGANIZATION, [organization_id])
    }

    fn teams(&self, organization_id: i64) -> StoreResult<Vec<Team>> {
        let sql = format!("{TEAM_SELECT} WHERE t.organization_id = ?1 ORDER BY t.id");
        query_all(&self.lock(), &sql, [organization_id], |r| team_row(r))
    }

    fn team(&self, organization_id: i64, key: &IdOrSlug) -> StoreResult<Option<Team>> {
        in_organization(&self.lock(), TEAM_SELECT, "t.", organization_id, key, |r| team_row(r))
    }

    fn projects(&self, organization_id: i64) -> StoreResult<Vec<Project>> {
        let sql = format!("{PROJECT_SELECT} WHERE organization_id = ?1 ORDER BY id");
        query_all(&self.lock(), &sql, [organization_id], |r| project_row(r))
    }

    fn project(&self, organization_id: i64, key: &IdOrSlug) -> StoreResult<Option<Project>> {
        in_organization(&self.lock(), PROJECT_SELECT, "", organization_id, key, |r| project_row(r))
    }

    fn dashboards(&self, organization_id: i64) -> StoreResult<Vec<Dashboard>> {
        dashboards_where(&self.lock(), "organization_id = ?1", [organization_id])
    }

    fn dashboard(&self, organization_id: i64, dashboard_id: i64) -> StoreResult<Option<Dashboard>> {
        Ok(dashboards_where(
            &self.lock(),
            "organization_id = ?1 AND id = ?2",
            [organization_id, dashboard_id],
        )?
        .pop())
    }

    fn create_dashboard(&self, organization_id: i64, new: &NewDashboard) -> StoreResult<Dashboard> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO dashboards (organization_id, title, created_by, widgets) VALUES (?1, ?2, ?3, ?4)",
                params![organization_id, new.title, new.created_by, new.widgets.to_string()],
            )?;
            let id = tx.last_insert_rowid();
            dashboards_where(tx, "id = ?1", [id])?
                .pop()
                .ok_or_else(|| StoreError::Backend("the new dashboard vanished".into()))
        })
    }

    fn update_dashboard(
        &self,
        organization_id: i64,
        dashboard_id: i64,
        update: &DashboardUpdate,
    ) -> StoreResult<Option<Dashboard>> {
        self.write(|tx| {
            if let Some(title) = &update.title {
                tx.execute(
                    "UPDATE dashboards SET title = ?1 WHERE organization_id = ?2 AND id = ?3",
                    params![title, organization_id, dashboard_id],
                )?;
            }
            if let Some(widgets) = &update.widgets {
                tx.execute(
                    "UPDATE dashboards SET widgets = ?1 WHERE organization_id = ?2 AND id = ?3",
                    params![widgets.to_string(), organization_id, dashboard_id],
                )?;
            }
            Ok(dashboards_where(tx, "organization_id = ?1 AND id = ?2", [organization_id, dashboard_id])?
                .pop())
        })
    }

    fn delete_dashboard(&self, organization_id: i64, dashboard_id: i64) -> StoreResult<bool> {
        let n = self.lock().execute(DELETE_DASHBOARD, [organization_id, dashboard_id])?;
        Ok(n > 0)
    }

    fn saved_searches(&self, organization_id: i64, viewer: Option<i64>) -> StoreResult<Vec<SavedSearch>> {
        query_all(
            &self.lock(),
            &format!("{SEARCH_SELECT}{VISIBLE_SEARCHES}"),
            params![organization_id, viewer],
            |r| search_row(r),
        )
    }

    fn saved_search(&self, organization_id: i64, search_id: i64) -> StoreResult<Option<SavedSearch>> {
        let sql = format!("{SEARCH_SELECT} WHERE organization_id = ?1 AND id = ?2");
        query_opt(&self.lock(), &sql, [organization_id, search_id], |r| search_row(r))
    }

    fn create_saved_search(&self, organization_id: i64, new: &NewSavedSearch) -> StoreResult<SavedSearch> {
        self.write(|tx| {
            tx.execute(
                INSERT_SEARCH,
                params![organization_id, new.name, new.query, new.visibility.as_str(), new.owner_id],
            )?;
            let id = tx.last_insert_rowid();
            query_opt(tx, &format!("{SEARCH_SELECT} WHERE id = ?1"), [id], |r| search_row(r))?
                .ok_or_else(|| StoreError::Backend("the new saved search vanished".into()))
        })
    }

    fn delete_saved_search(&self, organization_id: i64, search_id: i64) -> StoreResult<bool> {
        let n = self.lock().execute(DELETE_SEARCH, [organization_id, search_id])?;
        Ok(n > 0)
    }

    fn replays(&self, organization_id: i64, project_id: Option<i64>) -> StoreResult<Vec<Replay>> {
        replays_where(
            &self.lock(),
            "p.organization_id = ?1 AND (?2 IS NULL OR r.project_id = ?2)",
            params![organization_id, project_id],
        )
    }

    fn organization_replay(&self, organization_id: i64, replay_id: &str) -> StoreResult<Option<Replay>> {
        Ok(replays_where(&self.lock(), ORGANIZATION_REPLAY, params![organization_id, replay_id])?.pop())
    }

    fn replay(&self, project_id: i64, replay_id: &str) -> StoreResult<Option<Replay>> {
        Ok(replays_where(&self.lock(), PROJECT_REPLAY, params![project_id, replay_id])?.pop())
    }

    fn delete_replay(&self, project_id: i64, replay_id: &str) -> StoreResult<bool> {
        let n = self.lock().execute(DELETE_REPLAY, params![project_id, replay_id])?;
        Ok(n > 0)
    }

    fn recording_segments(&self, replay_id: &str) -> StoreResult<Vec<RecordingSegment>> {
        segments_where(&self.lock(), "replay_id = ?1", [replay_id])
    }

    fn recording_segment(&self, replay_id: &str, segment_id: i64) -> StoreResult<Option<RecordingSegment>> {
        Ok(segments_where(
            &self.lock(),
            "replay_id = ?1 AND segment_id = ?2",
            params![replay_id, segment_id],
        )?
        .pop())
    }

    fn replay_viewers(&self, replay_id: &str) -> StoreResult<Vec<ReplayView>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, v.viewed_at FROM replay_views v JOIN users u ON u.id = v.user_id \
             WHERE v.replay_id = ?1 ORDER BY v.viewed_at DESC, u.id"
        );
        query_all(&self.lock(), &sql, [replay_id], |r| {
            Ok(ReplayView { user: user_row(r, 0)?, viewed_at: r.get(5)? })
        })
    }

    fn mark_replay_viewed(&self, replay_id: &str, user_id: i64) -> StoreResult<()> {
        self.lock().execute(
            &format!(
                "INSERT INTO replay_views (replay_id, user_id) VALUES (?1, ?2) \
                 ON CONFLICT (replay_id, user_id) DO UPDATE SET viewed_at = {NOW}"
            ),
            params![replay_id, user_id],
        )?;
        Ok(())
    }

    fn deletion_jobs(&self, project_id: i64) -> StoreResult<Vec<DeletionJob>> {
        jobs_where(&self.lock(), "project_id = ?1", [project_id])
    }

    fn deletion_job(&self, project_id: i64, job_id: i64) -> StoreResult<Option<DeletionJob>> {
        Ok(jobs_where(&self.lock(), "project_id = ?1 AND id = ?2", [project_id, job_id])?.pop())
    }

    fn create_deletion_job(&self, project_id: i64, new: &NewDeletionJob) -> StoreResult<DeletionJob> {
        self.write(|tx| {
            let (start, end) = super::deletion_range(new, |value| normalise_time(tx, value))?;
            let environments = serde_json::to_string(&new.environments)?;
            let deleted = tx.execute(
                "DELETE FROM replays WHERE project_id = ?1 AND started_at >= ?2 AND started_at < ?3 \
                 AND (json_array_length(?4) = 0 OR environment IN (SELECT value FROM json_each(?4)))",
                params![project_id, start, end, environments],
            )?;
            tx.execute(
                "INSERT INTO replay_deletion_jobs (project_id, range_start, range_end, environments, status, \
                 count_deleted) VALUES (?1, ?2, ?3, ?4, 'completed', ?5)",
                params![project_id, start, end, environments, i64::try_from(deleted).unwrap_or(i64::MAX)],
            )?;
            let id = tx.last_insert_rowid();
            jobs_where(tx, "id = ?1", [id])?
                .pop()
                .ok_or_else(|| StoreError::Backend("the new job vanished".into()))
        })
    }

    fn record_would_break(
        &self,
        rows: &[(RollupKey, u64)],
        bounds: &UsageBounds,
    ) -> StoreResult<RollupWrite> {
        self.write(|tx| usage::write_rollups(&mut Usage(tx), rows, bounds))
    }

    fn would_break_since(&self, since: Date) -> StoreResult<Vec<scopegate::tighten::Usage>> {
        query_all(
            &self.lock(),
            "SELECT day, handler, method, principal_kind, principal, organization_id, requests \
             FROM would_break_rollups WHERE day >= ?1 \
             ORDER BY day, handler, method, principal_kind, principal, organization_id",
            [since.to_string()],
            |r| {
                usage::usage_row(
                    &r.get::<_, String>(0)?,
                    r.get(1)?,
                    &r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                )
            },
        )
    }

    fn record_gate_use(&self, used: &GateUse, bounds: &UsageBounds) -> StoreResult<GateUseWrite> {
        self.write(|tx| usage::write_gate_use(&mut Usage(tx), used, bounds))
    }

    fn gate_users_since(&self, organization_id: i64, gate: &str, since: Date) -> StoreResult<Vec<GateUser>> {
        query_all(
            &self.lock(),
            "SELECT user_id, max(day) FROM gate_usage WHERE organization_id = ?1 AND gate = ?2 AND day >= ?3 \
             GROUP BY user_id ORDER BY user_id",
            params![organization_id, gate, since.to_string()],
            |r| Ok(GateUser { user_id: r.get(0)?, last_used: usage::stored_day(&r.get::<_, String>(1)?)? }),
        )
    }
}

/// The usage statements, in a write's transaction.
struct Usage<'t, 'c>(&'t Transaction<'c>);

/// A rollup row's key and count, bound as `?1` … `?7` (day, handler, method, principal kind,
/// principal, organization, requests).
fn rollup_params<'r>(row: &'r usage::RollupRow<'_>) -> [&'r dyn rusqlite::ToSql; 7] {
    [
        &row.day,
        &row.handler,
        &row.method,
        &row.principal_kind,
        &row.principal,
        &row.organization_id,
        &row.requests,
    ]
}

impl usage::RollupTx for Usage<'_, '_> {
    fn forget_rollups_before(&mut self, day: &str) -> StoreResult<u64> {
        let n = self.0.prepare_cached("DELETE FROM would_break_rollups WHERE day < ?1")?.execute([day])?;
        Ok(n as u64)
    }

    fn add_to_rollup(&mut self, row: &usage::RollupRow<'_>) -> StoreResult<bool> {
        let n = self
            .0
            .prepare_cached(
                "UPDATE would_break_rollups SET requests = requests + ?7 WHERE day = ?1 AND handler = ?2 \
                 AND method = ?3 AND principal_kind = ?4 AND principal = ?5 AND organization_id = ?6",
            )?
            .execute(rollup_params(row))?;
        Ok(n > 0)
    }

    fn rollup_principals(&mut self, day: &str, handler: &str, method: &str) -> StoreResult<u64> {
        let n: i64 = self
            .0
            .prepare_cached(
                "SELECT count(*) FROM would_break_rollups WHERE day = ?1 AND handler = ?2 AND method = ?3 \
                 AND principal <> ?4",
            )?
            .query_row(params![day, handler, method, usage::OTHER_PRINCIPAL], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn upsert_rollup(&mut self, row: &usage::RollupRow<'_>) -> StoreResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO would_break_rollups (day, handler, method, principal_kind, principal, \
                 organization_id, requests) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (day, handler, method, principal_kind, principal, organization_id) \
                 DO UPDATE SET requests = requests + excluded.requests",
            )?
            .execute(rollup_params(row))?;
        Ok(())
    }
}

impl usage::GateUseTx for Usage<'_, '_> {
    fn forget_gate_use_before(&mut self, day: &str) -> StoreResult<u64> {
        let n = self.0.prepare_cached("DELETE FROM gate_usage WHERE day < ?1")?.execute([day])?;
        Ok(n as u64)
    }

    fn gate_use_recorded(
        &mut self,
        organization_id: i64,
        gate: &str,
        day: &str,
        user_id: i64,
    ) -> StoreResult<bool> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT 1 FROM gate_usage WHERE organization_id = ?1 AND gate = ?2 AND day = ?3 AND user_id = ?4",
            )?
            .exists(params![organization_id, gate, day, user_id])?)
    }

    fn gate_users_on(&mut self, organization_id: i64, gate: &str, day: &str) -> StoreResult<u64> {
        let n: i64 = self
            .0
            .prepare_cached(
                "SELECT count(*) FROM gate_usage WHERE organization_id = ?1 AND gate = ?2 AND day = ?3",
            )?
            .query_row(params![organization_id, gate, day], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn insert_gate_use(
        &mut self,
        organization_id: i64,
        gate: &str,
        day: &str,
        user_id: i64,
    ) -> StoreResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO gate_usage (organization_id, gate, day, user_id) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![organization_id, gate, day, user_id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! What only SQLite has (the file's journal mode and pragmas, `user_version`); the store's
    //! contract on both backends is tested in `tests/store.rs`.

    use super::*;

    fn count(store: &SqliteStore, table: &str) -> i64 {
        store.lock().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("scopegate-demo-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("demo.sqlite3");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        path
    }

    #[test]
    fn migrations_are_idempotent_and_seed_once() {
        let path = temp_db("migrate");
        {
            let store = SqliteStore::open(&path).unwrap();
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
            let mode: String = store.lock().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
            assert_eq!(mode, "wal");
            let fk: bool = store.lock().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
            assert!(fk);
            store
                .create_dashboard(
                    1,
                    &NewDashboard {
                        title: "Kept".into(),
                        widgets: serde_json::json!([]),
                        created_by: Some(1),
                    },
                )
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(count(&store, "users"), 5, "reopening does not seed again");
        assert_eq!(count(&store, "dashboards"), 4, "reopening keeps data");
        drop(store);

        // A database from a newer binary is refused, not silently used.
        Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        match SqliteStore::open(&path) {
            Err(StoreError::Backend(msg)) => assert!(msg.contains("newer"), "{msg}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// Every write that takes access away commits with `synchronous = FULL` (on disk before it
    /// returns, power loss included); everything else keeps `NORMAL`.
    #[test]
    fn revocations_commit_with_synchronous_full() {
        use std::sync::Arc;

        use rusqlite::trace::{TraceEvent, TraceEventCodes};

        let store = SqliteStore::open(temp_db("durable")).unwrap();
        let session = crate::admin::create_session(&store, "member", false).unwrap();
        let statements = Arc::new(Mutex::new(Vec::<String>::new()));
        let log = Arc::clone(&statements);
        store
            .lock()
            .trace_v2(
                TraceEventCodes::SQLITE_TRACE_STMT,
                Some(move |event: TraceEvent<'_>| {
                    if let TraceEvent::Stmt(_, sql) = event {
                        log.lock().unwrap().push(sql.to_lowercase());
                    }
                }),
            )
            .unwrap();
        assert!(store.revoke_credential(TokenKind::Session, &session.hash()).unwrap());
        assert_eq!(store.revoke_user_credentials(TokenKind::User, 3).unwrap(), 0);
        assert!(store.delete_org_auth_token(1, 1).unwrap());
        let narrower = OrganizationUpdate { replay_access_teams: Some(vec![]), ..Default::default() };
        store.update_organization(1, &narrower).unwrap();
        assert!(store.remove_team_member(1, 1, 3).unwrap());
        assert!(store.set_feature(1, "organizations:session-replay", false).unwrap());
        assert_eq!(store.remove_member(1, 3).unwrap(), MemberRemoval::Removed);
        store.touch_session("not a revocation").unwrap();

        let log = statements.lock().unwrap().clone();
        let level = |sql: &str| sql.contains("synchronous").then(|| sql.contains("full"));
        for table in [
            "delete from sessions",
            "delete from user_tokens",
            "delete from org_auth_tokens",
            "delete from replay_access_teams",
            "delete from team_members",
            "delete from organization_features",
            "delete from members",
        ] {
            let at =
                log.iter().position(|s| s.contains(table)).unwrap_or_else(|| panic!("{table}: {log:#?}"));
            let before = log[..at].iter().rev().find_map(|s| level(s));
            assert_eq!(before, Some(true), "{table} runs under synchronous = FULL: {log:#?}");
            let commit = at + log[at..].iter().position(|s| s.starts_with("commit")).unwrap();
            let after = log[commit..].iter().find_map(|s| level(s));
            assert_eq!(after, Some(false), "back to NORMAL after the commit: {log:#?}");
        }
        let level: i64 = store.lock().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(level, 1, "NORMAL for everything else");
    }

    /// A version 1 database (before sessions expired) is brought to the current version; its
    /// sessions count as last used when they were opened.
    #[test]
    fn version_1_databases_migrate() {
        let path = temp_db("v1");
        {
            let mut conn = Connection::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute_batch(MIGRATIONS[0]).unwrap();
            tx.execute_batch(seed::DATA).unwrap();
            tx.execute("INSERT INTO sessions (token_hash, user_id) VALUES ('old', 3)", []).unwrap();
            tx.pragma_update(None, "user_version", 1).unwrap();
            tx.commit().unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert!(matches!(
            store.credential(TokenKind::Session, "old").unwrap(),
            Some(Credential::Session { needs_touch: false, .. })
        ));
        assert_eq!(count(&store, "users"), 5, "not seeded again");
    }
}
