//! Data access behind the service's own types.
//!
//! Handlers, principal resolution and the CLI see the store through traits and the
//! [`model`](crate::model) types only, split by what a cache in front of the store changes:
//!
//! * [`DecisionReads`] — the reads a decision needs (one request's facts, an organization's
//!   snapshot), each from one consistent state of the store.
//! * [`OrganizationWrites`] — the writes that change what such a snapshot holds.
//! * [`DataStore`] — everything else, read and written straight through.
//! * [`ServiceStore`] — what the service and the CLI hold: the first two, and the third through
//!   [`data`](ServiceStore::data).
//! * [`Store`] — a backend, all of them at once: [`SqliteStore`], the embedded default, and
//!   [`PostgresStore`], the same for several service instances on one database.
//!
//! [`CachedStore`] is a [`ServiceStore`] in front of a backend: it serves the [`DecisionReads`] from
//! a serving instance's organization snapshots, evicts after each [`OrganizationWrites`] method,
//! and hands out the backend itself as its [`DataStore`]; a write that changes a snapshot cannot
//! bypass the eviction, because no such write is reachable there. [`Database`] is what the
//! CLI's `--db` names: a `postgres://…` URL or a SQLite file.
//!
//! The traits are synchronous: callers in async code run them on the blocking pool through
//! [`AppState::store`](crate::AppState::store) and [`AppState::data`](crate::AppState::data), one
//! closure per request step, so a backend may block freely (SQLite always does; the synchronous
//! PostgreSQL client must not even be called on an async worker thread).
//!
//! ```
//! use scopegate_demo::model::IdOrSlug;
//! use scopegate_demo::store::{DataStore, SqliteStore};
//!
//! let store = SqliteStore::open_in_memory().unwrap();
//! let acme = store.organization(&IdOrSlug::parse("acme")).unwrap().unwrap();
//! let settings = store.organization_settings(acme.id).unwrap();
//! assert!(settings.features.iter().any(|f| f == "organizations:session-replay"));
//! assert!(!settings.granular_replay);
//! ```

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use scopegate::Date;

use crate::model::{
    Credential, Dashboard, DashboardUpdate, DeletionJob, IdOrSlug, Member, MemberRemoval, NewDashboard,
    NewDeletionJob, NewOrgAuthToken, NewSavedSearch, NewUserToken, OrgAuthToken, Organization,
    OrganizationSettings, OrganizationUpdate, Project, RecordingSegment, Replay, ReplayView, SavedSearch,
    Team, TeamJoin, TeamJoinRule, User,
};
use crate::token::TokenKind;

mod cache;
mod postgresql;
mod seed;
mod sql;
mod sqlite;
mod usage;

pub use cache::{CachedStore, DEFAULT_CACHE_TTL, SnapshotCache};
pub use postgresql::{INVALIDATION_CHANNEL, PostgresStore};
pub use sqlite::{SCHEMA_VERSION, SqliteStore};
pub use usage::{
    GateUse, GateUseWrite, GateUser, MAX_GATE_USERS_PER_DAY, MAX_PRINCIPALS_PER_ENDPOINT_DAY,
    OTHER_PRINCIPAL, RETENTION_DAYS, RollupKey, RollupWrite, UsageBounds, day_of_ms, days_before,
};

/// The database the `--db` flag names: a PostgreSQL server for a `postgres://…` or
/// `postgresql://…` URL, anything else a SQLite file.
///
/// ```
/// use scopegate_demo::store::Database;
/// assert_eq!(
///     Database::from("postgres://app:s3cret@db/demo".to_owned()),
///     Database::Postgres("postgres://app:s3cret@db/demo".into())
/// );
/// assert!(matches!(Database::from("./scopegate-demo.sqlite3".to_owned()), Database::Sqlite(_)));
/// // Messages never show the password.
/// assert_eq!(Database::Postgres("postgres://app:s3cret@db/demo".into()).to_string(), "postgres://app:***@db/demo");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, created and seeded when it does not exist.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL; the database must exist, and is migrated and seeded when empty.
    Postgres(String),
}

