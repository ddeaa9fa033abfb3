//! The service's own [utoipa](https://docs.rs/utoipa) spec documents exactly what is enforced
//! (feature `utoipa`, utoipa 5).
//!
//! Three parts:
//!
//! - **`#[scopegate::endpoint(...)]` above `#[utoipa::path(...)]`.** The method and the path are
//!   written once, in scopegate's attribute; it completes utoipa's with them, so `utoipa::path`
//!   carries only what utoipa alone knows (`responses`, `params`, `request_body`, `tag`, …).
//!   `#[openapi(paths(handler))]` names the handler as usual. The operation's `security` is what the
//!   endpoint enforces — one requirement per scope when any one of them grants access, one
//!   requirement holding every scope for `scopes = all(...)`, a requirement without scopes for
//!   `authenticated` and `superuser`, `security: []` for `unauthenticated` — written from the
//!   endpoint's registered record, so a permission class's scopes are documented too. Writing the
//!   method, the path or `security` in utoipa's attribute anyway is allowed when it agrees (any
//!   scheme name: the operation names the scheme `auth_token` until [`Security`] writes the
//!   service's name) and a compile error when it does not; `context_path`, `servers` and
//!   `impl_for` are refused, and one handler takes one `#[utoipa::path]`.
//!   The operation also carries the facts utoipa has no field for, as extensions:
//!   `x-scopegate-publish`, `x-scopegate-gate`, `x-scopegate-readonly-exception`,
//!   `x-scopegate-planned-scopes` (`{"scopes", "scope_match", "adds", "drops"}`),
//!   `x-scopegate-sunset`, `x-scopegate-superuser` and `x-scopegate-experimental`; and the `401`,
//!   `403` (and for a gated endpoint `404`) responses a denial answers, where the attribute
//!   documents none.
//! - **[`Security`]**, a [`utoipa::Modify`]: adds the security scheme (HTTP bearer, an API key, or
//!   OAuth2 with the vocabulary as its scopes) under the name the service gives it, documents the
//!   base path as the server URL, and (re)writes the security of every operation a declared
//!   endpoint serves — also in specs not built with utoipa's derive (operations assembled by hand,
//!   or merged from other documents): call [`Security::apply`].
//! - **[`check`]**, for tests: the finished spec against the registry, both ways — every declared
//!   endpoint documented with exactly the enforced security, no documented operation that no
//!   endpoint declares — with the list of differences on failure.
//!
//! ```standalone_crate
//! use scopegate::utoipa::Security;
//! use utoipa::OpenApi;
//!
//! /// Lists the organization's dashboards.
//! #[scopegate::endpoint(method = GET, path = "/organizations/{org}/dashboards/", scopes = ["org:read"])]
//! #[utoipa::path(params(("org" = String, Path, description = "The organization's slug")), responses((status = 200, description = "The dashboards")))]
//! async fn list_dashboards() {}
//!
//! #[scopegate::endpoint(
//!     method = POST, path = "/organizations/{org}/dashboards/", scopes = all("org:write", "member:read"),
//! )]
//! #[utoipa::path(params(("org" = String, Path)), responses((status = 201, description = "Created")))]
//! async fn create_dashboard() {}
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(list_dashboards, create_dashboard))]
//! struct ApiDoc;
//!
//! let registry = scopegate::Registry::global();
//! let mut spec = ApiDoc::openapi();
//! Security::bearer(registry).base_path("/api/0").apply(&mut spec);
//! scopegate::utoipa::check(&spec, registry).unwrap();
//!
//! let json = serde_json::to_value(&spec).unwrap();
//! let dashboards = &json["paths"]["/organizations/{org}/dashboards/"];
//! assert_eq!(dashboards["get"]["security"], serde_json::json!([{"auth_token": ["org:read"]}]));
//! assert_eq!(dashboards["post"]["security"], serde_json::json!([{"auth_token": ["org:write", "member:read"]}]));
//! assert_eq!(json["servers"][0]["url"], "/api/0");
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, AuthorizationCode, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ComponentsBuilder, OpenApi, RefOr, ResponseBuilder, Server};

