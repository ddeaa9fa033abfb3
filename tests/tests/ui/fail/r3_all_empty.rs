// R3: `all()` lists no scope; it would require nothing.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = all(),
)]
fn list_teams() {}

fn main() {}
