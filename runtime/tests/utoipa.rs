//! The service's own utoipa spec: `#[scopegate::endpoint]` above `#[utoipa::path]` documents
//! method, path and the enforced security from one declaration; `Security` adds the scheme and
//! the base path; `check` compares a finished spec with the registry both ways.

// The handlers are documented, not served.
#![allow(dead_code)]

use scopegate::Registry;
use scopegate::utoipa::{Check, Difference, Security, check};
use serde_json::{Value, json};
use utoipa::OpenApi;

/// The permission class of saved searches.
#[derive(Debug)]
#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = all("org:write", "member:read"),
    PUT = ["org:read", "org:write"],
    readonly_exceptions(PUT = "Members may rename their own saved searches without org:write."),
)]
pub struct SearchPermission;

pub mod api {
    use axum::extract::Path;

    /// Lists the organization's dashboards.
    ///
    /// Newest first.
    #[scopegate::endpoint(
        method = GET,
        path = "/organizations/{org}/dashboards/",
        scopes = ["org:read", "org:write"],
        owner = "dashboards",
        publish = public,
    )]
    #[utoipa::path(
        params(("org" = String, Path, description = "The organization's slug")),
        responses((status = 200, description = "The dashboards")),
        tag = "dashboards",
    )]
    pub async fn list_dashboards(Path(_org): Path<String>) {}

    /// Creates a dashboard.
    #[scopegate::endpoint(
        method = POST,
        path = "/organizations/{org}/dashboards/",
        scopes = all("org:write", "member:read"),
        owner = "dashboards",
        publish = public,
    )]
    #[utoipa::path(
        params(("org" = String, Path)),
        responses((status = 201, description = "Created")),
    )]
    pub async fn create_dashboard(Path(_org): Path<String>) {}

    /// Renames a saved search: the scopes come from a permission class, known to the compiler's
    /// const evaluation only.
    #[scopegate::endpoint(
        method = PUT,
        path = "/organizations/{org}/searches/{search_id}/",
        permission = super::SearchPermission,
        owner = "search",
        publish = public,
    )]
    #[utoipa::path(
        params(("org" = String, Path), ("search_id" = u64, Path)),
        responses((status = 200, description = "Renamed")),
    )]
    pub async fn rename_search(Path((_org, _id)): Path<(String, u64)>) {}

    #[scopegate::endpoint(
        method = POST,
        path = "/organizations/{org}/searches/",
        permission = super::SearchPermission,
        owner = "search",
        publish = public,
    )]
    #[utoipa::path(params(("org" = String, Path)), responses((status = 201, description = "Saved")))]
    pub async fn save_search() {}

    /// The replays of a project, behind the replay gate.
    #[scopegate::endpoint(
        method = GET,
        path = "/projects/{org}/{project}/replays/",
        scopes = ["project:read"],
        gate = replay,
        owner = "replay",
        publish = public,
    )]
    #[utoipa::path(
        params(("org" = String, Path), ("project" = String, Path)),
        responses((status = 200, description = "The replays")),
    )]
    pub async fn project_replays() {}

    /// Joins a team: read-only tokens may, with a plan to stop that.
    #[scopegate::endpoint(
        method = POST,
        path = "/teams/{team}/members/",
        scopes = ["team:read", "team:write"],
        readonly_exception = "Members join open teams with a read-only token.",
        planned_scopes = ["team:write"],
        sunset = "2027-06-30",
        owner = "teams",
        publish = public_experimental,
    )]
    #[utoipa::path(params(("team" = String, Path)), responses((status = 204, description = "Joined")))]
    pub async fn join_team() {}

    #[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
    #[utoipa::path(responses((status = 200, description = "ok")))]
    pub async fn health() {}

    #[scopegate::endpoint(method = GET, path = "/me/", authenticated = "Every signed-in user sees who they are.")]
    #[utoipa::path(responses((status = 200, description = "The caller")))]
    pub async fn me() {}

    #[scopegate::endpoint(method = PUT, path = "/settings/", superuser = "Instance-wide settings.")]
    #[utoipa::path(responses((status = 204, description = "Saved")))]
    pub async fn update_settings() {}

    /// Files under a path: a catch-all, documented as `{path}`.
    #[scopegate::endpoint(method = GET, path = "/files/{*path}", scopes = ["project:read"])]
    #[utoipa::path(params(("path" = String, Path)), responses((status = 200, description = "The file")))]
    pub async fn file(Path(_path): Path<String>) {}

    /// Written anyway in utoipa's attribute, agreeing with the declaration: allowed.
    #[scopegate::endpoint(method = DELETE, path = "/teams/{team}/", scopes = ["team:admin"])]
    #[utoipa::path(
        delete,
        path = "/teams/{team}/",
        params(("team" = String, Path)),
        security(("auth_token" = ["team:admin"])),
        responses((status = 204, description = "Deleted")),
    )]
    pub async fn delete_team() {}

    /// An operation documented but declared nowhere.
    #[utoipa::path(get, path = "/undeclared/", responses((status = 200, description = "?")))]
    #[allow(dead_code)]
    pub async fn undeclared() {}
}

