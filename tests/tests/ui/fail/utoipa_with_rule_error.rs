// A declaration with an error reports it alone: `#[utoipa::path]` adds no errors of its own.

#[scopegate::endpoint(method = PUT, path = "/teams/{team}/", scopes = ["team:read", "team:write"])]
#[utoipa::path(responses((status = 200, description = "Updated")))]
async fn update_team() {}

fn main() {}
