// R4: `method` is required.

#[scopegate::endpoint(
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