use scopegate_core::openapi::{SCHEME_DESCRIPTION, SECURITY_SCHEME};

use crate::record::{Endpoint, Method, Publish};
use crate::registry::Registry;
use crate::tighten::PlannedPolicy;

/// How the service's callers present their credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scheme {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// A header carrying the key.
    ApiKey { header: String },
    /// OAuth2's authorization-code flow.
    OAuth2 { authorization_url: String, token_url: String },
}

/// A [`utoipa::Modify`] that makes a spec document what scopegate enforces: the security scheme,
/// the base path, and the security of every operation a declared endpoint serves.
///
/// - The scheme goes into `components.securitySchemes` under [`name`](Security::name)
///   (`auth_token` unless the service names it), typed as the constructor says, its description
///   saying how to read an operation's `security`. The OAuth2 scheme lists every scope of the
///   vocabulary; the bearer and API-key schemes list them in `x-scopes` (OpenAPI gives them no
///   scopes field).
/// - The [base path](Security::base_path) is the server URL: paths in the spec stay the declared
///   ones (as `#[scopegate::endpoint]` and the registry know them), relative to the server. A spec
///   without `servers` gets `[{"url": base}]`; each existing server URL gets the base appended
///   (unless it already ends with it).
/// - Each operation whose method and path a declared endpoint serves gets that endpoint's
///   `security` (naming this scheme) and `x-scopegate-*` extensions. Operations no endpoint
///   declares are left as they are ([`check`] reports them).
///
/// Use it as a modifier of utoipa's derive, or call [`apply`](Security::apply) on any
/// `utoipa::openapi::OpenApi`:
///
/// ```standalone_crate
/// # #[scopegate::endpoint(method = GET, path = "/ping/", authenticated = "anyone signed in")]
/// # #[utoipa::path(responses((status = 200, description = "pong")))]
/// # async fn ping() {}
/// use utoipa::OpenApi;
///
/// #[derive(OpenApi)]
/// #[openapi(paths(ping), modifiers(&Documented))]
/// struct ApiDoc;
///
/// struct Documented;
/// impl utoipa::Modify for Documented {
///     fn modify(&self, spec: &mut utoipa::openapi::OpenApi) {
///         scopegate::utoipa::Security::api_key(scopegate::Registry::global(), "X-Api-Key")
///             .name("api_key")
///             .apply(spec);
///     }
/// }
///
/// let spec = serde_json::to_value(ApiDoc::openapi()).unwrap();
/// assert_eq!(spec["components"]["securitySchemes"]["api_key"]["in"], "header");
/// assert_eq!(spec["paths"]["/ping/"]["get"]["security"], serde_json::json!([{"api_key": []}]));
/// ```
#[derive(Clone, Debug)]
pub struct Security {
    registry: &'static Registry,
    name: String,
    scheme: Scheme,
    base_path: Option<String>,
}

impl Security {
    fn new(registry: &'static Registry, scheme: Scheme) -> Security {
        Security { registry, name: SECURITY_SCHEME.to_string(), scheme, base_path: None }
    }

    /// An HTTP bearer scheme: `Authorization: Bearer <token>`.
    pub fn bearer(registry: &'static Registry) -> Security {
        Security::new(registry, Scheme::Bearer)
    }

    /// An API key sent in the header `header`.
    pub fn api_key(registry: &'static Registry, header: impl Into<String>) -> Security {
        Security::new(registry, Scheme::ApiKey { header: header.into() })
    }

    /// OAuth2's authorization-code flow at these endpoints, its scopes the vocabulary's.
    pub fn oauth2(
        registry: &'static Registry,
        authorization_url: impl Into<String>,
        token_url: impl Into<String>,
    ) -> Security {
        Security::new(
            registry,
            Scheme::OAuth2 { authorization_url: authorization_url.into(), token_url: token_url.into() },
        )
    }

