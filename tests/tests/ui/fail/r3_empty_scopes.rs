// R3: an empty scope list grants access to nobody.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = [],
)]
fn list_teams() {}

fn main() {}