#[derive(OpenApi)]
#[openapi(paths(
    api::list_dashboards,
    api::create_dashboard,
    api::rename_search,
    api::save_search,
    api::project_replays,
    api::join_team,
    api::health,
    api::me,
    api::update_settings,
    api::file,
    api::delete_team,
))]
struct ApiDoc;

/// Leaves out `me`.
#[derive(OpenApi)]
#[openapi(paths(api::list_dashboards, api::create_dashboard, api::health))]
struct Partial;

#[derive(OpenApi)]
#[openapi(paths(api::health, api::undeclared))]
struct WithUndeclared;

fn registry() -> &'static Registry {
    Registry::global()
}

fn spec() -> Value {
    let mut spec = ApiDoc::openapi();
    Security::bearer(registry()).apply(&mut spec);
    serde_json::to_value(&spec).expect("the spec serializes")
}

fn operation<'a>(spec: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &spec["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is documented: {spec:#}");
    op
}

/// Every declared endpoint documents the enforced security, in each form.
#[test]
fn security_means_what_is_enforced() {
    let spec = spec();
    let security = |path: &str, method: &str| operation(&spec, path, method)["security"].clone();
    // Any one of several scopes: one requirement per scope.
    assert_eq!(
        security("/organizations/{org}/dashboards/", "get"),
        json!([{"auth_token": ["org:read"]}, {"auth_token": ["org:write"]}])
    );
    // All of them: one requirement holding every scope.
    assert_eq!(
        security("/organizations/{org}/dashboards/", "post"),
        json!([{"auth_token": ["org:write", "member:read"]}])
    );
    // From a permission class, for the method: any-of and all-of.
    assert_eq!(
        security("/organizations/{org}/searches/{search_id}/", "put"),
        json!([{"auth_token": ["org:read"]}, {"auth_token": ["org:write"]}])
    );
    assert_eq!(
        security("/organizations/{org}/searches/", "post"),
        json!([{"auth_token": ["org:write", "member:read"]}])
    );
    // No credentials: `security: []`, which overrides a document-wide requirement.
    assert_eq!(security("/health/", "get"), json!([]));
    // A signed-in caller, no scope.
    assert_eq!(security("/me/", "get"), json!([{"auth_token": []}]));
    assert_eq!(security("/settings/", "put"), json!([{"auth_token": []}]));
    // `{*path}` is documented as `{path}`.
    assert_eq!(security("/files/{path}", "get"), json!([{"auth_token": ["project:read"]}]));
    check(&ApiDoc::openapi(), registry()).map_err(|d| d.to_string()).expect_err("private endpoints");
}

/// utoipa keeps what only it knows: doc comments, params, responses, tags, operation ids.
#[test]
fn utoipa_keeps_what_it_documents() {
    let spec = spec();
    let list = operation(&spec, "/organizations/{org}/dashboards/", "get");
    assert_eq!(list["operationId"], "list_dashboards");
    assert_eq!(list["summary"], "Lists the organization's dashboards.");
    assert_eq!(list["description"], "Newest first.");
    assert_eq!(list["tags"], json!(["dashboards"]));
    assert_eq!(list["parameters"][0]["name"], "org");
    assert_eq!(list["parameters"][0]["description"], "The organization's slug");
    assert_eq!(list["responses"]["200"]["description"], "The dashboards");
    let rename = operation(&spec, "/organizations/{org}/searches/{search_id}/", "put");
    assert_eq!(rename["parameters"][1]["schema"]["type"], "integer", "{rename:#}");
}

