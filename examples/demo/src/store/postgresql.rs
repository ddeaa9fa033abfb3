//! The PostgreSQL store: the synchronous `postgres` client over an `r2d2` connection pool,
//! migrations recorded in a `schema_version` table, every multi-statement write in one
//! transaction, and each request's reads in one read-only `REPEATABLE READ` transaction.
//!
//! The `postgres` client runs a small tokio runtime of its own per connection, so it must never
//! be called on an async runtime's worker thread: the service calls the store only on the blocking
//! pool ([`AppState::store`](crate::AppState::store)), and the CLI outside any runtime.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use postgres::error::{DbError, SqlState};
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Config, GenericClient, IsolationLevel, NoTls, Row, Transaction};
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::r2d2::{Pool, PooledConnection};
use scopegate::Date;

use super::scopes_text;
use super::sql::*;
use super::{
    DataStore, DecisionReads, GateUse, GateUseWrite, GateUser, OrganizationSnapshot, OrganizationWrites,
    RequestFacts, RequestReads, RollupKey, RollupWrite, SESSION_IDLE_TIMEOUT, SESSION_LIFETIME,
    SESSION_TOUCH_INTERVAL, SUPERUSER_SESSION_LIFETIME, ServiceStore, SnapshotCache, StoreError, StoreResult,
    UsageBounds, request_facts_from, revocable_table, seed, usage,
};
use crate::model::{
    Credential, Dashboard, DashboardUpdate, DeletionJob, IdOrSlug, Member, MemberRemoval, NewDashboard,
    NewDeletionJob, NewOrgAuthToken, NewSavedSearch, NewUserToken, OrgAuthToken, Organization,
    OrganizationSettings, OrganizationUpdate, Project, RecordingSegment, Replay, ReplayView, Role,
    SavedSearch, Team, TeamJoin, TeamJoinRule, User,
};
use crate::token::TokenKind;

type Manager = PostgresConnectionManager<NoTls>;

/// Schema migrations, in order; migration `i` brings the version from `i` to `i + 1`. The same
/// versions as the SQLite store's: version `n` has the same tables and constraints on both.
/// Never edit a released migration: append a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("postgres_schema_v1.sql"),
    include_str!("postgres_schema_v2.sql"),
    include_str!("postgres_schema_v3.sql"),
];

const _: () = assert!(MIGRATIONS.len() as u32 == super::SCHEMA_VERSION, "both backends migrate in step");

/// The key of the advisory lock that serialises migrations of one database across processes.
const MIGRATION_LOCK: i64 = 0x5c09_e6a7_e000_0001;

/// The channel every write that changes an organization's snapshot `NOTIFY`s, in its own
/// transaction (so the notification goes out exactly when the change commits), with the
/// organization's id as the payload. Each serving instance `LISTEN`s on it (see [`PostgresStore::listen`]).
pub const INVALIDATION_CHANNEL: &str = "scopegate_organization_changed";

/// Connections per store: requests beyond this wait for one (at most [`CHECKOUT_TIMEOUT`]).
const POOL_SIZE: u32 = 16;

/// How long a caller waits for a free connection before the call fails with
/// [`StoreError::Unavailable`] (503): while the server is down no connection can be made, and a
/// request should fail closed soon rather than hang.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long connecting may take when the URL does not say (`connect_timeout=…`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL [`Store`](super::Store), for several service instances on one database.
///
/// ```no_run
/// use scopegate_demo::store::{DataStore, PostgresStore};
/// let store = PostgresStore::open("postgres://postgres@127.0.0.1:5432/scopegate").unwrap();
/// assert!(store.user("owner").unwrap().is_some());
/// ```
pub struct PostgresStore {
    /// `None` only while dropping.
    pool: Option<Pool<Manager>>,
    /// How to connect, for the invalidation listener's own connection.
    config: Config,
    /// The server and database, without a password (for messages).
    target: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore").field("target", &self.target).finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing a connection shuts its client's runtime down, which tokio refuses on an async
        // worker thread (a service drops its state there): close them on a thread of their own.
        if let Some(pool) = self.pool.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// What a database error says, with its detail (e.g. which key already exists).
fn describe_db(db: &DbError) -> String {
    match db.detail() {
        Some(detail) => format!("{} ({detail})", db.message()),
        None => db.message().to_owned(),
    }
}

/// An error and its causes, e.g. "error connecting to server: Connection refused (os error 111)".
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return describe_db(db);
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether `e` says the server cannot be reached or is going away (rather than refusing what was
/// asked): the connection closed or failed, or the server is shutting down or starting up.
fn is_unavailable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        // Class 08: connection exception; 57P01–57P03: shutting down, crashed, starting up.
        return code.code().starts_with("08")
            || [SqlState::ADMIN_SHUTDOWN, SqlState::CRASH_SHUTDOWN, SqlState::CANNOT_CONNECT_NOW]
                .contains(code);
    }
    // No answer from the server at all: the socket failed.
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let code = e.code();
        if is_unavailable(&e) {
            StoreError::Unavailable(describe(&e))
        } else if code == Some(&SqlState::CHARACTER_NOT_IN_REPERTOIRE)
            || code == Some(&SqlState::UNTRANSLATABLE_CHARACTER)
        {
            // A NUL in text (or \u0000 in JSON): what the client sent, not a failure of the server.
            StoreError::Invalid(format!("text that PostgreSQL cannot store: {}", describe(&e)))
        } else if code == Some(&SqlState::UNIQUE_VIOLATION) {
            StoreError::Conflict(describe(&e))
        } else if code == Some(&SqlState::FOREIGN_KEY_VIOLATION) || code == Some(&SqlState::CHECK_VIOLATION) {
            StoreError::Invalid(describe(&e))
        } else {
            StoreError::Backend(describe(&e))
        }
    }
}

