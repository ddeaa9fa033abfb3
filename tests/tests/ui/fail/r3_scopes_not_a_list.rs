// R3: `scopes` takes a bracketed list even for a single scope.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = "team:read",
)]
fn list_teams() {}

fn main() {}
