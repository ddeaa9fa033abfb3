// R4: a path template starts with `/`.

#[scopegate::endpoint(
    method = GET,
    path = "organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
