// A class-level exception, as on Sentry's `OrganizationSearchPermission`, justifies every
// endpoint that uses the class for that method.

#[scopegate::permission(
    GET = ["org:read", "org:write", "org:admin"],
    POST = ["org:read", "org:write", "org:admin"],
    PUT = ["org:write", "org:admin"],
    readonly_exceptions(POST = "Members may manage personal saved searches without org:write."),
)]
pub struct OrganizationSearchPermission;

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/searches/",
    permission = OrganizationSearchPermission,
)]
fn create_saved_search() {}

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/searches/{search_id}/",
    permission = OrganizationSearchPermission,
)]
fn update_saved_search() {}

fn main() {
    let registry = scopegate::Registry::global();
    let post = registry.by_handler(concat!(module_path!(), "::create_saved_search")).expect("registered");
    assert_eq!(
        post.readonly_exception(),
        Some("Members may manage personal saved searches without org:write.")
    );
    let put = registry.by_handler(concat!(module_path!(), "::update_saved_search")).expect("registered");
    assert_eq!(put.readonly_exception(), None);
}
