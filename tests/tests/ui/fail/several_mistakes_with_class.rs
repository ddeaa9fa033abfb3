// Errors found by the macro and errors found by const evaluation of the class's map are reported
// in the same build.

use scopegate_test_classes::OrganizationDashboardsPermission;

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id/",
    permission = OrganizationDashboardsPermission,
    publish = public,
)]
fn update_dashboard() {}

fn main() {}
