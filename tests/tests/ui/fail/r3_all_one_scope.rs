// R3: an `all(...)` of one scope is the plain list.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = all("team:read"),
)]
fn list_teams() {}

#[scopegate::permission(GET = all("team:read"))]
pub struct TeamsPermission;

fn main() {}