/// The facts utoipa has no field for, and the denials the endpoint answers.
#[test]
fn extensions_and_denial_responses() {
    let spec = spec();
    let join = operation(&spec, "/teams/{team}/members/", "post");
    assert_eq!(join["x-scopegate-readonly-exception"], "Members join open teams with a read-only token.");
    assert_eq!(
        join["x-scopegate-planned-scopes"],
        json!({"scopes": ["team:write"], "scope_match": "any", "adds": [], "drops": ["team:read"]})
    );
    assert_eq!(join["x-scopegate-sunset"], "2027-06-30");
    assert_eq!(join["x-scopegate-publish"], "public_experimental");
    assert_eq!(join["x-scopegate-experimental"], true);
    let rename = operation(&spec, "/organizations/{org}/searches/{search_id}/", "put");
    assert_eq!(
        rename["x-scopegate-readonly-exception"],
        "Members may rename their own saved searches without org:write."
    );
    let replays = operation(&spec, "/projects/{org}/{project}/replays/", "get");
    assert_eq!(replays["x-scopegate-gate"], "replay");
    assert!(replays["responses"]["404"].is_object());
    assert!(replays["responses"]["401"].is_object() && replays["responses"]["403"].is_object());
    assert_eq!(operation(&spec, "/settings/", "put")["x-scopegate-superuser"], true);
    let health = operation(&spec, "/health/", "get");
    assert!(
        health.get("x-scopegate-gate").is_none() && health.get("x-scopegate-readonly-exception").is_none()
    );
    assert!(health["responses"].get("401").is_none() && health["responses"].get("403").is_none());
    assert_eq!(health["x-scopegate-publish"], "private");
    // Responses the attribute documents are kept.
    assert_eq!(operation(&spec, "/me/", "get")["responses"]["200"]["description"], "The caller");
}

/// The check passes on the whole spec and lists each difference otherwise.
#[test]
fn the_check_compares_both_ways() {
    let mut spec = ApiDoc::openapi();
    Security::bearer(registry()).apply(&mut spec);
    // Other tests of this binary declare no endpoint, so the whole registry is documented.
    check(&spec, registry()).unwrap_or_else(|d| panic!("{d}"));

    // One endpoint left out.
    let mut partial = Partial::openapi();
    Security::bearer(registry()).apply(&mut partial);
    let differences = check(&partial, registry()).expect_err("endpoints are left out").0;
    assert!(
        differences.contains(&Difference::Undocumented {
            method: scopegate::Method::Get,
            path: "/me/",
            handler: "utoipa::api::me",
        }),
        "{differences:?}"
    );
    assert_eq!(differences.len(), registry().len() - 3, "{differences:?}");

    // An operation no endpoint declares.
    let mut extra = WithUndeclared::openapi();
    Security::bearer(registry()).apply(&mut extra);
    let differences = check(&extra, registry()).expect_err("undeclared");
    assert!(
        differences.0.contains(&Difference::Undeclared { method: "GET".into(), path: "/undeclared/".into() })
    );
    assert!(differences.to_string().contains("GET /undeclared/ is documented but no endpoint declares it"));

    // Security that is not what is enforced (edited after the fact).
    let mut edited = ApiDoc::openapi();
    Security::bearer(registry()).apply(&mut edited);
    let item = edited.paths.paths.get_mut("/organizations/{org}/dashboards/").expect("path");
    item.post.as_mut().expect("post").security =
        Some(vec![utoipa::openapi::security::SecurityRequirement::new("auth_token", ["org:read"])]);
    let differences = check(&edited, registry()).expect_err("edited security");
    assert_eq!(differences.0.len(), 1, "{differences}");
    assert_eq!(
        differences.0[0].to_string(),
        r#"POST /organizations/{org}/dashboards/ documents security [{"auth_token":["org:read"]}], but [{"auth_token":["org:write","member:read"]}] is enforced"#
    );

    // A scheme the spec does not define: the derive alone, without `Security`.
    let differences = check(&ApiDoc::openapi(), registry()).expect_err("no scheme");
    assert!(
        differences
            .0
            .iter()
            .any(|d| matches!(d, Difference::UnknownScheme { scheme, .. } if scheme == "auth_token")),
        "{differences}"
    );
}

