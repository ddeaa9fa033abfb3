// R3: inside `all(...)` one scope implies another (team:admin ⊇ team:read, member:admin ⊇
// member:read), so requiring both is requiring the stronger one.

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/",
    scopes = all("team:read", "team:admin", "member:admin"),
)]
fn delete_team() {}

#[scopegate::permission(PUT = all("member:admin", "member:read"))]
pub struct MembersPermission;

fn main() {}
