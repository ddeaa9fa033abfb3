// R2: a blank justification is no justification (and no follow-on R1 error).

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write"],
    readonly_exception = "   ",
)]
fn update_dashboard() {}

fn main() {}
