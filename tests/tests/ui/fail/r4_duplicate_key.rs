// R4: a key given twice; the error points at the second one.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
    owner = "enterprise",
    owner = "billing",
)]
fn organization_details() {}

fn main() {}