impl Database {
    /// Opens the store: connects, migrates and, on a new database, seeds the demo data. Call it
    /// outside any async runtime (see [`PostgresStore`]).
    ///
    /// # Errors
    /// The backend's reason, prefixed with the database (without a password).
    pub fn open(&self) -> StoreResult<Arc<dyn Store>> {
        let store: Arc<dyn Store> = match self {
            Database::Sqlite(path) => Arc::new(SqliteStore::open(path).map_err(|e| e.context(self))?),
            Database::Postgres(url) => Arc::new(PostgresStore::open(url)?),
        };
        Ok(store)
    }

    /// Opens the store as a serving instance does: [`open`](Self::open) behind a
    /// [`CachedStore`] whose organization snapshots are served for at most `ttl` (zero: never
    /// cached). On PostgreSQL the instance's invalidation listener starts too
    /// ([`PostgresStore::listen`]); SQLite has one writer, this process, which evicts as it writes.
    ///
    /// # Errors
    /// As [`open`](Self::open), or when the listener cannot start.
    pub fn open_cached(&self, ttl: Duration) -> StoreResult<Arc<CachedStore>> {
        match self {
            Database::Sqlite(_) => {
                let cache = Arc::new(SnapshotCache::new(ttl, true));
                Ok(Arc::new(CachedStore::new(self.open()?, cache)))
            }
            Database::Postgres(url) => {
                let store = PostgresStore::open(url)?;
                let cache = Arc::new(SnapshotCache::new(ttl, false));
                store.listen(&cache)?;
                Ok(Arc::new(CachedStore::new(Arc::new(store), cache)))
            }
        }
    }
}

impl From<OsString> for Database {
    fn from(arg: OsString) -> Database {
        match arg.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url.to_owned())
            }
            _ => Database::Sqlite(PathBuf::from(arg)),
        }
    }
}

impl From<String> for Database {
    fn from(arg: String) -> Database {
        Database::from(OsString::from(arg))
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => path.display().fmt(f),
            Database::Postgres(url) => f.write_str(&postgresql::redact(url)),
        }
    }
}

/// How long a session may go unused before it expires.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a session lives at most, however much it is used (Sentry's session cookie age).
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// How long an active superuser session lives at most: superuser mode grants every scope in every
/// organization, so a forgotten or stolen one must not last.
pub const SUPERUSER_SESSION_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A session's use is recorded at most this often (one write per session per interval, not per
/// request), so idle expiry is this precise.
pub const SESSION_TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// The table of a revocable credential kind; organization tokens are deleted, not revoked.
fn revocable_table(kind: TokenKind) -> StoreResult<&'static str> {
    match kind {
        TokenKind::Session => Ok("sessions"),
        TokenKind::User => Ok("user_tokens"),
        TokenKind::Org => Err(StoreError::Invalid(
            "organization tokens are not revoked but deleted (DELETE …/org-auth-tokens/{token_id}/)".into(),
        )),
    }
}

/// What [`DecisionReads::request_facts`] returns.
#[derive(Clone, Debug, Default)]
pub struct RequestFacts {
    /// The presented credential, if it exists.
    pub credential: Option<Credential>,
    /// The target organization, if it exists.
    pub organization: Option<Organization>,
    /// The caller's membership in it (a session's user, or a user token bound to it).
    pub member: Option<Member>,
    /// Its features and replay access settings.
    pub settings: Option<OrganizationSettings>,
}

/// Everything a decision reads about one organization — the organization, its features and
/// replay access settings, and every membership with its role and teams — from one consistent
/// state of the store (see [`DecisionReads::organization_snapshot`]). What [`CachedStore`] keeps per
/// organization.
#[derive(Clone, Debug)]
pub struct OrganizationSnapshot {
    /// The organization.
    pub organization: Organization,
    /// Its features and replay access settings.
    pub settings: OrganizationSettings,
    /// Every membership, sorted by user id.
    pub members: Vec<Member>,
}

impl OrganizationSnapshot {
    /// The membership of `user_id`, if any.
    pub fn member_of(&self, user_id: i64) -> Option<&Member> {
        self.members.binary_search_by_key(&user_id, |m| m.user.id).ok().map(|i| &self.members[i])
    }
}

