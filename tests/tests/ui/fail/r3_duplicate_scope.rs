// R3: a scope listed twice; the error points at the second one.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = ["team:read", "team:write", "team:read"],
)]
fn list_teams() {}

fn main() {}
