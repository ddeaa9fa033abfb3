// R4: an unknown gate, with the nearest one suggested (and no follow-on "not gated" error).

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/",
    scopes = ["event:read"],
    gate = replays,
)]
fn list_replays() {}

fn main() {}