/// The scheme named and typed as the service says; the base path as the server URL.
#[test]
fn schemes_names_and_base_path() {
    let mut spec = ApiDoc::openapi();
    Security::oauth2(registry(), "https://acme.example/oauth/authorize", "https://acme.example/oauth/token")
        .name("oauth")
        .base_path("/api/0")
        .apply(&mut spec);
    let json = serde_json::to_value(&spec).expect("serializes");
    let scheme = &json["components"]["securitySchemes"]["oauth"];
    assert_eq!(scheme["type"], "oauth2");
    let scopes = scheme["flows"]["authorizationCode"]["scopes"].as_object().expect("scopes");
    assert_eq!(scopes.len(), registry().config().vocabulary().scopes().len());
    assert_eq!(scopes["org:read"], "org:read (read-only)");
    assert_eq!(operation(&json, "/me/", "get")["security"], json!([{"oauth": []}]));
    assert_eq!(json["servers"], json!([{"url": "/api/0"}]));
    Check::new(registry()).scheme("oauth").base_path("/api/0").run(&spec).unwrap_or_else(|d| panic!("{d}"));
    // The default check looks for `auth_token`.
    assert!(check(&spec, registry()).is_err());
    let differences =
        Check::new(registry()).scheme("oauth").base_path("/api/1").run(&spec).expect_err("another base");
    assert_eq!(
        differences.0,
        [Difference::BasePath {
            expected: "/api/1".into(),
            servers: vec![("servers".into(), "/api/0".into())]
        }]
    );

    // Existing servers get the base path appended, once; one that carries it already is kept.
    let mut spec = ApiDoc::openapi();
    spec.servers = Some(vec![
        utoipa::openapi::Server::new("https://acme.example/"),
        utoipa::openapi::Server::new("https://eu.acme.example/api/0/"),
    ]);
    let security = Security::api_key(registry(), "X-Api-Key").base_path("/api/0");
    security.apply(&mut spec);
    security.apply(&mut spec);
    let json = serde_json::to_value(&spec).expect("serializes");
    assert_eq!(
        json["servers"],
        json!([{"url": "https://acme.example/api/0"}, {"url": "https://eu.acme.example/api/0/"}])
    );
    Check::new(registry()).base_path("/api/0").run(&spec).unwrap_or_else(|d| panic!("{d}"));
    let scheme = &json["components"]["securitySchemes"]["auth_token"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["in"].as_str(), scheme["name"].as_str()),
        (Some("apiKey"), Some("header"), Some("X-Api-Key"))
    );
    assert_eq!(scheme["x-scopes"].as_object().map(|s| s.len()), Some(scopes.len()));

    let mut spec = ApiDoc::openapi();
    Security::bearer(registry()).apply(&mut spec);
    let json = serde_json::to_value(&spec).expect("serializes");
    assert_eq!(json["components"]["securitySchemes"]["auth_token"]["scheme"], "bearer");
    assert!(json.get("servers").is_none());
}

/// The spec `Security` completes is a valid OpenAPI 3.1 document.
#[test]
fn the_spec_validates_against_the_openapi_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("data/openapi-3.1-schema.json")).expect("the schema parses");
    let validator = jsonschema::draft202012::new(&schema).expect("the OpenAPI 3.1 schema compiles");
    for spec in [spec(), {
        let mut s = ApiDoc::openapi();
        Security::oauth2(registry(), "https://a.example/authorize", "https://a.example/token")
            .base_path("/v1")
            .apply(&mut s);
        serde_json::to_value(&s).expect("serializes")
    }] {
        let errors: Vec<String> =
            validator.iter_errors(&spec).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert_eq!(errors, Vec::<String>::new());
    }
}

/// A spec assembled by hand (no derive): `apply` writes the security of each declared operation
/// it finds and leaves the others.
#[test]
fn apply_completes_a_hand_built_spec() {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::{OpenApiBuilder, PathsBuilder, ResponseBuilder};
    let op = || OperationBuilder::new().response("200", ResponseBuilder::new().description("ok")).build();
    let mut spec = OpenApiBuilder::new()
        .paths(
            PathsBuilder::new()
                .path("/me/", PathItem::new(HttpMethod::Get, op()))
                .path("/elsewhere/", PathItem::new(HttpMethod::Get, op())),
        )
        .build();
    Security::bearer(registry()).apply(&mut spec);
    let json = serde_json::to_value(&spec).expect("serializes");
    assert_eq!(json["paths"]["/me/"]["get"]["security"], json!([{"auth_token": []}]));
    assert!(json["paths"]["/elsewhere/"]["get"].get("security").is_none());
}

