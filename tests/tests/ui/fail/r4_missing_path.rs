// R4: `path` is required.

#[scopegate::endpoint(
    method = GET,
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
