// R4: `scopes` and `unauthenticated` contradict each other.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    unauthenticated = "Anyone may see it.",
    scopes = ["org:read"],
)]
fn organization_details() {}

fn main() {}
