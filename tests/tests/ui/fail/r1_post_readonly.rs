// R1: a POST that accepts the read-only `project:read`.

#[scopegate::endpoint(
    method = POST,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/",
    scopes = ["project:write", "project:read"],
)]
fn create_key() {}

fn main() {}
