// R5: a blank `gate_exempt` explains nothing (and no follow-on "not gated" error).

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/",
    scopes = ["event:read"],
    gate_exempt = "",
)]
fn list_replays() {}

fn main() {}
