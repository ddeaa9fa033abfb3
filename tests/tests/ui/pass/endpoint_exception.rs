// A justified read-only scope on a mutation, directly and through a class without its own
// exception.

use scopegate_test_classes::OrganizationDashboardsPermission;

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/widgets/{widget_id}/",
    scopes = ["org:read", "org:write", "org:admin"],
    readonly_exception = "Members may edit widgets of dashboards they created without org:write.",
)]
async fn update_widget() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = OrganizationDashboardsPermission,
    readonly_exception = "Members may delete dashboards they created without org:write.",
)]
async fn delete_dashboard() {}

fn main() {
    let registry = scopegate::Registry::global();
    let put = registry.by_handler(concat!(module_path!(), "::update_widget")).expect("registered");
    assert_eq!(put.readonly_scopes(), &["org:read"]);
    assert_eq!(
        put.readonly_exception(),
        Some("Members may edit widgets of dashboards they created without org:write.")
    );
    let delete = registry.by_handler(concat!(module_path!(), "::delete_dashboard")).expect("registered");
    assert_eq!(delete.readonly_scopes(), &["org:read"]);
    assert_eq!(
        delete.readonly_exception(),
        Some("Members may delete dashboards they created without org:write.")
    );
}
