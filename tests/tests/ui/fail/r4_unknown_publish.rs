// R4: an unknown publish level, with the nearest one suggested.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
    publish = pubilc,
)]
fn organization_details() {}

fn main() {}
