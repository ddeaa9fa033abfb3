// Permission classes from another crate, including one whose class-level exception justifies a
// read-only scope on POST.

use scopegate::Method;
use scopegate_test_classes::{OrganizationPermission, OrganizationSearchPermission};

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/settings/",
    permission = OrganizationPermission,
)]
fn update_settings() {}

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/recent-searches/",
    permission = OrganizationSearchPermission,
)]
fn record_recent_search() {}

fn main() {
    let registry = scopegate::Registry::global();
    let post = registry.lookup(Method::Post, "/organizations/acme/recent-searches/").expect("registered");
    assert_eq!(post.readonly_scopes(), &["org:read"]);
    assert_eq!(
        post.readonly_exception(),
        Some("Members may manage personal saved searches without org:write.")
    );
    let put = registry.lookup(Method::Put, "/organizations/acme/settings/").expect("registered");
    assert!(put.readonly_scopes().is_empty());
}
