// R4: a parameter must be a whole path segment.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/org-{organization_id_or_slug}/",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
