// R5: `gate_exempt` on a path outside every gated area is a stale note.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/dashboards/",
    scopes = ["org:read"],
    gate_exempt = "Dashboards are not gated.",
)]
fn list_dashboards() {}

fn main() {}