/// The check reads `security` as OpenAPI does, and says exactly what differs.
#[test]
fn the_check_reads_security_as_openapi_does() {
    use utoipa::openapi::security::SecurityRequirement;
    let documented = || {
        let mut spec = ApiDoc::openapi();
        Security::bearer(registry()).apply(&mut spec);
        spec
    };
    fn operation<'a>(
        spec: &'a mut utoipa::openapi::OpenApi,
        path: &str,
    ) -> &'a mut utoipa::openapi::path::Operation {
        let item = spec.paths.paths.get_mut(path).expect("documented");
        item.get.as_mut().or(item.put.as_mut()).expect("an operation")
    }
    let only = |spec: &utoipa::openapi::OpenApi| match check(spec, registry()) {
        Ok(()) => Vec::new(),
        Err(d) => d.0,
    };

    // Without `security` of its own, an operation has the document's.
    let mut spec = documented();
    operation(&mut spec, "/me/").security = None;
    assert_eq!(only(&spec).len(), 1, "no security at all for a signed-in endpoint");
    assert_eq!(
        only(&spec)[0].to_string(),
        r#"GET /me/ documents no security, but [{"auth_token":[]}] is enforced"#
    );
    spec.security = Some(vec![SecurityRequirement::new("auth_token", Vec::<String>::new())]);
    assert_eq!(only(&spec), []);
    // ... which an unauthenticated endpoint overrides with `[]` (as `Security` writes it); `{}`
    // (anyone) says the same.
    operation(&mut spec, "/health/").security = Some(vec![SecurityRequirement::default()]);
    assert_eq!(only(&spec), []);
    operation(&mut spec, "/health/").security = None;
    assert_eq!(only(&spec).len(), 1, "the document's requirement reaches the health check");

    // `{}` on an endpoint that needs credentials, two schemes in one requirement, another scheme.
    for security in [
        vec![SecurityRequirement::default()],
        vec![
            SecurityRequirement::new("auth_token", Vec::<String>::new()).add("api_key", Vec::<String>::new()),
        ],
        // Defined (by the first `apply`), but not the scheme the service's callers use.
        vec![SecurityRequirement::new("auth_token", Vec::<String>::new())],
    ] {
        let mut spec = documented();
        Security::api_key(registry(), "X-Api-Key").name("api_key").apply(&mut spec);
        operation(&mut spec, "/settings/").security = Some(security.clone());
        let differences = only(&spec);
        // Every other operation names `api_key` now, and the check looks for `auth_token`.
        assert!(differences.len() > 1);
        let settings = Check::new(registry()).scheme("api_key").run(&spec).expect_err("settings").0;
        assert_eq!(settings.len(), 1, "{settings:?}");
        assert!(settings[0].to_string().starts_with("PUT /settings/ documents security"), "{settings:?}");
    }

    // An undefined scheme is reported once per operation, whatever its requirements.
    let mut spec = ApiDoc::openapi();
    if let Some(components) = spec.components.as_mut() {
        components.security_schemes.clear();
    }
    let unknown: Vec<String> = only(&spec)
        .iter()
        .filter(|d| matches!(d, Difference::UnknownScheme { path: "/organizations/{org}/dashboards/", .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(unknown.len(), 2, "GET (two requirements) and POST once each: {unknown:?}");

    // Servers an operation sets are checked against the base path too.
    let mut spec = documented();
    Security::bearer(registry()).base_path("/api/0").apply(&mut spec);
    operation(&mut spec, "/me/").servers =
        Some(vec![utoipa::openapi::Server::new("https://elsewhere.example/")]);
    let differences = Check::new(registry()).base_path("/api/0").run(&spec).expect_err("operation servers").0;
    assert_eq!(
        differences,
        [Difference::BasePath {
            expected: "/api/0".into(),
            servers: vec![("paths./me/.get.servers".into(), "https://elsewhere.example/".into())]
        }]
    );

    // Only the published endpoints must be documented.
    let mut partial = Partial::openapi();
    Security::bearer(registry()).apply(&mut partial);
    let differences =
        Check::new(registry()).published_only().run(&partial).expect_err("published ones left out").0;
    assert!(differences.iter().all(|d| matches!(d, Difference::Undocumented { .. })));
    assert!(!differences.iter().any(|d| d.to_string().contains("GET /me/")), "{differences:?}");
    assert!(
        differences.iter().any(|d| d.to_string().contains("PUT /organizations/{org}/searches/{search_id}/"))
    );
}
