// R2: the endpoint accepts no read-only scope, so the exception justifies nothing.

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:write", "org:admin"],
    readonly_exception = "Members may edit dashboards they created.",
)]
fn update_dashboard() {}

fn main() {}
