// R1 via a permission class declared in the same file: the class maps PUT to a read-only scope
// and neither the class nor the endpoint justifies it.

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    PUT = ["org:read", "org:write"],
)]
pub struct DashboardsPermission;

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = DashboardsPermission,
)]
async fn update_dashboard() {}

fn main() {}