    /// The scheme's name in `components.securitySchemes`, which operations' `security` refers to
    /// (default `auth_token`).
    pub fn name(mut self, name: impl Into<String>) -> Security {
        self.name = name.into();
        self
    }

    /// The prefix every declared path is served under, as given to
    /// [`ApiRouter::base_path`](crate::axum::ApiRouter::base_path) (pass `router.base()`):
    /// documented as the server URL. `""` and `"/"` mean none.
    ///
    /// # Panics
    /// When `base` is not a literal path starting with `/` and not ending with `/`, as
    /// `ApiRouter::base_path` panics: a misconfigured service must not start.
    #[track_caller]
    pub fn base_path(mut self, base: &str) -> Security {
        self.base_path = crate::registry::base_path(base);
        self
    }

    /// Writes the scheme, the base path and the security of every declared operation into
    /// `spec` (what [`utoipa::Modify::modify`] does).
    pub fn apply(&self, spec: &mut OpenApi) {
        let components = spec.components.get_or_insert_with(|| ComponentsBuilder::new().build());
        components.security_schemes.insert(self.name.clone(), self.scheme());
        if let Some(base) = &self.base_path {
            let servers = spec.servers.get_or_insert_with(Vec::new);
            if servers.is_empty() {
                servers.push(Server::new(base.clone()));
            }
            for server in servers.iter_mut() {
                let url = server.url.trim_end_matches('/');
                if !url.ends_with(base.as_str()) {
                    server.url = format!("{url}{base}");
                }
            }
        }
        let served = served(self.registry);
        for (path, item) in spec.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                if let Some(endpoint) = served.get(&(method, path.clone())) {
                    document(operation, endpoint, &self.name);
                }
            }
        }
    }

    fn scheme(&self) -> SecurityScheme {
        let vocabulary = self.registry.config().vocabulary();
        let described = |scope: &str| {
            if vocabulary.is_readonly(scope) { format!("{scope} (read-only)") } else { scope.to_string() }
        };
        let mut scheme = match &self.scheme {
            Scheme::Bearer => SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(format!(
                        "An auth token sent as `Authorization: Bearer <token>`. {SCHEME_DESCRIPTION}"
                    )))
                    .build(),
            ),
            Scheme::ApiKey { header } => {
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    header.clone(),
                    format!("An API key sent in the `{header}` header. {SCHEME_DESCRIPTION}"),
                )))
            }
            Scheme::OAuth2 { authorization_url, token_url } => {
                let described: Vec<(&str, String)> =
                    vocabulary.scopes().iter().map(|s| (*s, described(s))).collect();
                let scopes = Scopes::from_iter(described.iter().map(|(s, d)| (*s, d.as_str())));
                SecurityScheme::OAuth2(OAuth2::with_description(
                    [Flow::AuthorizationCode(AuthorizationCode::new(
                        authorization_url.clone(),
                        token_url.clone(),
                        scopes,
                    ))],
                    format!("An OAuth2 access token. {SCHEME_DESCRIPTION}"),
                ))
            }
        };
        if !matches!(self.scheme, Scheme::OAuth2 { .. }) {
            let scopes: serde_json::Map<String, Value> =
                vocabulary.scopes().iter().map(|s| (s.to_string(), Value::String(described(s)))).collect();
            let extensions = match &mut scheme {
                SecurityScheme::Http(http) => &mut http.extensions,
                SecurityScheme::ApiKey(ApiKey::Header(key)) => &mut key.extensions,
                _ => return scheme,
            };
            extensions.get_or_insert_with(Default::default).insert("x-scopes".into(), Value::Object(scopes));
        }
        scheme
    }
}

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut OpenApi) {
        self.apply(openapi);
    }
}

/// The declared endpoints by method and OpenAPI path.
fn served(registry: &Registry) -> HashMap<(Method, String), &'static Endpoint> {
    registry.iter().map(|e| ((e.method(), scopegate_core::openapi::path(e.path())), e)).collect()
}

