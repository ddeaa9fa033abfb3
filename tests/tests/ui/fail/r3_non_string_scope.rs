// R3: scopes are string literals.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = ["team:read", team_write],
)]
fn list_teams() {}

fn main() {}
