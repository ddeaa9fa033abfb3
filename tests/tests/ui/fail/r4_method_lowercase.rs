// R4: methods are written in upper case, as HTTP spells them.

#[scopegate::endpoint(
    method = put,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:write"],
)]
fn update_organization() {}

fn main() {}
