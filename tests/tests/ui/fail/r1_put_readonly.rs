// R1: a PUT that accepts the read-only `org:read` without a justification.

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write", "org:admin"],
)]
async fn update_dashboard() {}

fn main() {}
