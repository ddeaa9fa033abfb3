// R4: the method is a keyword, not a string.

#[scopegate::endpoint(
    method = "GET",
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
