// R4: a published endpoint needs someone answerable for it.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
    publish = public,
)]
fn organization_details() {}

fn main() {}
