// R4: an endpoint must say who may call it.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
)]
fn organization_details() {}

fn main() {}
