// R3: a scope listed twice inside `all(...)`.

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = all("team:write", "member:read", "team:write"),
)]
fn create_team() {}

fn main() {}
