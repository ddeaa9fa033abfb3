// R4: the path is a string literal.

#[scopegate::endpoint(
    method = GET,
    path = organizations,
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
