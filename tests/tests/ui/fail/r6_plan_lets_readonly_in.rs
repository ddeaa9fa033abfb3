// R6: the planned policy of a mutation still accepts a read-only scope, so it removes nothing.

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write"],
    readonly_exception = "Members may edit the dashboards they created.",
    planned_scopes = ["org:read", "org:admin"],
)]
fn update_dashboard() {}

#[scopegate::permission(
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
    planned_scopes(POST = all("member:read", "team:read")),
)]
pub struct SearchPermission;

fn main() {}