/// `url` without its password, if it has one.
pub(super) fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    let Some(at) = url[start..authority_end].rfind('@').map(|i| start + i) else { return url.to_owned() };
    match url[start..at].find(':') {
        Some(colon) => format!("{}:***{}", &url[..start + colon], &url[at..]),
        None => url.to_owned(),
    }
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://user[:password]@host[:port]/database`,
    /// or `postgresql://…`; without TLS), migrates it to [`SCHEMA_VERSION`](super::SCHEMA_VERSION)
    /// and, when it was empty, seeds the demo data. Several processes may open one database at
    /// once: migrations take an advisory lock.
    ///
    /// Call it outside any async runtime, or on its blocking pool (see the module docs).
    ///
    /// # Errors
    /// A malformed URL, a server that cannot be reached or refuses the login, or a database with a
    /// newer schema than this binary's.
    pub fn open(url: &str) -> StoreResult<PostgresStore> {
        let target = redact(url);
        let mut config: Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Backend(format!("{target}: {}", describe(&e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // Migrate over a connection of its own first: an unreachable server or a refused login
        // fails here at once, with the driver's reason.
        let mut client = config.connect(NoTls).map_err(|e| {
            StoreError::Backend(format!("cannot connect to PostgreSQL at {target}: {}", describe(&e)))
        })?;
        migrate(&mut client).map_err(|e| e.context(&target))?;
        drop(client);
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(PostgresConnectionManager::new(config.clone(), NoTls))
            .map_err(|e| StoreError::Backend(format!("cannot open connections to {target}: {e}")))?;
        Ok(PostgresStore { pool: Some(pool), config, target })
    }

    /// The schema version recorded in the database.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn schema_version(&self) -> StoreResult<u32> {
        let version: i32 = self
            .conn()?
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?
            .try_get(0)?;
        u32::try_from(version).map_err(|_| StoreError::Backend(format!("schema version {version}")))
    }

    /// Starts this instance's invalidation listener: a thread of its own with a connection of
    /// its own that `LISTEN`s on [`INVALIDATION_CHANNEL`] and evicts each notified organization
    /// from `cache`. Until it listens, and whenever its connection fails or stops answering, the
    /// cache is flushed and bypassed; it reconnects with backoff (100 ms doubling to 5 s) and
    /// flushes the cache again once it listens. The thread ends when `cache` is dropped.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn listen(&self, cache: &Arc<SnapshotCache>) -> StoreResult<()> {
        cache.set_listening(false);
        let (config, target, cache) = (self.config.clone(), self.target.clone(), Arc::downgrade(cache));
        std::thread::Builder::new()
            .name("scopegate-listen".into())
            .spawn(move || listen_loop(&config, &target, &cache))
            .map(drop)
            .map_err(|e| StoreError::Backend(format!("cannot start the invalidation listener: {e}")))
    }

    fn conn(&self) -> StoreResult<PooledConnection<Manager>> {
        let pool = self.pool.as_ref().ok_or_else(|| StoreError::Backend("the store is closed".into()))?;
        pool.get().map_err(|e| {
            StoreError::Unavailable(format!(
                "no connection to {} within {CHECKOUT_TIMEOUT:?}: {e}",
                self.target
            ))
        })
    }

    /// Runs `f` in one read-only `REPEATABLE READ` transaction: every query it makes sees the
    /// database at one point in time, whatever commits meanwhile.
    fn read_snapshot<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.conn()?;
        let mut tx = conn
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in one transaction, committed when it succeeds.
    fn write<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`write`](Self::write) whose commit waits until the WAL is flushed, even where the server
    /// or the role defaults to `synchronous_commit = off`: when it returns, the change survives a
    /// crash of the server. For every write that takes access away: revoked sessions and user
    /// tokens, deleted organization tokens, removed members and team memberships, organization
    /// updates (allowlists, granular mode, membership) and features turned off.
    fn write_durably<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        self.write(|tx| {
            tx.batch_execute("SET LOCAL synchronous_commit = on")?;
            f(tx)
        })
    }
}

/// `duration` in seconds, for `make_interval(secs => …)`.
/// How long the listener waits for a notification before it checks that its cache still exists.
const LISTEN_POLL: Duration = Duration::from_millis(200);

/// How often an idle listener checks that its connection still answers, and how long it waits.
const LISTEN_HEARTBEAT: Duration = Duration::from_millis(500);

/// The listener's reconnection backoff: from the first to the last, doubling.
const LISTEN_BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(5));

/// The invalidation listener's thread (see [`PostgresStore::listen`]).
fn listen_loop(config: &Config, target: &str, cache: &Weak<SnapshotCache>) {
    let mut backoff = LISTEN_BACKOFF.0;
    loop {
        let outcome = listen_once(config, cache, &mut backoff);
        let Some(live) = cache.upgrade() else { return };
        // Notifications may have been lost: forget everything, cache nothing until listening again.
        live.set_listening(false);
        drop(live);
        if let Err(e) = outcome {
            tracing::warn!(
                target = target,
                error = %e,
                retry_in_ms = backoff.as_millis() as u64,
                "the invalidation listener lost PostgreSQL; organization snapshots are read per request until it is back"
            );
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(LISTEN_BACKOFF.1);
    }
}

/// One connection's life: `LISTEN`, then evict on every notification until the connection fails
/// (an error) or the cache is dropped (`Ok`).
fn listen_once(config: &Config, cache: &Weak<SnapshotCache>, backoff: &mut Duration) -> Result<(), String> {
    let mut client = config.connect(NoTls).map_err(|e| describe(&e))?;
    client.batch_execute(&format!("LISTEN {INVALIDATION_CHANNEL}")).map_err(|e| describe(&e))?;
    {
        let Some(live) = cache.upgrade() else { return Ok(()) };
        // Whatever changed before the LISTEN is forgotten; whatever commits after it is notified.
        live.set_listening(true);
    }
    *backoff = LISTEN_BACKOFF.0;
    tracing::info!("listening for organization changes on {INVALIDATION_CHANNEL}");
    let mut checked = Instant::now();
    loop {
        {
            let mut notifications = client.notifications();
            let mut arrived = notifications.timeout_iter(LISTEN_POLL);
            while let Some(note) = arrived.next().map_err(|e| describe(&e))? {
                let Some(live) = cache.upgrade() else { return Ok(()) };
                match note.payload().parse::<i64>() {
                    Ok(id) => live.evict(id),
                    // Not an id this binary wrote: when in doubt, forget everything.
                    Err(_) => live.flush(),
                }
                checked = Instant::now();
            }
        }
        if cache.strong_count() == 0 {
            return Ok(());
        }
        if checked.elapsed() >= LISTEN_HEARTBEAT {
            client.is_valid(LISTEN_HEARTBEAT).map_err(|e| describe(&e))?;
            checked = Instant::now();
        }
    }
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// Brings the schema to the current version in one transaction, under an advisory lock (so two
/// processes opening a new database do not both migrate), seeding a database that was empty.
fn migrate(client: &mut postgres::Client) -> StoreResult<u32> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, \
         applied_at timestamptz NOT NULL DEFAULT now())",
    )?;
    let from: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?.try_get(0)?;
    let current = super::SCHEMA_VERSION;
    let from = u32::try_from(from).map_err(|_| StoreError::Backend(format!("schema version {from}")))?;
    if from > current {
        return Err(StoreError::Backend(format!(
            "the database has schema version {from}, newer than this binary's {current}; \
             use a newer scopegate-demo or another database"
        )));
    }
    for (version, sql) in (1..=current).zip(MIGRATIONS).skip(from as usize) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&(version as i32)])?;
    }
    if from == 0 {
        tx.batch_execute(seed::DATA)?;
        let (hash, last) = seed::seeded_token()?;
        tx.execute(&seed::seeded_token_insert("$1", "$2"), &[&hash, &last])?;
        // The seed sets ids itself: move each identity past them.
        for table in seed::TABLES_WITH_SEEDED_IDS {
            tx.execute(
                &format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"),
                &[],
            )?;
        }
    }
    tx.commit()?;
    Ok(from)
}

