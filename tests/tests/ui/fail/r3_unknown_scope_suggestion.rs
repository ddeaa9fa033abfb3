// R3: a misspelled scope, with the nearest known scope suggested.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/projects/",
    scopes = ["org:read", "project:raed"],
)]
fn list_projects() {}

fn main() {}
