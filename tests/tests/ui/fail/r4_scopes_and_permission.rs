// R4: `scopes` and `permission` together: exactly one access policy is allowed.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read"],
    permission = scopegate_test_classes::OrganizationPermission,
)]
fn organization_details() {}

fn main() {}
