// R2 for all(...): the requirement includes a write scope, so no read-only token can call the
// mutation and the exception justifies nothing.

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/teams/{team_id_or_slug}/members/",
    scopes = all("member:read", "team:write"),
    readonly_exception = "Team members may add each other.",
)]
fn add_team_member() {}

#[scopegate::permission(
    POST = all("member:read", "team:write"),
    readonly_exceptions(POST = "Team members may add each other."),
)]
pub struct TeamMembersPermission;

fn main() {}