const ORGANIZATION_SELECT: &str =
    "SELECT id, slug, name, open_membership, rfc3339(date_created) FROM organizations";

fn rows<T>(rows: Vec<Row>, row: impl Fn(&Row) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.iter().map(row).collect()
}

/// Whether a slug from outside (a path or query parameter) can name anything: PostgreSQL refuses
/// text with a NUL, and no slug holds a control character, so such a key names nothing (as it
/// does on SQLite), before any query.
fn may_name_something(key: &IdOrSlug) -> bool {
    match key {
        IdOrSlug::Id(_) => true,
        IdOrSlug::Slug(slug) => !slug.chars().any(char::is_control),
    }
}

fn organization_in(c: &mut impl GenericClient, key: &IdOrSlug) -> StoreResult<Option<Organization>> {
    if !may_name_something(key) {
        return Ok(None);
    }
    let found = match key {
        IdOrSlug::Id(id) => c.query_opt(&format!("{ORGANIZATION_SELECT} WHERE id = $1"), &[id])?,
        IdOrSlug::Slug(slug) => c.query_opt(&format!("{ORGANIZATION_SELECT} WHERE slug = $1"), &[slug])?,
    };
    found.as_ref().map(organization_row).transpose()
}

/// Loads memberships selected by `filter` (a condition on `m`), with their users and teams.
fn load_members(
    c: &mut impl GenericClient,
    filter: &str,
    args: &[&(dyn postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<Member>> {
    let found = c.query(
        &format!(
            "SELECT m.id, m.organization_id, m.role, {USER_COLUMNS}, \
             coalesce(array_agg(t.id ORDER BY t.id) FILTER (WHERE t.id IS NOT NULL), '{{}}'), \
             coalesce(array_agg(t.slug ORDER BY t.id) FILTER (WHERE t.id IS NOT NULL), '{{}}') \
             FROM members m JOIN users u ON u.id = m.user_id \
             LEFT JOIN team_members tm ON tm.member_id = m.id LEFT JOIN teams t ON t.id = tm.team_id \
             WHERE {filter} GROUP BY m.id, u.id ORDER BY m.id"
        ),
        args,
    )?;
    rows(found, |r| {
        let id: i64 = r.try_get(0)?;
        Ok(Member {
            id,
            organization_id: r.try_get(1)?,
            user: user_row(r, 3)?,
            role: member_role(id, r.try_get(2)?)?,
            teams: r.try_get(8)?,
            team_slugs: r.try_get(9)?,
        })
    })
}

fn member_of_in(
    c: &mut impl GenericClient,
    organization_id: i64,
    user_id: i64,
) -> StoreResult<Option<Member>> {
    Ok(load_members(c, MEMBER_BY_USER, &[&organization_id, &user_id])?.pop())
}

fn credential_in(c: &mut impl GenericClient, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>> {
    match kind {
        TokenKind::Session => c
            .query_opt(
                &format!(
                    "SELECT s.superuser, s.last_seen_at < now() - make_interval(secs => $2::float8), {USER_COLUMNS} \
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 \
                     AND s.last_seen_at > now() - make_interval(secs => $3::float8) \
                     AND s.date_created > now() - make_interval(secs => CASE WHEN s.superuser THEN $4::float8 ELSE $5::float8 END)"
                ),
                &[
                    &hash,
                    &seconds(SESSION_TOUCH_INTERVAL),
                    &seconds(SESSION_IDLE_TIMEOUT),
                    &seconds(SUPERUSER_SESSION_LIFETIME),
                    &seconds(SESSION_LIFETIME),
                ],
            )?
            .as_ref()
            .map(session_row)
            .transpose(),
        TokenKind::User => c.query_opt(USER_TOKEN_CREDENTIAL, &[&hash])?.as_ref().map(user_token_row).transpose(),
        TokenKind::Org => {
            c.query_opt(ORG_TOKEN_CREDENTIAL, &[&hash])?.as_ref().map(org_token_credential_row).transpose()
        }
    }
}

fn organization_settings_in(
    c: &mut impl GenericClient,
    organization_id: i64,
) -> StoreResult<OrganizationSettings> {
    let row = c.query_one(
        "SELECT coalesce((SELECT granular_replay FROM organizations WHERE id = $1), false), \
         ARRAY(SELECT feature FROM organization_features WHERE organization_id = $1 ORDER BY feature), \
         ARRAY(SELECT user_id FROM replay_access_members WHERE organization_id = $1 ORDER BY user_id), \
         ARRAY(SELECT team_id FROM replay_access_teams WHERE organization_id = $1 ORDER BY team_id)",
        &[&organization_id],
    )?;
    Ok(OrganizationSettings {
        granular_replay: row.try_get(0)?,
        features: row.try_get(1)?,
        replay_access_members: row.try_get(2)?,
        replay_access_teams: row.try_get(3)?,
    })
}

/// The row of `select` (whose table is aliased `alias`, e.g. `"t."`, or `""`) with the id or slug
/// `key`, inside organization `organization_id`.
fn in_organization<T>(
    c: &mut impl GenericClient,
    select: &str,
    alias: &str,
    organization_id: i64,
    key: &IdOrSlug,
    row: fn(&Row) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    if !may_name_something(key) {
        return Ok(None);
    }
    let found = match key {
        IdOrSlug::Id(id) => {
            c.query_opt(&in_organization_sql(select, alias, "id"), &[&organization_id, id])?
        }
        IdOrSlug::Slug(slug) => {
            c.query_opt(&in_organization_sql(select, alias, "slug"), &[&organization_id, slug])?
        }
    };
    found.as_ref().map(row).transpose()
}

const DASHBOARD_SELECT: &str = "SELECT id, organization_id, title, created_by, widgets::text, \
     rfc3339(date_created) FROM dashboards";

const SEARCH_SELECT: &str = "SELECT id, organization_id, name, query, visibility, owner_id, \
     rfc3339(date_created) FROM saved_searches";

const ORG_TOKEN_COLUMNS: &str =
    "id, organization_id, name, scopes, token_last_characters, created_by, rfc3339(date_created)";

const REPLAY_SELECT: &str = "SELECT r.id, r.project_id, r.environment, rfc3339(r.started_at), \
     rfc3339(r.finished_at), round(extract(epoch FROM r.finished_at - r.started_at))::bigint, r.urls::text, \
     r.count_errors, (SELECT count(*) FROM recording_segments s WHERE s.replay_id = r.id), \
     r.user_display_name FROM replays r JOIN projects p ON p.id = r.project_id";

fn replays_where(
    c: &mut impl GenericClient,
    filter: &str,
    args: &[&(dyn postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<Replay>> {
    rows(
        c.query(&format!("{REPLAY_SELECT} WHERE {filter} ORDER BY r.started_at DESC, r.id"), args)?,
        replay_row,
    )
}

const SEGMENT_SELECT: &str =
    "SELECT replay_id, segment_id, rfc3339(date_added), events::text FROM recording_segments";

const JOB_COLUMNS: &str = "id, project_id, rfc3339(range_start), rfc3339(range_end), environments::text, \
     status, count_deleted, rfc3339(date_created)";

/// Normalises a client timestamp to the stored form (RFC 3339 UTC with milliseconds; a time
/// without an offset is UTC, as in the SQLite store); `None` when it is not a date and time.
/// PostgreSQL's words for times (`now`, `yesterday`, `epoch`, …) are not accepted: a timestamp
/// starts with its date.
fn normalise_time(tx: &mut Transaction<'_>, value: &str) -> StoreResult<Option<String>> {
    if !super::starts_with_iso_date(value) {
        return Ok(None);
    }
    tx.batch_execute("SAVEPOINT normalise_time; SET LOCAL TIME ZONE 'UTC'")?;
    match tx.query_one("SELECT rfc3339($1::text::timestamptz)", &[&value]) {
        Ok(row) => {
            tx.batch_execute("RELEASE SAVEPOINT normalise_time")?;
            Ok(Some(row.try_get(0)?))
        }
        Err(e) if e.code().is_some_and(|c| c.code().starts_with("22")) => {
            // A data exception (class 22): not a timestamp. The savepoint keeps the transaction.
            tx.batch_execute("ROLLBACK TO SAVEPOINT normalise_time")?;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// One transaction, borrowed for the reads of one request (see [`DecisionReads::request_facts`]).
struct Snapshot<'a, 'c>(RefCell<&'a mut Transaction<'c>>);

impl RequestReads for Snapshot<'_, '_> {
    fn read_credential(&self, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>> {
        credential_in(&mut **self.0.borrow_mut(), kind, hash)
    }
    fn read_organization(&self, key: &IdOrSlug) -> StoreResult<Option<Organization>> {
        organization_in(&mut **self.0.borrow_mut(), key)
    }
    fn read_member_of(&self, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>> {
        member_of_in(&mut **self.0.borrow_mut(), organization_id, user_id)
    }
    fn read_settings(&self, organization_id: i64) -> StoreResult<OrganizationSettings> {
        organization_settings_in(&mut **self.0.borrow_mut(), organization_id)
    }
}

/// Locks an organization's row for the rest of the transaction, so that changes to its settings
/// and memberships apply one after the other (as the SQLite store's single writer does); `false`
/// when there is no such organization. `NO KEY UPDATE`: rows that merely reference the
/// organization (a new dashboard, a feature flag) are not held up.
fn lock_organization(tx: &mut Transaction<'_>, organization_id: i64) -> StoreResult<bool> {
    let row =
        tx.query_opt("SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE", &[&organization_id])?;
    Ok(row.is_some())
}

/// Announces, at commit, that organization `organization_id`'s snapshot changed (see
/// [`INVALIDATION_CHANNEL`]).
fn notify_changed(tx: &mut Transaction<'_>, organization_id: i64) -> StoreResult<()> {
    tx.execute("SELECT pg_notify($1, $2)", &[&INVALIDATION_CHANNEL, &organization_id.to_string()])?;
    Ok(())
}

/// The ids of `wanted` that `present` lacks, in order, for an error message.
/// One of an organization's replay allowlists, as `replace_allowlist` rewrites it.
struct Allowlist {
    /// The ids among `$2` that may be on the list in organization `$1`.
    existing: &'static str,
    /// The list's table and id column.
    table: &'static str,
    column: &'static str,
    /// How a refusal names the field and its ids.
    field: &'static str,
    not_found: &'static str,
}

const MEMBER_ALLOWLIST: Allowlist = Allowlist {
    existing: "SELECT user_id FROM members WHERE organization_id = $1 AND user_id = ANY($2)",
    table: "replay_access_members",
    column: "user_id",
    field: "replayAccessMembers: user ids",
    not_found: "are not members of this organization",
};

const TEAM_ALLOWLIST: Allowlist = Allowlist {
    existing: "SELECT id FROM teams WHERE organization_id = $1 AND id = ANY($2)",
    table: "replay_access_teams",
    column: "team_id",
    field: "replayAccessTeams: team ids",
    not_found: "are not teams of this organization",
};

/// Replaces an organization's allowlist with `ids`, refusing ids that do not belong to it.
fn replace_allowlist(
    tx: &mut Transaction<'_>,
    organization_id: i64,
    ids: &[i64],
    list: Allowlist,
) -> StoreResult<()> {
    let present: Vec<i64> = tx
        .query(list.existing, &[&organization_id, &ids])?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let missing = missing(ids, &present);
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!("{} {} {}", list.field, missing.join(", "), list.not_found)));
    }
    tx.execute(&format!("DELETE FROM {} WHERE organization_id = $1", list.table), &[&organization_id])?;
    tx.execute(
        &format!(
            "INSERT INTO {} (organization_id, {}) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
            list.table, list.column
        ),
        &[&organization_id, &ids],
    )?;
    Ok(())
}

fn missing(wanted: &[i64], present: &[i64]) -> Vec<String> {
    wanted.iter().filter(|id| !present.contains(id)).map(i64::to_string).collect()
}

impl DecisionReads for PostgresStore {
    /// The request's reads in one read-only `REPEATABLE READ` transaction: one snapshot of the
    /// database, whatever commits meanwhile.
    fn request_facts(
        &self,
        secret: Option<(TokenKind, &str)>,
        target: Option<&IdOrSlug>,
    ) -> StoreResult<RequestFacts> {
        self.read_snapshot(|tx| request_facts_from(&Snapshot(RefCell::new(tx)), secret, target))
    }

    /// In one read-only `REPEATABLE READ` transaction, as [`request_facts`](DecisionReads::request_facts).
    fn organization_snapshot(&self, key: &IdOrSlug) -> StoreResult<Option<OrganizationSnapshot>> {
        self.read_snapshot(|tx| {
            let Some(organization) = organization_in(tx, key)? else { return Ok(None) };
            let settings = organization_settings_in(tx, organization.id)?;
            let mut members = load_members(tx, MEMBERS_OF_ORGANIZATION, &[&organization.id])?;
            members.sort_by_key(|m| m.user.id);
            Ok(Some(OrganizationSnapshot { organization, settings, members }))
        })
    }
}

impl OrganizationWrites for PostgresStore {
    fn update_organization(
        &self,
        organization_id: i64,
        update: &OrganizationUpdate,
    ) -> StoreResult<Organization> {
        // Durable: an update may take access away (allowlist entries, granular mode, membership).
        self.write_durably(|tx| {
            if !lock_organization(tx, organization_id)? {
                return Err(StoreError::Invalid(format!("organization {organization_id} does not exist")));
            }
            notify_changed(tx, organization_id)?;
            if let Some(name) = &update.name {
                tx.execute(SET_ORGANIZATION_NAME, &[name, &organization_id])?;
            }
            if let Some(slug) = &update.slug {
                tx.execute(
                    "UPDATE organizations SET slug = $1 WHERE id = $2 AND slug <> $1",
                    &[slug, &organization_id],
                )
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => {
                        StoreError::Conflict(format!("the slug {slug:?} is already taken"))
                    }
                    other => other,
                })?;
            }
            if let Some(open) = update.open_membership {
                tx.execute(SET_OPEN_MEMBERSHIP, &[&open, &organization_id])?;
            }
            if let Some(granular) = update.granular_replay {
                tx.execute(SET_GRANULAR_REPLAY, &[&granular, &organization_id])?;
            }
            if let Some(users) = &update.replay_access_members {
                replace_allowlist(tx, organization_id, users, MEMBER_ALLOWLIST)?;
            }
            if let Some(teams) = &update.replay_access_teams {
                replace_allowlist(tx, organization_id, teams, TEAM_ALLOWLIST)?;
            }
            organization_in(tx, &IdOrSlug::Id(organization_id))?
                .ok_or_else(|| StoreError::Backend("the organization vanished during the update".into()))
        })
    }

    fn set_feature(&self, organization_id: i64, feature: &str, enabled: bool) -> StoreResult<bool> {
        // Turning a feature off takes access away: durably.
        let write = |tx: &mut Transaction<'_>| {
            let n = if enabled {
                tx.execute(
                    "INSERT INTO organization_features (organization_id, feature) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                    &[&organization_id, &feature],
                )?
            } else {
                tx.execute(DELETE_FEATURE, &[&organization_id, &feature])?
            };
            notify_changed(tx, organization_id)?;
            Ok(n > 0)
        };
        if enabled { self.write(write) } else { self.write_durably(write) }
    }

    fn remove_member(&self, organization_id: i64, member_id: i64) -> StoreResult<MemberRemoval> {
        self.write_durably(|tx| {
            lock_organization(tx, organization_id)?;
            notify_changed(tx, organization_id)?;
            let role: Option<String> = tx
                .query_opt(MEMBER_ROLE, &[&organization_id, &member_id])?
                .map(|r| r.try_get(0))
                .transpose()?;
            let Some(role) = role else { return Ok(MemberRemoval::NotFound) };
            if role == Role::Owner.as_str() {
                let owners: i64 = tx.query_one(OWNER_COUNT, &[&organization_id])?.try_get(0)?;
                if owners <= 1 {
                    return Ok(MemberRemoval::LastOwner);
                }
            }
            // Personal saved searches go with the membership; team memberships, allowlist entries
            // and user tokens of this organization cascade.
            tx.execute(DELETE_MEMBER_SEARCHES, &[&organization_id, &member_id])?;
            tx.execute(DELETE_MEMBER, &[&organization_id, &member_id])?;
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
        self.write(|tx| {
            // The lock allowlist edits take: an edit committed before it is seen here (each
            // statement of a READ COMMITTED transaction reads the latest commits), one after it
            // waits for this transaction.
            if !lock_organization(tx, organization_id)? {
                return Err(StoreError::Invalid(format!("organization {organization_id} does not exist")));
            }
            let row = tx.query_one(TEAM_JOIN_FACTS, &[&organization_id, &team_id])?;
            if let Some(refusal) = super::team_join_refusal(rule, row.try_get(0)?, row.try_get(1)?) {
                return Ok(refusal);
            }
            // The composite foreign keys refuse a team and a member of different organizations.
            let n = tx.execute(
                "INSERT INTO team_members (organization_id, team_id, member_id) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
                &[&organization_id, &team_id, &member_id],
            )?;
            notify_changed(tx, organization_id)?;
            Ok(if n > 0 { TeamJoin::Added } else { TeamJoin::AlreadyMember })
        })
    }

    fn remove_team_member(&self, organization_id: i64, team_id: i64, member_id: i64) -> StoreResult<bool> {
        self.write_durably(|tx| {
            let n = tx.execute(DELETE_TEAM_MEMBER, &[&organization_id, &team_id, &member_id])?;
            notify_changed(tx, organization_id)?;
            Ok(n > 0)
        })
    }
}

impl ServiceStore for PostgresStore {
    fn data(&self) -> &dyn DataStore {
        self
    }
}

impl DataStore for PostgresStore {
    fn credential(&self, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>> {
        credential_in(&mut *self.conn()?, kind, hash)
    }

    fn user(&self, username: &str) -> StoreResult<Option<User>> {
        self.conn()?.query_opt(USER_BY_USERNAME, &[&username])?.map(|r| user_row(&r, 0)).transpose()
    }

    fn create_session(&self, user_id: i64, superuser: bool, hash: &str) -> StoreResult<()> {
        self.conn()?.execute(
            "INSERT INTO sessions (token_hash, user_id, superuser) VALUES ($1, $2, $3)",
            &[&hash, &user_id, &superuser],
        )?;
        Ok(())
    }

    fn touch_session(&self, hash: &str) -> StoreResult<()> {
        self.conn()?.execute("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1", &[&hash])?;
        Ok(())
    }

    fn revoke_credential(&self, kind: TokenKind, hash: &str) -> StoreResult<bool> {
        let table = revocable_table(kind)?;
        self.write_durably(|tx| {
            Ok(tx.execute(&format!("DELETE FROM {table} WHERE token_hash = $1"), &[&hash])? > 0)
        })
    }

    fn revoke_user_credentials(&self, kind: TokenKind, user_id: i64) -> StoreResult<u64> {
        let table = revocable_table(kind)?;
        self.write_durably(|tx| {
            Ok(tx.execute(&format!("DELETE FROM {table} WHERE user_id = $1"), &[&user_id])?)
        })
    }

    fn create_user_token(&self, organization_id: i64, new: &NewUserToken) -> StoreResult<i64> {
        let row = self
            .conn()?
            .query_one(
                &format!("{INSERT_USER_TOKEN} RETURNING id"),
                &[
                    &new.hash,
                    &new.last_characters,
                    &new.name,
                    &new.user_id,
                    &organization_id,
                    &scopes_text(&new.scopes),
                ],
            )
            .map_err(|e| match StoreError::from(e) {
                StoreError::Invalid(_) => {
                    StoreError::Invalid("the user is not a member of the token's organization".into())
                }
                other => other,
            })?;
        Ok(row.try_get(0)?)
    }

    fn create_org_auth_token(
        &self,
        organization_id: i64,
        new: &NewOrgAuthToken,
    ) -> StoreResult<OrgAuthToken> {
        let row = self.conn()?.query_one(
            &format!("{INSERT_ORG_TOKEN} RETURNING {ORG_TOKEN_COLUMNS}"),
            &[
                &new.hash,
                &new.last_characters,
                &new.name,
                &organization_id,
                &scopes_text(&new.scopes),
                &new.created_by,
            ],
        )?;
        org_token_row(&row)
    }

    fn org_auth_tokens(&self, organization_id: i64) -> StoreResult<Vec<OrgAuthToken>> {
        let found = self.conn()?.query(
            &format!(
                "SELECT {ORG_TOKEN_COLUMNS} FROM org_auth_tokens WHERE organization_id = $1 ORDER BY id"
            ),
            &[&organization_id],
        )?;
        rows(found, org_token_row)
    }

    fn delete_org_auth_token(&self, organization_id: i64, token_id: i64) -> StoreResult<bool> {
        self.write_durably(|tx| {
            let n = tx.execute(DELETE_ORG_TOKEN, &[&organization_id, &token_id])?;
            Ok(n > 0)
        })
    }

    fn organization(&self, key: &IdOrSlug) -> StoreResult<Option<Organization>> {
        organization_in(&mut *self.conn()?, key)
    }

    fn organization_settings(&self, organization_id: i64) -> StoreResult<OrganizationSettings> {
        organization_settings_in(&mut *self.conn()?, organization_id)
    }

    fn member_of(&self, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>> {
        member_of_in(&mut *self.conn()?, organization_id, user_id)
    }

    fn member(&self, organization_id: i64, member_id: i64) -> StoreResult<Option<Member>> {
        Ok(load_members(&mut *self.conn()?, MEMBER_BY_ID, &[&organization_id, &member_id])?.pop())
    }

    fn members(&self, organization_id: i64) -> StoreResult<Vec<Member>> {
        load_members(&mut *self.conn()?, MEMBERS_OF_ORGANIZATION, &[&organization_id])
    }

    fn teams(&self, organization_id: i64) -> StoreResult<Vec<Team>> {
        let found = self.conn()?.query(
            &format!("{TEAM_SELECT} WHERE t.organization_id = $1 ORDER BY t.id"),
            &[&organization_id],
        )?;
        rows(found, team_row)
    }

    fn team(&self, organization_id: i64, key: &IdOrSlug) -> StoreResult<Option<Team>> {
        in_organization(&mut *self.conn()?, TEAM_SELECT, "t.", organization_id, key, team_row)
    }

    fn projects(&self, organization_id: i64) -> StoreResult<Vec<Project>> {
        let found = self.conn()?.query(
            &format!("{PROJECT_SELECT} WHERE organization_id = $1 ORDER BY id"),
            &[&organization_id],
        )?;
        rows(found, project_row)
    }

    fn project(&self, organization_id: i64, key: &IdOrSlug) -> StoreResult<Option<Project>> {
        in_organization(&mut *self.conn()?, PROJECT_SELECT, "", organization_id, key, project_row)
    }

    fn dashboards(&self, organization_id: i64) -> StoreResult<Vec<Dashboard>> {
        let found = self.conn()?.query(
            &format!("{DASHBOARD_SELECT} WHERE organization_id = $1 ORDER BY id"),
            &[&organization_id],
        )?;
        rows(found, dashboard_row)
    }

    fn dashboard(&self, organization_id: i64, dashboard_id: i64) -> StoreResult<Option<Dashboard>> {
        self.conn()?
            .query_opt(
                &format!("{DASHBOARD_SELECT} WHERE organization_id = $1 AND id = $2"),
                &[&organization_id, &dashboard_id],
            )?
            .as_ref()
            .map(dashboard_row)
            .transpose()
    }

    fn create_dashboard(&self, organization_id: i64, new: &NewDashboard) -> StoreResult<Dashboard> {
        let row = self.conn()?.query_one(
            "INSERT INTO dashboards (organization_id, title, created_by, widgets) \
             VALUES ($1, $2, $3, $4::text::json) RETURNING id, organization_id, title, created_by, widgets::text, \
             rfc3339(date_created)",
            &[&organization_id, &new.title, &new.created_by, &new.widgets.to_string()],
        )?;
        dashboard_row(&row)
    }

    fn update_dashboard(
        &self,
        organization_id: i64,
        dashboard_id: i64,
        update: &DashboardUpdate,
    ) -> StoreResult<Option<Dashboard>> {
        let widgets = update.widgets.as_ref().map(serde_json::Value::to_string);
        // One statement: each field keeps its value when the update leaves it out.
        self.conn()?
            .query_opt(
                "UPDATE dashboards SET title = coalesce($3, title), \
                 widgets = coalesce($4::text::json, widgets) WHERE organization_id = $1 AND id = $2 \
                 RETURNING id, organization_id, title, created_by, widgets::text, rfc3339(date_created)",
                &[&organization_id, &dashboard_id, &update.title, &widgets],
            )?
            .as_ref()
            .map(dashboard_row)
            .transpose()
    }

    fn delete_dashboard(&self, organization_id: i64, dashboard_id: i64) -> StoreResult<bool> {
        let n = self.conn()?.execute(DELETE_DASHBOARD, &[&organization_id, &dashboard_id])?;
        Ok(n > 0)
    }

    fn saved_searches(&self, organization_id: i64, viewer: Option<i64>) -> StoreResult<Vec<SavedSearch>> {
        let found = self
            .conn()?
            .query(&format!("{SEARCH_SELECT}{VISIBLE_SEARCHES}"), &[&organization_id, &viewer])?;
        rows(found, search_row)
    }

    fn saved_search(&self, organization_id: i64, search_id: i64) -> StoreResult<Option<SavedSearch>> {
        self.conn()?
            .query_opt(
                &format!("{SEARCH_SELECT} WHERE organization_id = $1 AND id = $2"),
                &[&organization_id, &search_id],
            )?
            .as_ref()
            .map(search_row)
            .transpose()
    }

    fn create_saved_search(&self, organization_id: i64, new: &NewSavedSearch) -> StoreResult<SavedSearch> {
        let row = self.conn()?.query_one(
            &format!(
                "{INSERT_SEARCH} RETURNING id, organization_id, name, query, visibility, owner_id, \
                 rfc3339(date_created)"
            ),
            &[&organization_id, &new.name, &new.query, &new.visibility.as_str(), &new.owner_id],
        )?;
        search_row(&row)
    }

    fn delete_saved_search(&self, organization_id: i64, search_id: i64) -> StoreResult<bool> {
        let n = self.conn()?.execute(DELETE_SEARCH, &[&organization_id, &search_id])?;
        Ok(n > 0)
    }

    fn replays(&self, organization_id: i64, project_id: Option<i64>) -> StoreResult<Vec<Replay>> {
        replays_where(
            &mut *self.conn()?,
            "p.organization_id = $1 AND ($2::bigint IS NULL OR r.project_id = $2)",
            &[&organization_id, &project_id],
        )
    }

    fn organization_replay(&self, organization_id: i64, replay_id: &str) -> StoreResult<Option<Replay>> {
        Ok(replays_where(&mut *self.conn()?, ORGANIZATION_REPLAY, &[&organization_id, &replay_id])?.pop())
    }

    fn replay(&self, project_id: i64, replay_id: &str) -> StoreResult<Option<Replay>> {
        Ok(replays_where(&mut *self.conn()?, PROJECT_REPLAY, &[&project_id, &replay_id])?.pop())
    }

    fn delete_replay(&self, project_id: i64, replay_id: &str) -> StoreResult<bool> {
        let n = self.conn()?.execute(DELETE_REPLAY, &[&project_id, &replay_id])?;
        Ok(n > 0)
    }

    fn recording_segments(&self, replay_id: &str) -> StoreResult<Vec<RecordingSegment>> {
        let found = self
            .conn()?
            .query(&format!("{SEGMENT_SELECT} WHERE replay_id = $1 ORDER BY segment_id"), &[&replay_id])?;
        rows(found, segment_row)
    }

    fn recording_segment(&self, replay_id: &str, segment_id: i64) -> StoreResult<Option<RecordingSegment>> {
        self.conn()?
            .query_opt(
                &format!("{SEGMENT_SELECT} WHERE replay_id = $1 AND segment_id = $2"),
                &[&replay_id, &segment_id],
            )?
            .as_ref()
            .map(segment_row)
            .transpose()
    }

    fn replay_viewers(&self, replay_id: &str) -> StoreResult<Vec<ReplayView>> {
        let found = self.conn()?.query(
            &format!(
                "SELECT {USER_COLUMNS}, rfc3339(v.viewed_at) FROM replay_views v JOIN users u ON u.id = v.user_id \
                 WHERE v.replay_id = $1 ORDER BY v.viewed_at DESC, u.id"
            ),
            &[&replay_id],
        )?;
        rows(found, |r| Ok(ReplayView { user: user_row(r, 0)?, viewed_at: r.try_get(5)? }))
    }

    fn mark_replay_viewed(&self, replay_id: &str, user_id: i64) -> StoreResult<()> {
        self.conn()?.execute(
            "INSERT INTO replay_views (replay_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (replay_id, user_id) DO UPDATE SET viewed_at = now()",
            &[&replay_id, &user_id],
        )?;
        Ok(())
    }

    fn deletion_jobs(&self, project_id: i64) -> StoreResult<Vec<DeletionJob>> {
        let found = self.conn()?.query(
            &format!("SELECT {JOB_COLUMNS} FROM replay_deletion_jobs WHERE project_id = $1 ORDER BY id DESC"),
            &[&project_id],
        )?;
        rows(found, job_row)
    }

    fn deletion_job(&self, project_id: i64, job_id: i64) -> StoreResult<Option<DeletionJob>> {
        self.conn()?
            .query_opt(
                &format!("SELECT {JOB_COLUMNS} FROM replay_deletion_jobs WHERE project_id = $1 AND id = $2"),
                &[&project_id, &job_id],
            )?
            .as_ref()
            .map(job_row)
            .transpose()
    }

    fn create_deletion_job(&self, project_id: i64, new: &NewDeletionJob) -> StoreResult<DeletionJob> {
        self.write(|tx| {
            let (start, end) = super::deletion_range(new, |value| normalise_time(tx, value))?;
            let environments = serde_json::to_string(&new.environments)?;
            let deleted = tx.execute(
                "DELETE FROM replays WHERE project_id = $1 AND started_at >= $2::text::timestamptz \
                 AND started_at < $3::text::timestamptz AND (json_array_length($4::text::json) = 0 \
                 OR environment IN (SELECT json_array_elements_text($4::text::json)))",
                &[&project_id, &start, &end, &environments],
            )?;
            let row = tx.query_one(
                &format!(
                    "WITH job AS (INSERT INTO replay_deletion_jobs (project_id, range_start, range_end, \
                     environments, status, count_deleted) VALUES ($1, $2::text::timestamptz, \
                     $3::text::timestamptz, $4::text::json, 'completed', $5) RETURNING *) \
                     SELECT {JOB_COLUMNS} FROM job"
                ),
                &[&project_id, &start, &end, &environments, &i64::try_from(deleted).unwrap_or(i64::MAX)],
            )?;
            job_row(&row)
        })
    }

    fn record_would_break(
        &self,
        rows: &[(RollupKey, u64)],
        bounds: &UsageBounds,
    ) -> StoreResult<RollupWrite> {
        self.write(|tx| {
            // Every instance's writer takes the same lock: the bound on principals stays exact.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&USAGE_LOCK])?;
            usage::write_rollups(&mut Usage(tx), rows, bounds)
        })
    }

    fn would_break_since(&self, since: Date) -> StoreResult<Vec<scopegate::tighten::Usage>> {
        let rows = self.conn()?.query(
            "SELECT to_char(day, 'YYYY-MM-DD'), handler, method, principal_kind, principal, organization_id, \
             requests FROM would_break_rollups WHERE day >= $1::text::date \
             ORDER BY day, handler, method, principal_kind, principal, organization_id",
            &[&since.to_string()],
        )?;
        rows.iter()
            .map(|r| {
                usage::usage_row(
                    &r.try_get::<_, String>(0)?,
                    r.try_get(1)?,
                    &r.try_get::<_, String>(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                )
            })
            .collect()
    }

    fn record_gate_use(&self, used: &GateUse, bounds: &UsageBounds) -> StoreResult<GateUseWrite> {
        self.write(|tx| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&GATE_USE_LOCK])?;
            usage::write_gate_use(&mut Usage(tx), used, bounds)
        })
    }

    fn gate_users_since(&self, organization_id: i64, gate: &str, since: Date) -> StoreResult<Vec<GateUser>> {
        let rows = self.conn()?.query(
            "SELECT user_id, to_char(max(day), 'YYYY-MM-DD') FROM gate_usage WHERE organization_id = $1 \
             AND gate = $2 AND day >= $3::text::date GROUP BY user_id ORDER BY user_id",
            &[&organization_id, &gate, &since.to_string()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(GateUser {
                    user_id: r.try_get(0)?,
                    last_used: usage::stored_day(&r.try_get::<_, String>(1)?)?,
                })
            })
            .collect()
    }
}

/// The key of the advisory lock the would-break rollup writers of every instance take.
const USAGE_LOCK: i64 = 0x5c09_e6a7_e000_0002;

/// The key of the advisory lock the gate use writers of every instance take.
const GATE_USE_LOCK: i64 = 0x5c09_e6a7_e000_0003;

/// The usage statements, in a write's transaction.
struct Usage<'t, 'c>(&'t mut Transaction<'c>);

/// A rollup row's key and count, bound as `$1` … `$7` (day, handler, method, principal kind,
/// principal, organization, requests).
fn rollup_params<'r>(row: &'r usage::RollupRow<'_>) -> [&'r (dyn postgres::types::ToSql + Sync); 7] {
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

/// A count as the bounds compare it.
fn count(row: &Row) -> StoreResult<u64> {
    Ok(u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0))
}

impl usage::RollupTx for Usage<'_, '_> {
    fn forget_rollups_before(&mut self, day: &str) -> StoreResult<u64> {
        Ok(self.0.execute("DELETE FROM would_break_rollups WHERE day < $1::text::date", &[&day])?)
    }

    fn add_to_rollup(&mut self, row: &usage::RollupRow<'_>) -> StoreResult<bool> {
        let n = self.0.execute(
            "UPDATE would_break_rollups SET requests = requests + $7 WHERE day = $1::text::date \
             AND handler = $2 AND method = $3 AND principal_kind = $4 AND principal = $5 AND organization_id = $6",
            &rollup_params(row),
        )?;
        Ok(n > 0)
    }

    fn rollup_principals(&mut self, day: &str, handler: &str, method: &str) -> StoreResult<u64> {
        count(&self.0.query_one(
            "SELECT count(*) FROM would_break_rollups WHERE day = $1::text::date AND handler = $2 \
             AND method = $3 AND principal <> $4",
            &[&day, &handler, &method, &usage::OTHER_PRINCIPAL],
        )?)
    }

    fn upsert_rollup(&mut self, row: &usage::RollupRow<'_>) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO would_break_rollups (day, handler, method, principal_kind, principal, organization_id, \
             requests) VALUES ($1::text::date, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (day, handler, method, principal_kind, principal, organization_id) \
             DO UPDATE SET requests = would_break_rollups.requests + EXCLUDED.requests",
            &rollup_params(row),
        )?;
        Ok(())
    }
}

impl usage::GateUseTx for Usage<'_, '_> {
    fn forget_gate_use_before(&mut self, day: &str) -> StoreResult<u64> {
        Ok(self.0.execute("DELETE FROM gate_usage WHERE day < $1::text::date", &[&day])?)
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
            .query_opt(
                "SELECT 1 FROM gate_usage WHERE organization_id = $1 AND gate = $2 AND day = $3::text::date \
                 AND user_id = $4",
                &[&organization_id, &gate, &day, &user_id],
            )?
            .is_some())
    }

    fn gate_users_on(&mut self, organization_id: i64, gate: &str, day: &str) -> StoreResult<u64> {
        count(&self.0.query_one(
            "SELECT count(*) FROM gate_usage WHERE organization_id = $1 AND gate = $2 AND day = $3::text::date",
            &[&organization_id, &gate, &day],
        )?)
    }

    fn insert_gate_use(
        &mut self,
        organization_id: i64,
        gate: &str,
        day: &str,
        user_id: i64,
    ) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO gate_usage (organization_id, gate, day, user_id) VALUES ($1, $2, $3::text::date, $4) \
             ON CONFLICT DO NOTHING",
            &[&organization_id, &gate, &day, &user_id],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/demo"), "postgres://app:***@db:5432/demo");
        assert_eq!(redact("postgresql://app:p@ss@db/demo?x=1"), "postgresql://app:***@db/demo?x=1");
        assert_eq!(redact("postgres://app@db/demo"), "postgres://app@db/demo");
        assert_eq!(redact("postgres://db/demo?user=a@b"), "postgres://db/demo?user=a@b");
        assert_eq!(redact("not a url"), "not a url");
    }
}