/// A path item's operations, with their methods (utoipa's `TRACE` has no declared counterpart).
fn operations(item: &mut PathItem) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::Get, item.get.as_mut()),
        (Method::Head, item.head.as_mut()),
        (Method::Options, item.options.as_mut()),
        (Method::Post, item.post.as_mut()),
        (Method::Put, item.put.as_mut()),
        (Method::Patch, item.patch.as_mut()),
        (Method::Delete, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| Some((m, op?)))
}

/// Writes what `endpoint` enforces into its operation: `security` naming `scheme`, the
/// `x-scopegate-*` extensions, and the denial responses the operation does not document.
fn document(operation: &mut Operation, endpoint: &Endpoint, scheme: &str) {
    operation.security = Some(
        endpoint.security().into_iter().map(|scopes| SecurityRequirement::new(scheme, scopes)).collect(),
    );
    let extensions = operation.extensions.get_or_insert_with(Default::default);
    let mut put = |key: &str, value: Value| {
        extensions.insert(key.to_string(), value);
    };
    put("x-scopegate-publish", json!(endpoint.publish().as_str()));
    if endpoint.has_policy_debt()
        && let Some(note) = endpoint.readonly_exception()
    {
        put("x-scopegate-readonly-exception", json!(note));
    }
    if let Some(plan) = PlannedPolicy::of(endpoint) {
        put("x-scopegate-planned-scopes", plan.to_json());
    }
    if let Some(sunset) = endpoint.sunset() {
        put("x-scopegate-sunset", json!(sunset.to_string()));
    }
    if let Some(gate) = endpoint.gate() {
        put("x-scopegate-gate", json!(gate));
    }
    if endpoint.superuser().is_some() {
        put("x-scopegate-superuser", json!(true));
    }
    if endpoint.publish() == Publish::PublicExperimental {
        put("x-scopegate-experimental", json!(true));
    }
    let responses = &mut operation.responses.responses;
    let mut respond = |status: &str, description: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    };
    if endpoint.requires_credentials() {
        respond("401", "No credentials were sent, or they are not valid.");
        respond(
            "403",
            "The credentials do not meet the scope requirement, or a feature-area gate denies access.",
        );
    } else if endpoint.gate().is_some() {
        respond("403", "A feature-area gate denies access.");
    }
    if endpoint.gate().is_some() {
        respond("404", "The feature is disabled for the organization.");
    }
}

/// `__path_<handler>` of a handler with `#[scopegate::endpoint]` above `#[utoipa::path]`: `T`'s
/// documentation (what utoipa's attribute generated) with the operation completed from the record
/// that `D`, the handler's declaration type, carries. Not a public API.
#[doc(hidden)]
pub struct __Documented<T, D>(std::marker::PhantomData<fn() -> (T, D)>);

impl<T, D> fmt::Debug for __Documented<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::any::type_name::<Self>())
    }
}

impl<T, D> Clone for __Documented<T, D> {
    fn clone(&self) -> Self {
        __Documented(std::marker::PhantomData)
    }
}

impl<T: utoipa::Path, D: 'static> utoipa::Path for __Documented<T, D> {
    fn path() -> String {
        T::path()
    }

    fn methods() -> Vec<utoipa::openapi::path::HttpMethod> {
        T::methods()
    }

    fn operation() -> Operation {
        let mut operation = T::operation();
        if let Some(endpoint) = Endpoint::declared_by(std::any::TypeId::of::<D>()) {
            document(&mut operation, endpoint, SECURITY_SCHEME);
        }
        operation
    }
}

impl<'t, T: utoipa::__dev::Tags<'t>, D> utoipa::__dev::Tags<'t> for __Documented<T, D> {
    fn tags() -> Vec<&'t str> {
        T::tags()
    }
}

