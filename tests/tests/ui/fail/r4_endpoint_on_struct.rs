// R4: `#[endpoint]` goes on a handler function.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
)]
struct OrganizationDetails;

fn main() {}
