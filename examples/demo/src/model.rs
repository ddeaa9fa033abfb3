//! The service's own data types: what the [`Store`](crate::store::Store) reads and writes, free of
//! any database type, so that another backend (e.g. PostgreSQL) can implement the same store.
//!
//! Identifiers are the database's row ids (`i64`); replays use their 32-hex-digit id, like Sentry.

use std::fmt;

use serde::Serialize;

/// How a path names an organization or a project: by numeric id or by slug, like Sentry's
/// `{organization_id_or_slug}`.
///
/// ```
/// use scopegate_demo::model::IdOrSlug;
/// assert_eq!(IdOrSlug::parse("42"), IdOrSlug::Id(42));
/// assert_eq!(IdOrSlug::parse("acme"), IdOrSlug::Slug("acme".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdOrSlug {
    /// All digits: a row id.
    Id(i64),
    /// Anything else: a slug (which may not exist).
    Slug(String),
}

impl IdOrSlug {
    /// Reads a path segment. All-digit segments are ids (slugs are never all digits); a number
    /// too large for an id is kept as a slug, which matches nothing.
    pub fn parse(segment: &str) -> IdOrSlug {
        if !segment.is_empty()
            && segment.bytes().all(|b| b.is_ascii_digit())
            && let Ok(id) = segment.parse()
        {
            return IdOrSlug::Id(id);
        }
        IdOrSlug::Slug(segment.to_owned())
    }
}

impl fmt::Display for IdOrSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdOrSlug::Id(id) => write!(f, "{id}"),
            IdOrSlug::Slug(slug) => f.write_str(slug),
        }
    }
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// Login name, unique.
    pub username: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Staff who may open an active-superuser session (bypasses scopes and the replay allowlist).
    #[serde(skip)]
    pub is_superuser: bool,
}

/// An organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// URL name, unique, never all digits.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Whether members may join any team themselves.
    pub open_membership: bool,
    /// Creation time (RFC 3339, UTC).
    pub date_created: String,
}

/// An organization's feature flags and session-replay access settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganizationSettings {
    /// Enabled feature flags, sorted (e.g. `organizations:session-replay`).
    pub features: Vec<String>,
    /// Granular replay access on: only allowlisted users and teams see replays.
    pub granular_replay: bool,
    /// User ids allowed to see replays when granular access is on.
    pub replay_access_members: Vec<i64>,
    /// Team ids whose members may see replays when granular access is on.
    pub replay_access_teams: Vec<i64>,
}

/// A change to an organization (absent fields stay as they are). Applied in one transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganizationUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// Open membership on or off.
    pub open_membership: Option<bool>,
    /// Granular replay access on or off.
    pub granular_replay: Option<bool>,
    /// Replaces the user allowlist (user ids; each must be a member).
    pub replay_access_members: Option<Vec<i64>>,
    /// Replaces the team allowlist (team ids of the organization).
    pub replay_access_teams: Option<Vec<i64>>,
}

/// An organization role, like Sentry's; each grants a fixed set of scopes
/// (see [`crate::roles`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the organization, works with events, replays and alerts.
    Member,
    /// Also manages projects and teams.
    Admin,
    /// Also manages members.
    Manager,
    /// Everything, including organization settings.
    Owner,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 4] = [Role::Member, Role::Admin, Role::Manager, Role::Owner];

    /// The role's name as stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    /// Parses a role name; unknown names give `None`.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's membership in an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Membership row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The organization.
    #[serde(skip)]
    pub organization_id: i64,
    /// The user.
    pub user: User,
    /// The role, which decides the member's scopes.
    pub role: Role,
    /// Ids of the teams the member belongs to, ascending.
    #[serde(skip)]
    pub teams: Vec<i64>,
    /// Slugs of those teams, in the same order.
    #[serde(rename = "teams")]
    pub team_slugs: Vec<String>,
}

