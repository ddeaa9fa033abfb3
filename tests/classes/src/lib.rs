//! Permission classes and endpoints declared in their own crate, so that the tests can prove that
//! `#[scopegate::endpoint(permission = …)]` checks a class from another crate (its map is only
//! visible to const evaluation there) and that the registry collects endpoints from every linked
//! crate.
//!
//! The classes follow Sentry's `scope_map`s.
//!
//! ```
//! use scopegate::{Method, Permission};
//! use scopegate_test_classes::OrganizationSearchPermission;
//!
//! let post = OrganizationSearchPermission::CLASS.get(Method::Post).unwrap();
//! assert_eq!(post.readonly_scopes(), &["org:read"]);
//! assert!(post.readonly_exception().is_some());
//! ```

/// Sentry's `OrganizationPermission`: reading needs any organization scope, changing it needs
/// `org:write`, deleting it needs `org:admin`. No mutation accepts a read-only scope.
///
/// ```
/// use scopegate::{Method, Permission};
/// let class = scopegate_test_classes::OrganizationPermission::CLASS;
/// assert_eq!(class.get(Method::Delete).unwrap().scopes(), &["org:admin"]);
/// assert!(class.get(Method::Patch).is_none());
/// ```
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:write", "org:admin"],
    PUT = ["org:write", "org:admin"],
    DELETE = ["org:admin"],
)]
#[derive(Debug)]
pub struct OrganizationPermission;

/// Sentry's `OrganizationSearchPermission`: members holding only `org:read` may save personal
/// searches, so `POST` accepts `org:read` and carries a class-level read-only exception.
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:read", "org:write", "org:admin"],
    PUT = ["org:write", "org:admin"],
    DELETE = ["org:write", "org:admin"],
    readonly_exceptions(POST = "Members may manage personal saved searches without org:write."),
)]
#[derive(Debug)]
pub struct OrganizationSearchPermission;

/// Sentry's `OrganizationDashboardsPermission`: every method accepts `org:read`, and the class
/// carries no exception, so each mutating endpoint that uses it must justify itself with its own
/// `readonly_exception` (or fail to build).
#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:read", "org:write", "org:admin"],
    PUT = ["org:read", "org:write", "org:admin"],
    DELETE = ["org:read", "org:write", "org:admin"],
)]
#[derive(Debug)]
pub struct OrganizationDashboardsPermission;

/// Sentry's `ProjectEventPermission` for replay endpoints: reading needs `event:read` or more.
#[scopegate::permission(
    GET = ["event:read", "event:write", "event:admin"],
    DELETE = ["event:admin"],
)]
#[derive(Debug)]
pub struct ProjectEventPermission;

/// `GET /organizations/{organization_id_or_slug}/`: the organization's details.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermission,
    owner = "enterprise",
    publish = public,
)]
pub fn organization_details() {}

/// `POST /organizations/{organization_id_or_slug}/searches/`: save a search; justified by the
/// class-level exception of [`OrganizationSearchPermission`].
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/searches/",
    permission = OrganizationSearchPermission,
    owner = "issues",
)]
pub async fn create_saved_search() {}

/// `PUT /organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/`: justified on the
/// endpoint, since [`OrganizationDashboardsPermission`] has no class-level exception.
#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = OrganizationDashboardsPermission,
    readonly_exception = "Members may edit dashboards they created without org:write.",
    owner = "dashboards",
    publish = experimental,
)]
pub async fn update_dashboard() {}

/// `DELETE /projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/`: a
/// replay endpoint, so it carries the `replay` gate.
#[scopegate::endpoint(
    method = DELETE,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
    permission = ProjectEventPermission,
    owner = "replay",
    gate = replay,
)]
pub async fn delete_replay() {}
