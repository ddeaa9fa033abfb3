// The operation's `security` is what the endpoint enforces; written in `#[utoipa::path]` anyway, it
// must say the same.

// Any one of the scopes is enforced, not both together.
#[scopegate::endpoint(method = GET, path = "/teams/", scopes = ["team:read", "team:write"])]
#[utoipa::path(security(("auth_token" = ["team:read", "team:write"])), responses((status = 200, description = "ok")))]
async fn list_teams() {}

// No credentials are needed.
#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
#[utoipa::path(security(("auth_token" = [])), responses((status = 200, description = "ok")))]
async fn health() {}

#[scopegate::permission(GET = ["org:read", "org:write"])]
pub struct OrganizationPermission;

// A class's scopes are documented by scopegate; the macro cannot compare them.
#[scopegate::endpoint(method = GET, path = "/organizations/{org}/", permission = OrganizationPermission)]
#[utoipa::path(security(("auth_token" = ["org:read"])), responses((status = 200, description = "ok")))]
async fn organization_details() {}

// Agreeing is allowed, in any order and under any scheme name.
#[scopegate::endpoint(method = GET, path = "/projects/", scopes = ["project:read", "project:write"])]
#[utoipa::path(
    security(("bearer" = ["project:write"]), ("bearer" = ["project:read"])),
    responses((status = 200, description = "ok")),
)]
async fn list_projects() {}

#[scopegate::endpoint(method = GET, path = "/ping/", unauthenticated = "Anyone may ping.")]
#[utoipa::path(security(()), responses((status = 200, description = "pong")))]
async fn ping() {}

fn main() {}
