// R3 inside `all(...)`: an unknown scope gets a suggestion; `any(...)` or `all[...]` is no scope list.

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = all("team:write", "membr:read"),
)]
fn create_team() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    scopes = any("team:read"),
)]
fn list_teams() {}

#[scopegate::permission(POST = all["team:write", "member:read"])]
pub struct TeamsPermission;

fn main() {}
