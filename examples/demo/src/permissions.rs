//! The permission classes shared between endpoints, after Sentry's `scope_map`s.
//!
//! A class maps each method to the scopes that grant it; an endpoint names a class with
//! `permission = Class`. A mutation that accepts a read-only scope must say why, on the class (for
//! every endpoint that uses it) or on the endpoint; `cargo build` fails otherwise. Each exception
//! here is narrowed by an object-level check in the handlers (e.g. only your own dashboard).
//!
//! ```
//! use scopegate::{Method, Permission};
//! use scopegate_demo::permissions::OrganizationPermission;
//! let class = OrganizationPermission::CLASS;
//! assert_eq!(class.get(Method::Put).unwrap().scopes(), &["org:write", "org:admin"]);
//! assert!(class.get(Method::Patch).is_none());
//! ```

/// Sentry's `OrganizationPermission`: read with any organization scope, change with `org:write`,
/// delete with `org:admin`.
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:write", "org:admin"],
    PUT = ["org:write", "org:admin"],
    DELETE = ["org:admin"],
)]
#[derive(Debug)]
pub struct OrganizationPermission;

/// Sentry's `MemberPermission`: members may leave an organization with `member:read`.
#[scopegate::permission(
    GET = ["member:read", "member:write", "member:admin"],
    POST = ["member:write", "member:admin"],
    PUT = ["member:write", "member:admin"],
    DELETE = ["member:read", "member:write", "member:admin"],
    readonly_exceptions(
        DELETE = "Members may remove themselves (leave the organization) with member:read; removing anyone else needs member:admin, checked in the handler."
    ),
)]
#[derive(Debug)]
pub struct MemberPermission;

/// Sentry's `OrganizationTeamMemberPermission`: members may join and leave teams themselves.
///
/// Joining a team is planned to need `team:write`, the team-level scope, rather than any
/// organization scope (`planned_scopes`): `scopegate-demo tighten-report` says who that would
/// break before the exception goes.
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin", "member:read", "member:write", "member:admin"],
    POST = ["org:read", "org:write", "team:write"],
    DELETE = ["org:read", "org:write", "org:admin", "team:admin"],
    readonly_exceptions(
        POST = "Members may join a team themselves when the organization has open membership; adding anyone else needs org:write or team:write, checked in the handler.",
        DELETE = "Members may leave a team themselves; removing anyone else needs org:write or team:admin, checked in the handler."
    ),
    planned_scopes(POST = ["team:write"]),
)]
#[derive(Debug)]
pub struct OrganizationTeamMemberPermission;

/// Sentry's `OrganizationDashboardsPermission`: every method accepts `org:read`, because members
/// create dashboards and manage the ones they created (the handlers check the creator).
///
/// Creating a dashboard with only `org:read` is deprecated: the exception ends on its `sunset`
/// date, and until then a request that relies on it is answered with `Deprecation` and `Sunset`
/// headers (its plan is the default one, `org:write` or `org:admin`).
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:read", "org:write", "org:admin"],
    PUT = ["org:read", "org:write", "org:admin"],
    DELETE = ["org:read", "org:write", "org:admin"],
    readonly_exceptions(
        POST = "Members may create dashboards without org:write, like Sentry; they become the dashboard's creator.",
        DELETE = "Members may delete dashboards they created without org:write; others' dashboards need org:write, checked in the handler."
    ),
    sunsets(POST = "2027-06-30"),
)]
#[derive(Debug)]
pub struct OrganizationDashboardsPermission;

/// Sentry's `OrganizationSearchPermission`: personal saved searches need only `org:read`.
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:read", "org:write", "org:admin"],
    DELETE = ["org:read", "org:write", "org:admin"],
    readonly_exceptions(
        POST = "Members may save personal searches without org:write; organization-wide searches need org:write, checked in the handler.",
        DELETE = "Members may delete their own personal searches without org:write; any other search needs org:write, checked in the handler."
    ),
)]
#[derive(Debug)]
pub struct OrganizationSearchPermission;

/// Sentry's `OrgAuthTokenPermission`: members may create organization auth tokens.
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:read", "org:write", "org:admin"],
    DELETE = ["org:write", "org:admin"],
    readonly_exceptions(
        POST = "Members may create organization auth tokens without org:write, as in Sentry: such tokens only ever carry org:ci."
    ),
)]
#[derive(Debug)]
pub struct OrgAuthTokenPermission;

/// Sentry's `ProjectPermission`.
#[scopegate::permission(
    GET = ["project:read", "project:write", "project:admin"],
    POST = ["project:write", "project:admin"],
    PUT = ["project:write", "project:admin"],
    DELETE = ["project:admin"],
)]
#[derive(Debug)]
pub struct ProjectPermission;

/// Sentry's `ReplayDetailsPermission`: members may delete a replay of a project they can read.
#[scopegate::permission(
    GET = ["project:read", "project:write", "project:admin"],
    DELETE = ["project:read", "project:write", "project:admin"],
    readonly_exceptions(
        DELETE = "Members may delete a replay of a project they can read, as in Sentry's ReplayDetailsPermission, so a recording that captured personal data can be removed without waiting for an admin."
    ),
)]
#[derive(Debug)]
pub struct ReplayDetailsPermission;

/// Sentry's `ReplayDeletionJobPermission`: bulk deletion needs `project:write`.
#[scopegate::permission(
    GET = ["project:write", "project:admin"],
    POST = ["project:write", "project:admin"],
)]
#[derive(Debug)]
pub struct ReplayDeletionJobPermission;
