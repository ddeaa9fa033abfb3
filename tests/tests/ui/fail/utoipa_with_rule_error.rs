// A declaration with an error reports it alone: `#[utoipa::path]` adds no errors of its own, and
// neither does the spec that names the handler.

#[scopegate::endpoint(method = PUT, path = "/teams/{team}/", scopes = ["team:read", "team:write"])]
#[utoipa::path(responses((status = 200, description = "Updated")))]
async fn update_team() {}

#[derive(utoipa::OpenApi)]
#[openapi(paths(update_team))]
struct ApiDoc;

fn main() {}
