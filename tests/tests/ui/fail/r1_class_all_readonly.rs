// R1 for all(...) through a permission class: the class requires only read-only scopes for POST,
// and neither the class nor the endpoint justifies it.

#[scopegate::permission(
    GET = ["team:read"],
    POST = all("member:read", "team:read"),
)]
pub struct TeamMembersPermission;

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/members/",
    permission = TeamMembersPermission,
)]
fn add_team_member() {}

fn main() {}
