// A permission class from another module, named by a relative and by an absolute path.

use scopegate::Method;

mod permissions {
    #[scopegate::permission(
        GET = ["team:read", "team:write", "team:admin"],
        PUT = ["team:write", "team:admin"],
        DELETE = ["team:admin"],
    )]
    pub struct TeamPermission;
}

#[scopegate::endpoint(
    method = GET,
    path = "/teams/{organization_id_or_slug}/{team_id_or_slug}/",
    permission = permissions::TeamPermission,
)]
fn team_details() {}

mod handlers {
    #[scopegate::endpoint(
        method = PUT,
        path = "/teams/{organization_id_or_slug}/{team_id_or_slug}/",
        permission = crate::permissions::TeamPermission,
    )]
    pub fn update_team() {}
}

fn main() {
    let registry = scopegate::Registry::global();
    let put = registry.lookup(Method::Put, "/teams/acme/backend/").expect("registered");
    assert_eq!(put.handler(), concat!(module_path!(), "::handlers::update_team"));
    assert_eq!(put.scopes(), &["team:write", "team:admin"]);
    let class = put.permission().expect("a class");
    assert_eq!(class.name(), "TeamPermission");
    assert_eq!(class.module(), concat!(module_path!(), "::permissions"));
}
