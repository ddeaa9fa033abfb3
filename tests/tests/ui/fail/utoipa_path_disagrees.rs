// `#[scopegate::endpoint]` writes its path into `#[utoipa::path]`; written there anyway, it must be
// the declared one, as a string.

#[scopegate::endpoint(method = GET, path = "/teams/{team}/", scopes = ["team:read"])]
#[utoipa::path(path = "/team/{team}/", responses((status = 200, description = "The team")))]
async fn team_details() {}

const PROJECTS: &str = "/projects/";

#[scopegate::endpoint(method = GET, path = "/projects/", scopes = ["project:read"])]
#[utoipa::path(path = PROJECTS, responses((status = 200, description = "The projects")))]
async fn list_projects() {}

// Agreeing is allowed, as written or as the OpenAPI template.
#[scopegate::endpoint(method = GET, path = "/files/{*rest}", scopes = ["project:read"])]
#[utoipa::path(path = "/files/{rest}", responses((status = 200, description = "A file")))]
async fn file() {}

fn main() {}
