// R4: an unknown key far from every known one: no suggestion, only the list of keys.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
    rate_limit = 10,
)]
fn organization_details() {}

fn main() {}
