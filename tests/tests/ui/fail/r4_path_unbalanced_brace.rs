// R4: an unclosed `{` in a path template.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug/",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
