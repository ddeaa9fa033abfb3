// `impl_for` and `context_path` would document something other than what is served.

#[scopegate::endpoint(method = GET, path = "/teams/", scopes = ["team:read"])]
#[utoipa::path(impl_for = Teams, responses((status = 200, description = "The teams")))]
async fn list_teams() {}

#[scopegate::endpoint(method = GET, path = "/projects/", scopes = ["project:read"])]
#[utoipa::path(context_path = "/api/0", responses((status = 200, description = "The projects")))]
async fn list_projects() {}

fn main() {}
