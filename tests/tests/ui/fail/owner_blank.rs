// A blank owner names nobody (and no follow-on "needs an owner" error for the public endpoint).

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
    owner = " ",
    publish = public,
)]
fn organization_details() {}

fn main() {}
