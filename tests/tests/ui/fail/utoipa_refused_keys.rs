// `impl_for`, `context_path` and `servers` would document something other than what is served; a second
// `#[utoipa::path]` a second operation.

#[scopegate::endpoint(method = GET, path = "/teams/", scopes = ["team:read"])]
#[utoipa::path(impl_for = Teams, responses((status = 200, description = "The teams")))]
async fn list_teams() {}

#[scopegate::endpoint(method = GET, path = "/projects/", scopes = ["project:read"])]
#[utoipa::path(context_path = "/api/0", responses((status = 200, description = "The projects")))]
async fn list_projects() {}

#[scopegate::endpoint(method = GET, path = "/events/", scopes = ["event:read"])]
#[utoipa::path(servers((url = "https://elsewhere.example")), responses((status = 200, description = "The events")))]
async fn list_events() {}

#[scopegate::endpoint(method = GET, path = "/members/", scopes = ["member:read"])]
#[utoipa::path(responses((status = 200, description = "The members")))]
#[utoipa::path(responses((status = 200, description = "Again")))]
async fn list_members() {}

fn main() {}
