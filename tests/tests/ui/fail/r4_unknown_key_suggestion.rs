// R4: an unknown key, with the nearest known key suggested.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scope = ["org:read"],
)]
fn organization_details() {}

fn main() {}
