// R2 via a class: GET is not a mutation, whatever the class maps.

use scopegate_test_classes::OrganizationPermission;

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermission,
    readonly_exception = "Members may read the organization.",
)]
fn organization_details() {}

fn main() {}
