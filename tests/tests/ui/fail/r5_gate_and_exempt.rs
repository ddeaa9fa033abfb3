// R5: an endpoint is either gated or exempt, not both.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/",
    scopes = ["event:read"],
    gate = replay,
    gate_exempt = "The list only counts replays.",
)]
fn list_replays() {}

fn main() {}
