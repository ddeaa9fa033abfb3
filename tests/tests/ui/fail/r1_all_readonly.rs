// R1 for all(...): every required scope is read-only, so a read-only token can call this mutation.

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/members/",
    scopes = all("member:read", "team:read"),
)]
fn add_team_member() {}

fn main() {}
