// `#[scopegate::endpoint]` writes its method into `#[utoipa::path]`; written there anyway, it must
// be the declared one.

#[scopegate::endpoint(method = GET, path = "/teams/", scopes = ["team:read"])]
#[utoipa::path(post, responses((status = 200, description = "The teams")))]
async fn list_teams() {}

#[scopegate::endpoint(method = GET, path = "/projects/", scopes = ["project:read"])]
#[utoipa::path(method(get, head), responses((status = 200, description = "The projects")))]
async fn list_projects() {}

// Agreeing is allowed.
#[scopegate::endpoint(method = GET, path = "/members/", scopes = ["member:read"])]
#[utoipa::path(get, responses((status = 200, description = "The members")))]
async fn list_members() {}

fn main() {}
