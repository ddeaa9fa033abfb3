// R4: the class maps no scope for PATCH, so every request would be denied.

use scopegate_test_classes::OrganizationPermission;

#[scopegate::endpoint(
    method = PATCH,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermission,
)]
fn patch_organization() {}

fn main() {}
