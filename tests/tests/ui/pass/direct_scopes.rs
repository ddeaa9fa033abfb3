// Direct scopes: a read endpoint, and a mutation that accepts no read-only scope.

use scopegate::{Method, Registry};

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/projects/",
    scopes = ["org:read", "org:write", "org:admin"],
)]
fn list_projects() {}

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/projects/",
    scopes = ["project:write", "project:admin"],
)]
fn create_project() {}

fn main() {
    let registry = Registry::global();
    let list = registry.lookup(Method::Get, "/organizations/acme/projects/").expect("registered");
    assert_eq!(list.handler(), concat!(module_path!(), "::list_projects"));
    assert_eq!(list.readonly_scopes(), &["org:read"]);
    let create = registry.lookup(Method::Post, "/organizations/acme/projects/").expect("registered");
    assert_eq!(create.scopes(), &["project:write", "project:admin"]);
    assert!(create.readonly_scopes().is_empty());
    assert_eq!(create.readonly_exception(), None);
}
