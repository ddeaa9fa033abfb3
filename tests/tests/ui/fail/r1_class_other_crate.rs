// R1 via a permission class declared in another crate: `OrganizationDashboardsPermission` maps
// DELETE to `org:read` and has no class-level exception, so the endpoint must justify it.

use scopegate_test_classes::OrganizationDashboardsPermission;

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = OrganizationDashboardsPermission,
)]
fn delete_dashboard() {}

fn main() {}