/// What removing a member did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberRemoval {
    /// The member was removed.
    Removed,
    /// No such member in the organization.
    NotFound,
    /// Refused: the member is the organization's only owner.
    LastOwner,
}

/// What adding a member to a team requires of the caller. The handler decides the request on the
/// caller's snapshot; the store checks these again in the transaction that writes, against the
/// database, under the organization's lock, so a change committed meanwhile (a team put on an
/// allowlist, membership closed) is never overtaken by a write decided on the state before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeamJoinRule {
    /// The caller may add members to a team on a replay access allowlist (what editing the list
    /// needs: `org:write` or `org:admin`).
    pub may_join_allowlisted: bool,
    /// The caller adds themself without `org:write` or `team:write`, which only open membership
    /// allows.
    pub needs_open_membership: bool,
}

impl TeamJoinRule {
    /// No restriction: an owner's, or the CLI's.
    pub const UNRESTRICTED: TeamJoinRule =
        TeamJoinRule { may_join_allowlisted: true, needs_open_membership: false };
}

/// What adding a member to a team did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamJoin {
    /// The member was added.
    Added,
    /// The member already was in the team.
    AlreadyMember,
    /// Refused: the team is on the replay access allowlist and the rule does not allow that.
    AllowlistedTeam,
    /// Refused: the organization's membership is closed and the rule needs it open.
    ClosedMembership,
}

/// A team of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The organization.
    #[serde(skip)]
    pub organization_id: i64,
    /// URL name, unique in the organization.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// How many members belong to it.
    pub member_count: i64,
}

/// A project of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The organization.
    #[serde(skip)]
    pub organization_id: i64,
    /// URL name, unique in the organization, never all digits.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Platform, e.g. `javascript`.
    pub platform: String,
}

/// A dashboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The organization.
    #[serde(skip)]
    pub organization_id: i64,
    /// Title.
    pub title: String,
    /// The user who created it, if the creator still exists (an org token creates none).
    pub created_by: Option<i64>,
    /// Widgets, as the client sent them (a JSON array).
    pub widgets: serde_json::Value,
    /// Creation time.
    pub date_created: String,
}

/// A new dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDashboard {
    /// Title.
    pub title: String,
    /// Widgets (a JSON array).
    pub widgets: serde_json::Value,
    /// The creating user, if a user created it.
    pub created_by: Option<i64>,
}

/// A change to a dashboard (absent fields stay as they are).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DashboardUpdate {
    /// New title.
    pub title: Option<String>,
    /// New widgets (a JSON array).
    pub widgets: Option<serde_json::Value>,
}

/// Who sees a saved search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Only its owner (a personal search).
    Owner,
    /// Everyone in the organization.
    Organization,
}

impl Visibility {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Visibility::Owner => "owner",
            Visibility::Organization => "organization",
        }
    }
}

/// A saved search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSearch {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The organization.
    #[serde(skip)]
    pub organization_id: i64,
    /// Name.
    pub name: String,
    /// The search query, e.g. `is:unresolved`.
    pub query: String,
    /// Who sees it.
    pub visibility: Visibility,
    /// The owning user of a personal search.
    pub owner_id: Option<i64>,
    /// Creation time.
    pub date_created: String,
}

/// A new saved search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSavedSearch {
    /// Name.
    pub name: String,
    /// Query.
    pub query: String,
    /// Who sees it.
    pub visibility: Visibility,
    /// The owning user (required for a personal search).
    pub owner_id: Option<i64>,
}

/// A new user auth token, bound to one organization the user is a member of. Only the secret's
/// hash is stored, never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUserToken {
    /// The user the token acts for.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Scopes the token carries.
    pub scopes: Vec<String>,
    /// The hash of the secret ([`token::hash`](crate::token::hash)), by which it is found.
    pub hash: String,
    /// The last characters of the secret, to recognise it.
    pub last_characters: String,
}

