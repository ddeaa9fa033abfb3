// all(...) requirements: on an endpoint and in a permission class. A read-only scope beside a write
// scope is no policy debt (a read-only token cannot meet the requirement), so no exception is needed.

use scopegate::{Method, Registry, ScopeMatch};

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/members/",
    scopes = all("member:read", "team:write"),
)]
fn add_team_member() {}

#[scopegate::permission(
    GET = ["team:read"],
    DELETE = all("member:write", "team:write"),
)]
pub struct TeamMembersPermission;

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/members/",
    permission = TeamMembersPermission,
)]
fn remove_team_member() {}

// Every required scope read-only on a mutation: debt, justified.
#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/members/",
    scopes = all("member:read", "team:read"),
    readonly_exception = "Members of a team may reorder its member list.",
)]
fn reorder_team_members() {}

fn main() {
    let registry = Registry::global();
    let path = "/organizations/acme/teams/web/members/";
    let add = registry.lookup(Method::Post, path).expect("registered");
    assert_eq!(add.scopes(), &["member:read", "team:write"]);
    assert_eq!(add.scope_match(), Some(ScopeMatch::All));
    assert!(add.readonly_scopes().is_empty() && !add.has_policy_debt());
    let remove = registry.lookup(Method::Delete, path).expect("registered");
    assert_eq!(remove.scope_match(), Some(ScopeMatch::All));
    assert_eq!(remove.scopes(), &["member:write", "team:write"]);
    let reorder = registry.lookup(Method::Put, path).expect("registered");
    assert_eq!(reorder.readonly_scopes(), &["member:read", "team:read"]);
    assert!(reorder.has_policy_debt());
}