impl<T: utoipa::__dev::SchemaReferences, D> utoipa::__dev::SchemaReferences for __Documented<T, D> {
    fn schemas(schemas: &mut Vec<(String, RefOr<utoipa::openapi::schema::Schema>)>) {
        T::schemas(schemas);
    }
}

/// `__path_<handler>` of a declaration with errors (which the build reports): documents nothing.
/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct __Undocumented;

impl utoipa::Path for __Undocumented {
    fn path() -> String {
        String::new()
    }

    fn methods() -> Vec<utoipa::openapi::path::HttpMethod> {
        Vec::new()
    }

    fn operation() -> Operation {
        Operation::new()
    }
}

impl<'t> utoipa::__dev::Tags<'t> for __Undocumented {
    fn tags() -> Vec<&'t str> {
        Vec::new()
    }
}

impl utoipa::__dev::SchemaReferences for __Undocumented {
    fn schemas(_: &mut Vec<(String, RefOr<utoipa::openapi::schema::Schema>)>) {}
}

/// One way a spec and the registry disagree (see [`check`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// A declared endpoint the spec does not document.
    Undocumented {
        /// The method.
        method: Method,
        /// The declared path.
        path: &'static str,
        /// The handler's full path.
        handler: &'static str,
    },
    /// A documented operation no endpoint declares.
    Undeclared {
        /// The method, upper case.
        method: String,
        /// The documented path.
        path: String,
    },
    /// A documented operation whose `security` is not what its endpoint enforces: other
    /// alternatives or scopes, another scheme, or none.
    Security {
        /// The method.
        method: Method,
        /// The path.
        path: &'static str,
        /// The operation's `security` as the spec has it (its own, else the document's); `None`
        /// when it has neither.
        documented: Option<Value>,
        /// The enforced one, naming the scheme checked for.
        enforced: Value,
    },
    /// A requirement refers to a scheme `components.securitySchemes` does not define.
    UnknownScheme {
        /// The method.
        method: Method,
        /// The path.
        path: &'static str,
        /// The scheme's name.
        scheme: String,
    },
    /// Server URLs (of the document, a path or an operation) that do not end with the base path.
    BasePath {
        /// The base path expected.
        expected: String,
        /// The server URLs, with where they are set: `servers`, `paths./x/.servers`,
        /// `paths./x/.get.servers`.
        servers: Vec<(String, String)>,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Undocumented { method, path, handler } => {
                write!(f, "{method} {path} ({handler}) is declared but not documented")
            }
            Difference::Undeclared { method, path } => {
                write!(f, "{method} {path} is documented but no endpoint declares it")
            }
            Difference::Security { method, path, documented, enforced } => match documented {
                Some(documented) => {
                    write!(f, "{method} {path} documents security {documented}, but {enforced} is enforced")
                }
                None => write!(f, "{method} {path} documents no security, but {enforced} is enforced"),
            },
            Difference::UnknownScheme { method, path, scheme } => write!(
                f,
                "{method} {path} refers to the security scheme {scheme:?}, which components.securitySchemes \
                 does not define"
            ),
            Difference::BasePath { expected, servers } => {
                let servers: Vec<String> = servers.iter().map(|(at, url)| format!("{at}: {url:?}")).collect();
                if servers.is_empty() {
                    write!(f, "no server URL carries the base path {expected:?}")
                } else {
                    write!(
                        f,
                        "server URLs that do not end with the base path {expected:?}: {}",
                        servers.join(", ")
                    )
                }
            }
        }
    }
}

/// The differences [`check`] found, one per line when displayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Differences(pub Vec<Difference>);