/// A new organization auth token. Only the secret's hash is stored, never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrgAuthToken {
    /// Name.
    pub name: String,
    /// Scopes the token carries.
    pub scopes: Vec<String>,
    /// The user who creates it, if a user does.
    pub created_by: Option<i64>,
    /// The hash of the secret ([`token::hash`](crate::token::hash)), by which it is found.
    pub hash: String,
    /// The last characters of the secret, to recognise it.
    pub last_characters: String,
}

/// An organization auth token, as listed (its secret is never stored, only its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgAuthToken {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The organization.
    #[serde(skip)]
    pub organization_id: i64,
    /// Name.
    pub name: String,
    /// Scopes the token carries.
    pub scopes: Vec<String>,
    /// The last characters of the secret, to recognise it.
    pub token_last_characters: String,
    /// The user who created it.
    pub created_by: Option<i64>,
    /// Creation time.
    pub date_created: String,
}

/// A session replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replay {
    /// 32 lowercase hex digits.
    pub id: String,
    /// The project.
    #[serde(serialize_with = "as_string")]
    pub project_id: i64,
    /// Environment, e.g. `production`.
    pub environment: String,
    /// Start time.
    pub started_at: String,
    /// End time.
    pub finished_at: String,
    /// Duration in seconds.
    pub duration: i64,
    /// Visited URLs.
    pub urls: Vec<String>,
    /// Errors seen during the replay.
    pub count_errors: i64,
    /// Recording segments stored.
    pub count_segments: i64,
    /// The recorded end user's display name.
    pub user_display_name: String,
}

/// One recording segment of a replay (rrweb events).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingSegment {
    /// The replay.
    pub replay_id: String,
    /// 0-based index of the segment.
    pub segment_id: i64,
    /// When it was received.
    pub date_added: String,
    /// The recorded events (a JSON array).
    pub events: serde_json::Value,
}

/// A user who viewed a replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayView {
    /// The viewer.
    #[serde(flatten)]
    pub user: User,
    /// When they (last) viewed it.
    pub viewed_at: String,
}

/// A replay deletion job: deletes a project's replays started within a time range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionJob {
    /// Row id.
    #[serde(serialize_with = "as_string")]
    pub id: i64,
    /// The project.
    #[serde(serialize_with = "as_string")]
    pub project_id: i64,
    /// Start of the range (inclusive).
    pub range_start: String,
    /// End of the range (exclusive).
    pub range_end: String,
    /// Only replays of these environments (empty: all).
    pub environments: Vec<String>,
    /// `completed` once the replays are deleted.
    pub status: String,
    /// How many replays the job deleted.
    pub count_deleted: i64,
    /// Creation time.
    pub date_created: String,
}

/// A new replay deletion job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDeletionJob {
    /// Start of the range (inclusive), RFC 3339.
    pub range_start: String,
    /// End of the range (exclusive), RFC 3339.
    pub range_end: String,
    /// Only replays of these environments (empty: all).
    pub environments: Vec<String>,
}

/// What a presented credential turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A login session.
    Session {
        /// The user.
        user: User,
        /// The session was opened in superuser mode (only honoured for superusers).
        superuser: bool,
        /// Its last use was recorded more than
        /// [`SESSION_TOUCH_INTERVAL`](crate::store::SESSION_TOUCH_INTERVAL) ago: record this one
        /// ([`DataStore::touch_session`](crate::store::DataStore::touch_session)) so that it does not
        /// expire while in use.
        needs_touch: bool,
    },
    /// A user auth token, valid in one organization.
    UserToken {
        /// The user.
        user: User,
        /// The organization the token is bound to.
        organization_id: i64,
        /// The scopes granted to the token (before the hierarchy).
        scopes: Vec<String>,
    },
    /// An organization auth token.
    OrgToken {
        /// Its organization.
        organization_id: i64,
        /// Its scopes (before the hierarchy).
        scopes: Vec<String>,
    },
}

/// Serialises an id as a string, as Sentry's API does.
fn as_string<S: serde::Serializer>(id: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}
