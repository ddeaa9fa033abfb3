// R4: a method scopegate does not know.

#[scopegate::endpoint(
    method = FETCH,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
