// `#[scopegate::endpoint]` above `#[utoipa::path]`: method and path written once, the security
// documented from the declaration, the spec checked against the registry. Handlers of every
// visibility, `::utoipa::path`, a `where` clause, one declared inside a function. (A raw name such
// as `r#type` cannot be listed in utoipa's `paths(...)`: utoipa's derive panics on it.)

use utoipa::OpenApi;

#[scopegate::permission(GET = ["org:read", "org:write"], PUT = all("org:write", "member:read"))]
pub struct OrganizationPermission;

/// The teams of the organization.
#[scopegate::endpoint(method = GET, path = "/organizations/{org}/teams/", scopes = ["team:read", "team:write"])]
#[utoipa::path(params(("org" = String, Path)), responses((status = 200, description = "The teams")))]
async fn list_teams() {}

#[scopegate::endpoint(method = PUT, path = "/organizations/{org}/", permission = OrganizationPermission)]
#[::utoipa::path(params(("org" = String, Path)), responses((status = 200, description = "Updated")))]
pub async fn update_organization() {}

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
#[utoipa::path(get, path = "/health/", security(()), responses((status = 200, description = "ok")))]
pub(crate) fn health() -> &'static str {
    "ok"
}

mod projects {
    pub trait Store {}

    pub struct Repo<S>(pub S);

    #[scopegate::endpoint(method = GET, path = "/projects/{project}/", scopes = ["project:read"])]
    #[utoipa::path(params(("project" = String, Path)), responses((status = 200, description = "The project")))]
    pub(super) async fn project_details<S>(_repo: Option<Repo<S>>) -> &'static str
    where
        S: Store,
    {
        "project"
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(list_teams, update_organization, health, projects::project_details),
    modifiers(&Documented)
)]
struct ApiDoc;

struct Documented;

impl utoipa::Modify for Documented {
    fn modify(&self, spec: &mut utoipa::openapi::OpenApi) {
        scopegate::utoipa::Security::bearer(scopegate::Registry::global()).apply(spec);
    }
}

fn main() {
    // A handler declared inside a function, documented by a spec declared there too.
    #[scopegate::endpoint(method = GET, path = "/inner/", scopes = ["org:read"])]
    #[utoipa::path(responses((status = 200, description = "inner")))]
    async fn inner() {}

    #[derive(OpenApi)]
    #[openapi(paths(inner))]
    struct Inner;

    let mut spec = ApiDoc::openapi();
    spec.merge(Inner::openapi());
    scopegate::utoipa::Security::bearer(scopegate::Registry::global()).apply(&mut spec);
    scopegate::utoipa::check(&spec, scopegate::Registry::global()).unwrap_or_else(|d| panic!("{d}"));
    let put = spec.paths.paths["/organizations/{org}/"].put.as_ref().expect("documented");
    assert_eq!(put.operation_id.as_deref(), Some("update_organization"));
    assert_eq!(put.security.as_ref().map(Vec::len), Some(1));
}
