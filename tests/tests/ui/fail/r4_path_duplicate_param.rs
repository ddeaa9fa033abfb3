// R4: the same parameter twice in one path template.

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{organization_id_or_slug}/",
    scopes = ["project:read"],
)]
fn project_details() {}

fn main() {}