impl fmt::Display for Differences {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the OpenAPI spec and the declared endpoints differ ({}):", self.0.len())?;
        for d in &self.0 {
            writeln!(f, "  - {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Differences {}

/// Checks a finished spec against the registry, both ways: every declared endpoint is documented
/// (at its method and OpenAPI path, `{*rest}` as `{rest}`) with exactly the `security` it
/// enforces — the same alternatives, each the same scopes, naming the scheme `auth_token` (see
/// [`Check::scheme`]), which the spec defines — and every documented operation is declared. An
/// operation without `security` of its own has the document's (OpenAPI 3.1). `Err` lists every
/// difference.
///
/// See [`Check`] for a spec that names its scheme otherwise, documents only the published
/// endpoints or has a base path.
pub fn check(spec: &OpenApi, registry: &Registry) -> Result<(), Differences> {
    Check::new(registry).run(spec)
}

/// [`check`] with options.
///
/// ```standalone_crate
/// # #[scopegate::endpoint(method = GET, path = "/a/", authenticated = "anyone", publish = public, owner = "x")]
/// # #[utoipa::path(responses((status = 200, description = "ok")))]
/// # async fn a() {}
/// # #[scopegate::endpoint(method = GET, path = "/internal/", authenticated = "anyone")]
/// # async fn internal() {}
/// # #[derive(utoipa::OpenApi)]
/// # #[openapi(paths(a))]
/// # struct ApiDoc;
/// use scopegate::utoipa::{Check, Security};
/// use utoipa::OpenApi;
/// let registry = scopegate::Registry::global();
/// let mut spec = ApiDoc::openapi();
/// Security::bearer(registry).name("bearer").base_path("/v1").apply(&mut spec);
/// // `internal` is private and not documented: only the published endpoints must be.
/// Check::new(registry).scheme("bearer").published_only().base_path("/v1").run(&spec).unwrap();
/// let differences = Check::new(registry).scheme("bearer").run(&spec).unwrap_err();
/// assert!(differences.to_string().contains("GET /internal/"), "{differences}");
/// ```
#[derive(Clone, Debug)]
pub struct Check<'r> {
    registry: &'r Registry,
    scheme: String,
    published_only: bool,
    base_path: Option<String>,
}

impl<'r> Check<'r> {
    /// Every declared endpoint must be documented, its requirements naming `auth_token`; no base
    /// path.
    pub fn new(registry: &'r Registry) -> Check<'r> {
        Check { registry, scheme: SECURITY_SCHEME.to_string(), published_only: false, base_path: None }
    }

    /// The scheme every requirement must name: the one the service's callers use (as given to
    /// [`Security::name`]).
    pub fn scheme(mut self, name: impl Into<String>) -> Check<'r> {
        self.scheme = name.into();
        self
    }

    /// Only the published endpoints (`publish = public` or `public_experimental`) must be
    /// documented; a documented private one is still checked.
    pub fn published_only(mut self) -> Check<'r> {
        self.published_only = true;
        self
    }

    /// Every server URL — the document's, and any a path or an operation sets — must end with this
    /// base path (see [`Security::base_path`]).
    ///
    /// # Panics
    /// As [`Security::base_path`] does, on a base path that is not literal, does not start with `/`
    /// or ends with `/`.
    #[track_caller]
    pub fn base_path(mut self, base: &str) -> Check<'r> {
        self.base_path = crate::registry::base_path(base);
        self
    }

