// R6: a planned policy (or a sunset) plans the end of a read-only exception; this endpoint has none.

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:write", "org:admin"],
    planned_scopes = ["org:admin"],
    sunset = "2027-01-31",
)]
fn update_dashboard() {}

fn main() {}
