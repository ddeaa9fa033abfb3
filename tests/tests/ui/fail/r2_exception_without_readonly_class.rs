// R2 via a class: `OrganizationPermission` maps PUT to write scopes only, so the endpoint's
// exception justifies nothing.

use scopegate_test_classes::OrganizationPermission;

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermission,
    readonly_exception = "Members may rename the organization.",
)]
fn update_organization() {}

fn main() {}