/// The reads of [`DecisionReads::request_facts`], one request's view of a backend.
pub(crate) trait RequestReads {
    fn read_credential(&self, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>>;
    fn read_organization(&self, key: &IdOrSlug) -> StoreResult<Option<Organization>>;
    fn read_member_of(&self, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>>;
    fn read_settings(&self, organization_id: i64) -> StoreResult<OrganizationSettings>;
}

/// The user whose membership in organization `organization_id` a request with `credential` acts
/// with: a session's user, or a user token's when the token is bound to that organization.
pub(crate) fn acting_user(credential: Option<&Credential>, organization_id: i64) -> Option<i64> {
    match credential {
        Some(Credential::Session { user, .. }) => Some(user.id),
        Some(Credential::UserToken { user, organization_id: bound, .. }) if *bound == organization_id => {
            Some(user.id)
        }
        _ => None,
    }
}

/// [`DecisionReads::request_facts`] from the individual reads of `store`.
pub(crate) fn request_facts_from<S: RequestReads + ?Sized>(
    store: &S,
    secret: Option<(TokenKind, &str)>,
    target: Option<&IdOrSlug>,
) -> StoreResult<RequestFacts> {
    let credential = match secret {
        Some((kind, hash)) => store.read_credential(kind, hash)?,
        None => None,
    };
    let organization = match target {
        Some(key) => store.read_organization(key)?,
        None => None,
    };
    let (member, settings) = match &organization {
        Some(org) => {
            let member = match acting_user(credential.as_ref(), org.id) {
                Some(user) => store.read_member_of(org.id, user)?,
                None => None,
            };
            (member, Some(store.read_settings(org.id)?))
        }
        None => (None, None),
    };
    Ok(RequestFacts { credential, organization, member, settings })
}

/// A deletion job's range, each end normalised by the backend's own time parser (`None`: not a
/// timestamp), refused unless it is a non-empty interval.
pub(crate) fn deletion_range(
    new: &NewDeletionJob,
    mut normalise: impl FnMut(&str) -> StoreResult<Option<String>>,
) -> StoreResult<(String, String)> {
    let start = normalise(&new.range_start)?
        .ok_or_else(|| StoreError::Invalid(format!("rangeStart {:?} is not a timestamp", new.range_start)))?;
    let end = normalise(&new.range_end)?
        .ok_or_else(|| StoreError::Invalid(format!("rangeEnd {:?} is not a timestamp", new.range_end)))?;
    if start >= end {
        return Err(StoreError::Invalid("rangeStart must be before rangeEnd".into()));
    }
    Ok((start, end))
}

/// Why `rule` refuses adding a member to a team, given the organization's membership (`open`) and
/// whether the team is on the replay access allowlist, as read in the writing transaction.
pub(crate) fn team_join_refusal(rule: TeamJoinRule, open: bool, allowlisted: bool) -> Option<TeamJoin> {
    if rule.needs_open_membership && !open {
        Some(TeamJoin::ClosedMembership)
    } else if allowlisted && !rule.may_join_allowlisted {
        Some(TeamJoin::AllowlistedTeam)
    } else {
        None
    }
}

/// Token scopes as both backends store them: names separated by spaces.
pub(crate) fn scopes_text(scopes: &[String]) -> String {
    scopes.join(" ")
}

/// The scopes of [`scopes_text`].
pub(crate) fn scopes_list(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A JSON array of strings (a stored list column).
pub(crate) fn json_list(text: &str) -> StoreResult<Vec<String>> {
    Ok(serde_json::from_str(text)?)
}

/// Whether `value` starts with an ISO 8601 date (`YYYY-MM-DD`), as every timestamp a client may
/// send does. Each backend's parser knows more forms (SQLite's Julian day numbers and `now`,
/// PostgreSQL's `yesterday` and `epoch`); both stores refuse them, so the API means the same on
/// either.
pub(crate) fn starts_with_iso_date(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// Why a store operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The input breaks a rule of the data (e.g. an allowlisted user who is not a member).
    Invalid(String),
    /// The change collides with existing data (e.g. a slug already taken).
    Conflict(String),
    /// The backend failed (I/O, corruption, a schema newer than this binary, …).
    Backend(String),
    /// The database cannot be reached right now (PostgreSQL down, restarting, or every connection
    /// busy for longer than the checkout timeout): nothing was read or written, and a retry may
    /// succeed. The service answers 503.
    Unavailable(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Invalid(msg) => write!(f, "invalid: {msg}"),
            StoreError::Conflict(msg) => write!(f, "conflict: {msg}"),
            StoreError::Backend(msg) => write!(f, "database error: {msg}"),
            StoreError::Unavailable(msg) => write!(f, "database unavailable: {msg}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// The same error, its message prefixed with `what` (e.g. the database).
    fn context(self, what: impl fmt::Display) -> StoreError {
        match self {
            StoreError::Invalid(msg) => StoreError::Invalid(format!("{what}: {msg}")),
            StoreError::Conflict(msg) => StoreError::Conflict(format!("{what}: {msg}")),
            StoreError::Backend(msg) => StoreError::Backend(format!("{what}: {msg}")),
            StoreError::Unavailable(msg) => StoreError::Unavailable(format!("{what}: {msg}")),
        }
    }
}

/// The result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The reads a decision needs: one request's facts and an organization's snapshot, each from one
/// consistent state of the store. What [`CachedStore`] serves from its cache (everything else
/// reaches the database).
pub trait DecisionReads: Send + Sync + fmt::Debug + 'static {
    /// Everything one request's decision reads — the presented credential (by kind and secret
    /// hash), the target organization, the caller's membership there and its settings — from one
    /// consistent state of the store, so that no decision mixes two points in time. `SqliteStore`
    /// reads them under one lock, `PostgresStore` in one read-only `REPEATABLE READ` transaction,
    /// and [`CachedStore`] reads the credential and takes the rest from one organization snapshot.
    fn request_facts(
        &self,
        secret: Option<(TokenKind, &str)>,
        target: Option<&IdOrSlug>,
    ) -> StoreResult<RequestFacts>;

    /// The organization named by `key` with its settings and every membership, from one
    /// consistent state of the store (SQLite: under one lock; PostgreSQL: one read-only
    /// `REPEATABLE READ` transaction); `None` when it does not exist.
    fn organization_snapshot(&self, key: &IdOrSlug) -> StoreResult<Option<OrganizationSnapshot>>;
}

/// The writes that change what an [`OrganizationSnapshot`] holds: the organization itself, its
/// features and replay access settings, its memberships and their teams. [`CachedStore`] evicts the
/// organization after each of them, and on PostgreSQL each `NOTIFY`s
/// [`INVALIDATION_CHANNEL`] in its transaction.
///
/// Every write that changes a snapshot belongs here and nowhere else: [`DataStore`], which a
/// [`CachedStore`] hands out uncached, must have none, or a write through it would skip the
/// eviction.
pub trait OrganizationWrites: Send + Sync + fmt::Debug + 'static {
    /// Applies a change atomically and returns the updated organization.
    fn update_organization(
        &self,
        organization_id: i64,
        update: &OrganizationUpdate,
    ) -> StoreResult<Organization>;
    /// Turns a feature flag on or off; `true` when that changed anything.
    fn set_feature(&self, organization_id: i64, feature: &str, enabled: bool) -> StoreResult<bool>;
    /// Removes a member (with their team memberships, allowlist entries and user tokens there),
    /// refusing to remove the only owner.
    fn remove_member(&self, organization_id: i64, member_id: i64) -> StoreResult<MemberRemoval>;
    /// Adds a member to a team of the same organization, if `rule` allows it: checked in the same
    /// transaction as the insert, against the database, after taking the organization's lock (the
    /// one allowlist edits take), so a team put on the allowlist or membership closed by a commit
    /// before this one is always seen.
    fn add_team_member(
        &self,
        organization_id: i64,
        team_id: i64,
        member_id: i64,
        rule: TeamJoinRule,
    ) -> StoreResult<TeamJoin>;
    /// Removes a member from a team; `false` when not in it.
    fn remove_team_member(&self, organization_id: i64, team_id: i64, member_id: i64) -> StoreResult<bool>;
}

/// The service's data, read and written straight through: credentials and sessions, users,
/// members, teams, projects, dashboards, saved searches, organization tokens and replays. Never
/// cached, and none of these methods changes what an [`OrganizationSnapshot`] holds (those writes
/// are [`OrganizationWrites`]). Every method that writes more than one row does so atomically.
///
/// Lookups scoped by organization or project (`dashboard(org, id)`, `replay(project, id)`, …)
/// return `None` for an object of another organization or project, so a handler cannot leak
/// across organizations by forgetting a check.
pub trait DataStore: Send + Sync + fmt::Debug + 'static {
    // --- Credentials -------------------------------------------------------------------------

    /// The credential whose secret hashes to `hash`, if it exists and, for a session, has not
    /// expired: used within [`SESSION_IDLE_TIMEOUT`], and younger than [`SESSION_LIFETIME`] (or
    /// [`SUPERUSER_SESSION_LIFETIME`] in superuser mode).
    fn credential(&self, kind: TokenKind, hash: &str) -> StoreResult<Option<Credential>>;
    /// Records that the session whose secret hashes to `hash` was used now (see
    /// [`Credential::Session`]'s `needs_touch`).
    fn touch_session(&self, hash: &str) -> StoreResult<()>;
    /// Revokes a session or a user token by its secret's hash, durably: when this returns, the
    /// revocation survives a crash or power loss. `false` when there was none.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an organization token (deleted through the API instead).
    fn revoke_credential(&self, kind: TokenKind, hash: &str) -> StoreResult<bool>;
    /// Revokes every session, or every user token, of a user, durably; returns how many.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for organization tokens.
    fn revoke_user_credentials(&self, kind: TokenKind, user_id: i64) -> StoreResult<u64>;
    /// The user called `username`.
    fn user(&self, username: &str) -> StoreResult<Option<User>>;
    /// Stores a session for a user; `superuser` opens it in superuser mode.
    fn create_session(&self, user_id: i64, superuser: bool, hash: &str) -> StoreResult<()>;
    /// Stores a user auth token bound to `organization_id`, of which its user must be a member;
    /// returns its id.
    fn create_user_token(&self, organization_id: i64, new: &NewUserToken) -> StoreResult<i64>;
    /// Stores an organization auth token.
    fn create_org_auth_token(&self, organization_id: i64, new: &NewOrgAuthToken)
    -> StoreResult<OrgAuthToken>;
    /// An organization's auth tokens, oldest first.
    fn org_auth_tokens(&self, organization_id: i64) -> StoreResult<Vec<OrgAuthToken>>;
    /// Deletes an organization auth token; `false` when there is none with that id.
    fn delete_org_auth_token(&self, organization_id: i64, token_id: i64) -> StoreResult<bool>;

    // --- Organizations -----------------------------------------------------------------------

    /// The organization named by id or slug.
    fn organization(&self, key: &IdOrSlug) -> StoreResult<Option<Organization>>;
    /// An organization's features and replay access settings.
    fn organization_settings(&self, organization_id: i64) -> StoreResult<OrganizationSettings>;

    // --- Members and teams -------------------------------------------------------------------

    /// The user's membership in the organization.
    fn member_of(&self, organization_id: i64, user_id: i64) -> StoreResult<Option<Member>>;
    /// A membership by its id.
    fn member(&self, organization_id: i64, member_id: i64) -> StoreResult<Option<Member>>;
    /// Every member, by membership id.
    fn members(&self, organization_id: i64) -> StoreResult<Vec<Member>>;
    /// Every team, by id.
    fn teams(&self, organization_id: i64) -> StoreResult<Vec<Team>>;
    /// A team by id or slug.
    fn team(&self, organization_id: i64, key: &IdOrSlug) -> StoreResult<Option<Team>>;

    // --- Projects ----------------------------------------------------------------------------

    /// Every project, by id.
    fn projects(&self, organization_id: i64) -> StoreResult<Vec<Project>>;
    /// A project by id or slug.
    fn project(&self, organization_id: i64, key: &IdOrSlug) -> StoreResult<Option<Project>>;

    // --- Dashboards --------------------------------------------------------------------------

    /// Every dashboard, by id.
    fn dashboards(&self, organization_id: i64) -> StoreResult<Vec<Dashboard>>;
    /// One dashboard.
    fn dashboard(&self, organization_id: i64, dashboard_id: i64) -> StoreResult<Option<Dashboard>>;
    /// Creates a dashboard.
    fn create_dashboard(&self, organization_id: i64, new: &NewDashboard) -> StoreResult<Dashboard>;
    /// Changes a dashboard; `None` when it does not exist.
    fn update_dashboard(
        &self,
        organization_id: i64,
        dashboard_id: i64,
        update: &DashboardUpdate,
    ) -> StoreResult<Option<Dashboard>>;
    /// Deletes a dashboard; `false` when it does not exist.
    fn delete_dashboard(&self, organization_id: i64, dashboard_id: i64) -> StoreResult<bool>;

    // --- Saved searches ----------------------------------------------------------------------

    /// The organization-wide searches and the `viewer`'s personal ones, by id.
    fn saved_searches(&self, organization_id: i64, viewer: Option<i64>) -> StoreResult<Vec<SavedSearch>>;
    /// One saved search (whoever owns it).
    fn saved_search(&self, organization_id: i64, search_id: i64) -> StoreResult<Option<SavedSearch>>;
    /// Creates a saved search.
    fn create_saved_search(&self, organization_id: i64, new: &NewSavedSearch) -> StoreResult<SavedSearch>;
    /// Deletes a saved search; `false` when it does not exist.
    fn delete_saved_search(&self, organization_id: i64, search_id: i64) -> StoreResult<bool>;

    // --- Replays -----------------------------------------------------------------------------

    /// The organization's replays (of one project, if given), newest first.
    fn replays(&self, organization_id: i64, project_id: Option<i64>) -> StoreResult<Vec<Replay>>;
    /// One replay of the organization, whatever its project.
    fn organization_replay(&self, organization_id: i64, replay_id: &str) -> StoreResult<Option<Replay>>;
    /// One replay of a project.
    fn replay(&self, project_id: i64, replay_id: &str) -> StoreResult<Option<Replay>>;
    /// Deletes a replay with its segments and views; `false` when it does not exist.
    fn delete_replay(&self, project_id: i64, replay_id: &str) -> StoreResult<bool>;
    /// A replay's recording segments, in order.
    fn recording_segments(&self, replay_id: &str) -> StoreResult<Vec<RecordingSegment>>;
    /// One recording segment.
    fn recording_segment(&self, replay_id: &str, segment_id: i64) -> StoreResult<Option<RecordingSegment>>;
    /// Who viewed a replay, most recent first.
    fn replay_viewers(&self, replay_id: &str) -> StoreResult<Vec<ReplayView>>;
    /// Records that a user viewed a replay (again).
    fn mark_replay_viewed(&self, replay_id: &str, user_id: i64) -> StoreResult<()>;
    /// A project's replay deletion jobs, newest first.
    fn deletion_jobs(&self, project_id: i64) -> StoreResult<Vec<DeletionJob>>;
    /// One deletion job.
    fn deletion_job(&self, project_id: i64, job_id: i64) -> StoreResult<Option<DeletionJob>>;
    /// Creates a deletion job and runs it: deletes the matching replays and records how many,
    /// atomically.
    fn create_deletion_job(&self, project_id: i64, new: &NewDeletionJob) -> StoreResult<DeletionJob>;

    // --- Usage rollups (tightening; see `usage`) -----------------------------------------------

    /// Adds a batch of would-break counts to the daily rollups in one transaction, within
    /// `bounds`: principals beyond the bound fold into the `other` row, rows before the retention
    /// window are deleted.
    fn record_would_break(&self, rows: &[(RollupKey, u64)], bounds: &UsageBounds)
    -> StoreResult<RollupWrite>;
    /// Every would-break rollup row of `since` or later, as the tightening report reads them.
    fn would_break_since(&self, since: Date) -> StoreResult<Vec<scopegate::tighten::Usage>>;
    /// Records that a member used a gated area on a day, within `bounds`.
    fn record_gate_use(&self, used: &GateUse, bounds: &UsageBounds) -> StoreResult<GateUseWrite>;
    /// The users who used `gate` in an organization on `since` or later, by user id.
    fn gate_users_since(&self, organization_id: i64, gate: &str, since: Date) -> StoreResult<Vec<GateUser>>;
}

/// What the service and the CLI run on: a backend ([`Store`]), or a [`CachedStore`] in front of
/// one. Decisions read through [`DecisionReads`], the writes that change a decision's snapshot go
/// through [`OrganizationWrites`], and everything else through [`data`](Self::data).
pub trait ServiceStore: DecisionReads + OrganizationWrites {
    /// The data methods, uncached: the backend itself, also behind a [`CachedStore`].
    fn data(&self) -> &dyn DataStore;
}

/// A backend, [`SqliteStore`] or [`PostgresStore`]: every method of the store, read and written
/// in the database.
pub trait Store: ServiceStore + DataStore {}

impl<S: ServiceStore + DataStore + ?Sized> Store for S {}