    /// Runs the check.
    pub fn run(&self, spec: &OpenApi) -> Result<(), Differences> {
        let mut differences = Vec::new();
        let schemes: BTreeSet<&str> = spec
            .components
            .as_ref()
            .map(|c| c.security_schemes.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let served = served(self.registry);
        let mut documented: BTreeSet<(Method, String)> = BTreeSet::new();
        let mut servers: Vec<(String, String)> =
            spec.servers.iter().flatten().map(|s| ("servers".to_string(), s.url.clone())).collect();
        // A clone: `PathItem`'s operations are reached mutably only; the check leaves `spec` as is.
        let mut paths = spec.paths.paths.clone();
        for (path, item) in paths.iter_mut() {
            servers.extend(
                item.servers.iter().flatten().map(|s| (format!("paths.{path}.servers"), s.url.clone())),
            );
            if item.trace.is_some() {
                differences.push(Difference::Undeclared { method: "TRACE".to_string(), path: path.clone() });
            }
            for (method, operation) in operations(item) {
                let at = format!("paths.{path}.{}.servers", method.as_str().to_ascii_lowercase());
                servers.extend(operation.servers.iter().flatten().map(|s| (at.clone(), s.url.clone())));
                documented.insert((method, path.clone()));
                match served.get(&(method, path.clone())) {
                    Some(endpoint) => {
                        let own = operation.security.as_ref().or(spec.security.as_ref());
                        self.check_security(own, endpoint, &schemes, &mut differences);
                    }
                    None => differences.push(Difference::Undeclared {
                        method: method.as_str().to_string(),
                        path: path.clone(),
                    }),
                }
            }
        }
        let mut undocumented: Vec<&Endpoint> = served
            .iter()
            .filter(|(key, e)| {
                !documented.contains(&(key.0, key.1.clone()))
                    && (!self.published_only || e.publish().is_published())
            })
            .map(|(_, e)| *e)
            .collect();
        undocumented.sort_by_key(|e| (e.path(), e.method()));
        differences.extend(undocumented.into_iter().map(|e| Difference::Undocumented {
            method: e.method(),
            path: e.path(),
            handler: e.handler(),
        }));
        if let Some(base) = &self.base_path {
            let document_has_one = spec.servers.as_ref().is_some_and(|s| !s.is_empty());
            let wrong: Vec<(String, String)> = servers
                .into_iter()
                .filter(|(_, url)| !url.trim_end_matches('/').ends_with(base.as_str()))
                .collect();
            if !wrong.is_empty() || !document_has_one {
                differences.push(Difference::BasePath { expected: base.clone(), servers: wrong });
            }
        }
        if differences.is_empty() { Ok(()) } else { Err(Differences(differences)) }
    }

    /// The operation's `security` (`own`: its own, else the document's) against the endpoint's.
    fn check_security(
        &self,
        own: Option<&Vec<SecurityRequirement>>,
        endpoint: &'static Endpoint,
        schemes: &BTreeSet<&str>,
        differences: &mut Vec<Difference>,
    ) {
        let enforced = endpoint.security();
        // `SecurityRequirement` exposes no accessor: read it as OpenAPI does, from its JSON.
        let documented: Option<Value> = own.map(|list| serde_json::to_value(list).unwrap_or(Value::Null));
        let requirements: Vec<BTreeMap<String, Vec<String>>> =
            documented.as_ref().and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
        let named: BTreeSet<&String> = requirements.iter().flat_map(BTreeMap::keys).collect();
        for scheme in named {
            if !schemes.contains(scheme.as_str()) {
                differences.push(Difference::UnknownScheme {
                    method: endpoint.method(),
                    path: endpoint.path(),
                    scheme: scheme.clone(),
                });
            }
        }
        // Each requirement names this check's scheme alone; `{}` (anyone) only where no credentials
        // are needed. Anything else disagrees.
        let mut alternatives: Option<Vec<Vec<String>>> = documented.as_ref().map(|_| Vec::new());
        for requirement in &requirements {
            let mut entries = requirement.iter();
            match (entries.next(), entries.next()) {
                (Some((scheme, scopes)), None) if *scheme == self.scheme => {
                    if let Some(a) = &mut alternatives {
                        a.push(scopes.clone());
                    }
                }
                (None, _) if enforced.is_empty() => {}
                _ => alternatives = None,
            }
        }
        let agrees = match &alternatives {
            Some(a) => scopegate_core::openapi::same_security(a, &enforced),
            // No `security` anywhere: nothing is required, which is right only without credentials.
            None => documented.is_none() && enforced.is_empty(),
        };
        if !agrees {
            let enforced: Vec<Value> =
                enforced.iter().map(|scopes| json!({ &self.scheme: scopes })).collect();
            differences.push(Difference::Security {
                method: endpoint.method(),
                path: endpoint.path(),
                documented,
                enforced: Value::Array(enforced),
            });
        }
    }
}
