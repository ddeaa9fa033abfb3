// Malformed argument syntax is reported per argument, and the rest is still checked.

#[scopegate::endpoint(
    "method" = GET,
    method GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],,
    owner =,
)]
fn organization_details() {}

fn main() {}
