// `#[scopegate::endpoint]` above `#[utoipa::path]`: method and path written once, the security
// documented from the declaration, the spec checked against the registry.

use utoipa::OpenApi;

#[scopegate::permission(GET = ["org:read", "org:write"], PUT = all("org:write", "member:read"))]
pub struct OrganizationPermission;

/// The teams of the organization.
#[scopegate::endpoint(method = GET, path = "/organizations/{org}/teams/", scopes = ["team:read", "team:write"])]
#[utoipa::path(params(("org" = String, Path)), responses((status = 200, description = "The teams")))]
async fn list_teams() {}

#[scopegate::endpoint(method = PUT, path = "/organizations/{org}/", permission = OrganizationPermission)]
#[utoipa::path(params(("org" = String, Path)), responses((status = 200, description = "Updated")))]
pub async fn update_organization() {}

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
#[utoipa::path(get, path = "/health/", security(()), responses((status = 200, description = "ok")))]
pub(crate) fn health() -> &'static str {
    "ok"
}

#[derive(OpenApi)]
#[openapi(paths(list_teams, update_organization, health), modifiers(&Documented))]
struct ApiDoc;

struct Documented;

impl utoipa::Modify for Documented {
    fn modify(&self, spec: &mut utoipa::openapi::OpenApi) {
        scopegate::utoipa::Security::bearer(scopegate::Registry::global()).apply(spec);
    }
}

fn main() {
    let spec = ApiDoc::openapi();
    scopegate::utoipa::check(&spec, scopegate::Registry::global()).unwrap_or_else(|d| panic!("{d}"));
    let put = spec.paths.paths["/organizations/{org}/"].put.as_ref().expect("documented");
    assert_eq!(put.operation_id.as_deref(), Some("update_organization"));
    assert_eq!(put.security.as_ref().map(Vec::len), Some(1));
}
