//! The declaration is the route: serve [axum] 0.8 handlers at the method and path their
//! `#[scopegate::endpoint]` declares, with every request decided by the registry first (feature
//! `axum`).
//!
//! ```no_run
//! use scopegate::axum::{ApiRouter, Resolved, Resolver};
//! use scopegate::{Endpoint, Principal, Registry};
//!
//! #[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "load balancer probe")]
//! async fn health() -> &'static str { "ok" }
//!
//! /// Turns request headers into a principal (look tokens up in your database here).
//! #[derive(Clone)]
//! struct Anonymous;
//!
//! impl Resolver for Anonymous {
//!     type Rejection = std::convert::Infallible;
//!     async fn resolve(
//!         &self,
//!         _parts: &mut axum::http::request::Parts,
//!         _endpoint: &'static Endpoint,
//!     ) -> Result<Resolved, Self::Rejection> {
//!         Ok(Resolved::new(Principal::Anonymous))
//!     }
//! }
//!
//! # async fn run() {
//! let api = ApiRouter::new(Registry::global(), Anonymous)
//!     .base_path("/api/0")                    // served at /api/0/health/
//!     .routes(scopegate::routes![health])
//!     .into_service();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, api).await.unwrap();
//! # }
//! ```
//!
//! # How a request flows
//!
//! [`ApiRouter`] mounts each handler named in [`routes!`](crate::routes) at its declared method
//! and path (under the optional base path) and wraps it, and only it, in the enforcement step:
//! 1. a path no declaration matches is answered 404 `endpoint_not_found` (or by your
//!    [`fallback`](ApiRouter::fallback)); a declared path asked with a method it does not declare,
//!    405 `method_not_allowed` with an `Allow` header; `HEAD` on a `GET` endpoint runs the `GET`
//!    handler (decided as `GET`) without the body, as axum does;
//! 2. the service's [`Resolver`] turns the request into a [`Principal`], the caller's membership in
//!    the target organization and that organization's [`OrganizationState`] (or rejects it, e.g.
//!    401 for an unknown token);
//! 3. [`Registry::authorize_endpoint`] decides for the endpoint the handler belongs to; a denial is
//!    answered with its status and JSON body;
//! 4. an allowed request reaches the handler with an [`Authorized`] extension (who is calling,
//!    with [`Authorized::has_scope`] for object-level checks). Extracting [`Authorized`] where
//!    no enforcement ran fails with 500, so a handler relying on it can never run unchecked.
//!
//! # Nothing escapes
//!
//! Routes enter only through [`routes!`](crate::routes), which names a handler by its
//! function path; naming a function without `#[scopegate::endpoint]` does not compile. A declared
//! handler cannot be mounted anywhere else either: its name is no function (a plain
//! `Router::route("/x", get(handler))` does not compile), and its body, `handler::handler` (the
//! body keeps the handler's name), runs
//! only behind the check of its own declaration (see [`Checked`]). The finished API is an
//! [`ApiService`], not an axum `Router`: there is no `route`, `merge` or `nest` on it that could
//! add a handler behind the check's back (`Router::merge(api)` fails to compile with a note naming
//! `nest_service`). To serve something outside the API (a `/metrics` page, static files), compose
//! it *around* the service, where it is visibly outside:
//! `axum::Router::new().route("/metrics", get(metrics)).fallback_service(api)`; and check the
//! composed app with `scopegate::testing::assert_app_checks_every_endpoint` (an outer route on a
//! declared path would answer it unchecked).
//!
//! # HTTP authentication
//!
//! A 401 `no_credentials` carries `WWW-Authenticate` with [`Resolver::challenge`] (default
//! `Bearer`); a 403 `missing_scope` on a request with a bearer token carries
//! [`insufficient_scope`] with the scopes that would be accepted (RFC 6750 §3.1). A user with no
//! standing in the target organization is denied 403 `no_membership`.
//!
//! # Layers
//!
//! [`ApiRouter::layer`] wraps every route of the API — whenever it was added — and the 404/405
//! answers: put `CorsLayer`, `TraceLayer`, timeouts and compression there (CORS preflights are
//! answered before any check, as they must be). Like axum's `Router::layer`, it runs after the
//! route was chosen, so a layer that rewrites the path (`NormalizePathLayer`) must wrap the
//! finished [`ApiService`] instead; for trailing slashes see [`ApiRouter::trailing_slash`].
//! [`ApiRouter::route_layer`] wraps each handler *inside* the check: it runs only for allowed
//! requests and can extract [`Authorized`].

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header, request::Parts};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, Route};
use tower::{Layer, Service, ServiceExt};

use crate::decision::{AccessRequest, Decision, Denial, Reason};
use crate::engine::EndpointId;
use crate::gates::{GateSource, OrganizationState};
use crate::handler::Checked;
use crate::principal::{Membership, OrganizationId, Principal, TeamId};
use crate::record::{Declared, Endpoint, Method, Methods};
use crate::registry::Registry;
use crate::scopes::ScopeSet;

/// The caller's membership in the target organization, owned (see [`Membership`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedMembership {
    /// The organization.
    pub organization: OrganizationId,
    /// The scopes of the member's role.
    pub role_scopes: ScopeSet,
    /// The member's teams.
    pub teams: Arc<[TeamId]>,
}

impl OwnedMembership {
    /// The caller's standing in a single-tenant service (see [`Membership::single_tenant`]).
    pub fn single_tenant(role_scopes: ScopeSet, teams: impl Into<Arc<[TeamId]>>) -> OwnedMembership {
        OwnedMembership { organization: OrganizationId::SERVICE, role_scopes, teams: teams.into() }
    }

    /// The borrowed view the engine takes.
    pub fn as_membership(&self) -> Membership<'_> {
        Membership { organization: self.organization, role_scopes: self.role_scopes, teams: &self.teams }
    }
}

/// What a [`Resolver`] found out about a request.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Who is calling.
    pub principal: Principal,
    /// The caller's membership in the target organization, if any.
    pub membership: Option<OwnedMembership>,
    /// The target organization's state, if the request targets one.
    pub organization: Option<Arc<OrganizationState>>,
}

impl Resolved {
    /// A principal with no membership and no organization context.
    pub fn new(principal: Principal) -> Resolved {
        Resolved { principal, membership: None, organization: None }
    }

    /// The same, with the caller's membership in the target organization.
    #[must_use]
    pub fn with_membership(mut self, membership: OwnedMembership) -> Resolved {
        self.membership = Some(membership);
        self
    }

    /// The same, with the target organization's state.
    #[must_use]
    pub fn with_organization(mut self, organization: Arc<OrganizationState>) -> Resolved {
        self.organization = Some(organization);
        self
    }

    /// The same, with a single-tenant service's state (see [`ServiceState`](crate::ServiceState)).
    #[must_use]
    pub fn with_service_state(self, state: Arc<OrganizationState>) -> Resolved {
        self.with_organization(state)
    }

    /// The same, with organization `id`'s state as `source` holds it (none when `source` does not
    /// know the organization: gated endpoints then answer 404, and organization tokens are
    /// refused).
    ///
    /// ```
    /// use scopegate::axum::Resolved;
    /// use scopegate::{Config, InMemoryGates, OrganizationId, OrganizationState, Principal};
    /// let gates = InMemoryGates::new();
    /// gates.set(OrganizationState::builder(Config::sentry(), OrganizationId(1)).build());
    /// let r = Resolved::new(Principal::Anonymous).with_organization_from(&gates, OrganizationId(1));
    /// assert_eq!(r.organization.map(|o| o.id()), Some(OrganizationId(1)));
    /// let r = Resolved::new(Principal::Anonymous).with_organization_from(&gates, OrganizationId(2));
    /// assert!(r.organization.is_none());
    /// ```
    #[must_use]
    pub fn with_organization_from(
        mut self,
        source: &(impl GateSource + ?Sized),
        id: OrganizationId,
    ) -> Resolved {
        self.organization = source.organization(id);
        self
    }
}

/// Turns a request into the facts the engine decides on. Implemented by the service, usually over
/// its database (token lookup, membership, organization settings); [`bearer_token`],
/// [`path_param`], [`Resolved::with_organization_from`] and [`invalid_credentials`] do the
/// common parts.
///
/// The resolver runs only for requests that reached a declared endpoint, so unknown paths never
/// cost a database query.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot resolve principals for scopegate",
    note = "implement `scopegate::axum::Resolver` for it: turn request headers into a `Resolved`"
)]
pub trait Resolver: Clone + Send + Sync + 'static {
    /// The response for a request whose credentials are invalid (e.g. an unknown token).
    type Rejection: IntoResponse + Send;

    /// Resolves the principal, membership and organization of a request to `endpoint`.
    fn resolve(
        &self,
        parts: &mut Parts,
        endpoint: &'static Endpoint,
    ) -> impl Future<Output = Result<Resolved, Self::Rejection>> + Send;

    /// The `WWW-Authenticate` challenge of a 401 `no_credentials` answer: the authentication
    /// scheme(s) the service accepts, as RFC 9110 §11.6.1 requires, e.g. `Bearer realm="api"` or
    /// `Bearer, Session`. `Bearer` unless the resolver says otherwise.
    fn challenge(&self) -> HeaderValue {
        HeaderValue::from_static("Bearer")
    }
}

/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1): what a bearer
/// token missing a scope is told, with the scopes that would be accepted (a scope that is not a
/// valid RFC 6750 scope token is left out of the list, and the `scope` parameter when none is left).
/// The `scopegate::axum` router adds it to the
/// 403 `missing_scope` answer of a request that presented a bearer token.
///
/// ```
/// let value = scopegate::axum::insufficient_scope(&["org:write", "org:admin"]);
/// assert_eq!(value, r#"Bearer error="insufficient_scope", scope="org:write org:admin""#);
/// ```
pub fn insufficient_scope(accepted: &[&str]) -> HeaderValue {
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E ): visible ASCII but `"` and `\`.
    let is_token =
        |s: &&&str| !s.is_empty() && s.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
    let scopes: Vec<&str> = accepted.iter().filter(is_token).copied().collect();
    if scopes.is_empty() {
        return HeaderValue::from_static(r#"Bearer error="insufficient_scope""#);
    }
    let value = format!(r#"Bearer error="insufficient_scope", scope="{}""#, scopes.join(" "));
    // Only visible ASCII and spaces went in.
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(r#"Bearer error="insufficient_scope""#))
}

/// The credentials of an `Authorization: <scheme> <credentials>` header, when its scheme is
/// `scheme` (compared without regard to case, as RFC 9110 says). `None` when the header is absent,
/// of another scheme, not visible ASCII, or has empty credentials.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// use scopegate::axum::authorization;
/// let mut headers = HeaderMap::new();
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Session s3cr3t"));
/// assert_eq!(authorization(&headers, "session"), Some("s3cr3t"));
/// assert_eq!(authorization(&headers, "Bearer"), None);
/// ```
pub fn authorization<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim_matches(' ');
    (given.eq_ignore_ascii_case(scheme) && !credentials.is_empty()).then_some(credentials)
}

/// The token of an `Authorization: Bearer <token>` header (see [`authorization`]).
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// let mut headers = HeaderMap::new();
/// assert_eq!(scopegate::axum::bearer_token(&headers), None);
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer sgu_abc"));
/// assert_eq!(scopegate::axum::bearer_token(&headers), Some("sgu_abc"));
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    authorization(headers, "Bearer")
}

/// The value of the path parameter `name` of the route the request matched, percent-decoded as
/// axum's `Path` extractor decodes it (e.g. the organization of
/// `/organizations/{organization_id_or_slug}/`). `None` when the route has no such parameter or
/// when any of the route's parameters is not valid UTF-8 once decoded: axum keeps none of them then
/// (`RawPathParams` is rejected as a whole). A resolver that must still find the organization in
/// that case decodes it from the request's path itself.
pub async fn path_param(parts: &mut Parts, name: &str) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    params.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_owned())
}

/// 401 `invalid_credentials` with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750
/// §3.1): the answer for credentials that are present but unknown, expired or malformed (never
/// treat them as anonymous).
pub fn invalid_credentials() -> Response<Body> {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        r#"{"status":401,"error":"invalid_credentials","detail":"The credentials are invalid or expired."}"#
            .to_string(),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer error="invalid_token""#));
    response
}

/// The facts of an allowed request, inserted into its extensions for the handler.
///
/// ```
/// async fn handler(auth: scopegate::axum::Authorized) -> String {
///     let can_admin = auth.has_scope("org:admin");
///     format!("{} called {} (admin: {can_admin})", auth.principal.kind(), auth.endpoint().handler())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Authorized {
    /// The endpoint the request was allowed to (read-only: a declared handler's `Checked` proof
    /// is granted by it).
    endpoint: &'static Endpoint,
    /// Who is calling.
    pub principal: Principal,
    /// The caller's membership in the target organization.
    pub membership: Option<OwnedMembership>,
    /// The target organization's state.
    pub organization: Option<Arc<OrganizationState>>,
    registry: &'static Registry,
}

impl Authorized {
    /// The scopes the caller holds in the target organization (see
    /// [`Registry::effective_scopes`]): what the decision intersected with the endpoint's.
    /// Computed on demand (a few bit operations), so requests that never ask pay nothing.
    pub fn effective_scopes(&self) -> ScopeSet {
        let membership = self.membership.as_ref().map(OwnedMembership::as_membership);
        let request = AccessRequest {
            method: self.endpoint.method(),
            path: self.endpoint.path(),
            principal: &self.principal,
            membership: membership.as_ref(),
            organization: self.organization.as_deref(),
        };
        self.registry.effective_scopes_at(self.endpoint, &request)
    }

    /// `true` when the caller holds `scope` (a name of the registry's vocabulary; unknown names
    /// are never held), for object-level checks inside a handler.
    pub fn has_scope(&self, scope: &str) -> bool {
        let wanted = self.registry.scope_set([scope]);
        !wanted.is_empty() && self.effective_scopes().contains_any(wanted)
    }

    /// The names of the scopes the caller holds, in vocabulary order.
    pub fn scope_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.registry.scope_names(self.effective_scopes())
    }

    /// The registry that decided the request.
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    /// The endpoint the request was allowed to.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authorized {
    type Rejection = Response<Body>;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authorized>().cloned().ok_or_else(|| {
            tracing::error!("handler extracted scopegate::axum::Authorized, but no scopegate check ran");
            enforcement_missing()
        })
    }
}

/// A declared handler's proof (see [`Checked`]): extracted only from a request this module's
/// router decided for `H`'s own declaration. Anywhere else — the body mounted in a plain axum
/// router, or under another endpoint's decision — the request is answered 500
/// `enforcement_missing` before the handler's body runs.
impl<H: 'static, S: Send + Sync> FromRequestParts<S> for Checked<H> {
    type Rejection = Response<Body>;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let decided = parts.extensions.get::<Authorized>().map(|a| a.endpoint);
        match decided {
            Some(endpoint) if endpoint.carrier() == Some(std::any::TypeId::of::<H>()) => {
                Ok(Checked::decided())
            }
            _ => {
                tracing::error!(
                    target: "scopegate",
                    handler = std::any::type_name::<H>(),
                    decided_for = decided.map(|e| e.handler()),
                    "a declared handler was reached without its own permission check; its body does not run"
                );
                Err(enforcement_missing())
            }
        }
    }
}

/// 500 `enforcement_missing`: a handler was reached without the permission check.
fn enforcement_missing() -> Response<Body> {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"status":500,"error":"enforcement_missing","detail":"The permission check did not run."}"#
            .to_string(),
    )
}

fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The HTTP response for a denial: its status and JSON body (and `Allow` for a 405).
pub fn denial_response(denial: &Denial) -> Response<Body> {
    let status = StatusCode::from_u16(denial.status).unwrap_or(StatusCode::FORBIDDEN);
    let mut response = json_response(status, denial.to_json());
    if let Reason::MethodNotAllowed { allow } = denial.reason
        && let Ok(value) = HeaderValue::from_str(&allow.to_string())
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The axum filter of one declared method.
///
/// ```
/// use axum::routing::MethodFilter;
/// assert_eq!(scopegate::axum::method_filter(scopegate::Method::Put), MethodFilter::PUT);
/// ```
pub fn method_filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Head => MethodFilter::HEAD,
        Method::Options => MethodFilter::OPTIONS,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// One handler with its declaration, as [`routes!`](crate::routes) collects it.
struct DeclaredRoute<S> {
    method: Method,
    path: &'static str,
    handler: &'static str,
    router: MethodRouter<S>,
}

/// Handlers with their declarations, built by [`routes!`](crate::routes) and mounted with
/// [`ApiRouter::routes`]. A module can export its own `Routes` for the service to mount.
///
/// ```
/// #[scopegate::endpoint(method = GET, path = "/routes-example/projects/", scopes = ["project:read"])]
/// async fn list_projects() {}
/// #[scopegate::endpoint(method = POST, path = "/routes-example/projects/", scopes = ["project:write"])]
/// async fn create_project() {}
///
/// pub fn project_routes() -> scopegate::axum::Routes {
///     scopegate::routes![list_projects, create_project]
/// }
/// assert_eq!(project_routes().len(), 2);
/// ```
pub struct Routes<S = ()> {
    routes: Vec<DeclaredRoute<S>>,
}

impl<S> Default for Routes<S> {
    fn default() -> Self {
        Routes { routes: Vec::new() }
    }
}

impl<S> fmt::Debug for Routes<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.routes.iter().map(|r| format!("{} {} → {}", r.method, r.path, r.handler)))
            .finish()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// No routes.
    pub fn new() -> Self {
        Routes::default()
    }

    /// Adds `handler` with the declaration `D` that `#[scopegate::endpoint]` attached to it; what
    /// [`routes!`](crate::routes) expands to.
    ///
    /// # Panics
    /// When `D`'s record was not collected: `inventory` registers records before `main` on every
    /// platform it supports, so this means a platform without it (see the `inventory` crate).
    #[doc(hidden)]
    #[track_caller]
    pub fn __declared<D: Declared + 'static, H: Handler<T, S>, T: 'static>(self, handler: H) -> Self {
        let Some(endpoint) = Endpoint::declared_by(std::any::TypeId::of::<D>()) else {
            panic!(
                "scopegate: the record of `{}` was not collected (`inventory` does not run on this platform)",
                std::any::type_name::<D>()
            );
        };
        self.push(endpoint, handler)
    }

    /// Adds `handler` for an endpoint record that no `#[scopegate::endpoint]` declares: a registry
    /// built at run time with [`Registry::from_endpoints`] (generated APIs, benchmarks). The handler
    /// runs behind that record's decision like any other.
    ///
    /// # Panics
    /// When `endpoint` was declared by `#[scopegate::endpoint]`: a declaration is mounted with
    /// its own handler, by [`routes!`](crate::routes), never rebound to another one.
    #[must_use]
    #[track_caller]
    pub fn record<H: Handler<T, S>, T: 'static>(self, endpoint: &'static Endpoint, handler: H) -> Self {
        assert!(
            endpoint.carrier().is_none(),
            "scopegate: {} ({} {}) is declared with #[scopegate::endpoint]: mount it with \
             `scopegate::routes![{}]`, not `Routes::record`",
            endpoint.handler(),
            endpoint.method(),
            endpoint.path(),
            endpoint.name(),
        );
        self.push(endpoint, handler)
    }

    fn push<H: Handler<T, S>, T: 'static>(mut self, endpoint: &'static Endpoint, handler: H) -> Self {
        self.routes.push(DeclaredRoute {
            method: endpoint.method(),
            path: endpoint.path(),
            handler: endpoint.handler(),
            router: axum::routing::on(method_filter(endpoint.method()), handler),
        });
        self
    }

    /// Both sets of routes.
    #[must_use]
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.routes.extend(other.routes);
        self
    }

    /// How many handlers.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// `true` when there is none.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

type RouterLayer<S> = Box<dyn FnOnce(axum::Router<S>) -> axum::Router<S> + Send>;
type Fallback<S> = Box<dyn FnOnce(axum::Router<S>, Option<SlashRedirect>) -> axum::Router<S> + Send>;
type HandlerLayer<S> = Arc<dyn Fn(MethodRouter<S>) -> MethodRouter<S> + Send + Sync>;

/// An axum API whose routes are its declarations and whose every handler runs behind the
/// registry's decision (see the [module docs](self)).
///
/// It keeps the shape of axum's `Router` — [`routes`](Self::routes) for `route`,
/// [`layer`](Self::layer), [`route_layer`](Self::route_layer), [`fallback`](Self::fallback),
/// [`with_state`](Self::with_state) — and ends in an [`ApiService`] to serve.
///
/// # Panics
/// [`with_state`](Self::with_state) and [`into_service`](Self::into_service) panic, like axum's
/// `Router::route` on overlapping routes, when a mounted handler is not in the router's registry
/// (a registry built with another configuration, or from other endpoints) or is mounted twice: a
/// misconfigured service must not start.
pub struct ApiRouter<R, S = ()> {
    registry: &'static Registry,
    resolver: R,
    base: String,
    trailing_slash: TrailingSlash,
    routes: Vec<DeclaredRoute<S>>,
    layers: Vec<RouterLayer<S>>,
    route_layers: Vec<HandlerLayer<S>>,
    fallback: Option<Fallback<S>>,
}

impl<R, S> fmt::Debug for ApiRouter<R, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRouter")
            .field("base_path", &self.base)
            .field("trailing_slash", &self.trailing_slash)
            .field("routes", &self.routes.len())
            .field("layers", &self.layers.len())
            .field("route_layers", &self.route_layers.len())
            .finish_non_exhaustive()
    }
}

impl<R: Resolver, S: Clone + Send + Sync + 'static> ApiRouter<R, S> {
    /// An API enforcing `registry`, resolving callers with `resolver`, with no routes yet.
    pub fn new(registry: &'static Registry, resolver: R) -> Self {
        ApiRouter {
            registry,
            resolver,
            base: String::new(),
            trailing_slash: TrailingSlash::Strict,
            routes: Vec::new(),
            layers: Vec::new(),
            route_layers: Vec::new(),
            fallback: None,
        }
    }

    /// Serves every declaration under `base` (e.g. `/api/0`): a handler declared at
    /// `/organizations/{org}/` answers `/api/0/organizations/{org}/`. Declarations, dumps and the
    /// audit keep the declared paths; give the same base to OpenAPI as a server
    /// ([`OpenApiOptions::servers`](crate::dump::OpenApiOptions::servers)).
    ///
    /// # Panics
    /// When `base` does not start with `/`, ends with `/`, or holds a `{parameter}` or `*`: a base
    /// path is literal text.
    #[must_use]
    #[track_caller]
    pub fn base_path(mut self, base: &str) -> Self {
        let valid = base.starts_with('/')
            && !base.ends_with('/')
            && !base.contains(['{', '}', '*', '?', '#'])
            && !base.contains("//");
        assert!(
            valid || base.is_empty() || base == "/",
            "scopegate: base path {base:?} must be literal, start with `/` and not end with `/` (e.g. \"/api/0\")"
        );
        self.base = if base == "/" { String::new() } else { base.to_string() };
        self
    }

    /// How a path that differs from a declared one only by a trailing slash is answered
    /// (default [`TrailingSlash::Strict`]: 404, as axum answers). With
    /// [`TrailingSlash::Redirect`], `GET /api/0/organizations/acme` is answered
    /// `308 Permanent Redirect` to `/api/0/organizations/acme/` when that is declared (and
    /// mounted), query string kept.
    ///
    /// A path-rewriting layer such as tower-http's `NormalizePathLayer` cannot do this from
    /// [`layer`](Self::layer): like axum's `Router::layer`, it runs after the route was chosen. To
    /// rewrite paths before routing, wrap the finished [`ApiService`] instead
    /// (`NormalizePathLayer::trim_trailing_slash().layer(api)`), for declarations without trailing
    /// slashes.
    #[must_use]
    pub fn trailing_slash(mut self, policy: TrailingSlash) -> Self {
        self.trailing_slash = policy;
        self
    }

    /// The base path ([`base_path`](Self::base_path)); empty when there is none.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Mounts the handlers of `routes` (see [`routes!`](crate::routes)) at their declared methods
    /// and paths.
    #[must_use]
    pub fn routes(mut self, routes: Routes<S>) -> Self {
        self.routes.extend(routes.routes);
        self
    }

    /// Wraps the whole API — every route, whenever it was mounted, and the 404/405 answers — in
    /// `layer`, outside the permission check (like axum's `Router::layer`, which however misses
    /// routes added after it). For `CorsLayer`, `TraceLayer`, timeouts, compression.
    #[must_use]
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request<Body>> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Body>>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request<Body>>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send + 'static,
    {
        self.layers.push(Box::new(move |router: axum::Router<S>| router.layer(layer)));
        self
    }

    /// Wraps each handler in `layer`, inside the permission check: it runs only for allowed
    /// requests, and may read [`Authorized`] from the request's extensions.
    #[must_use]
    pub fn route_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request<Body>, Error = Infallible> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Body>>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send + 'static,
    {
        self.route_layers.push(Arc::new(move |router: MethodRouter<S>| router.route_layer(layer.clone())));
        self
    }

    /// Answers requests that no declaration's path matches with `handler` instead of the 404
    /// `endpoint_not_found` body (a custom not-found page, a single-page app's `index.html`). The
    /// fallback is not a declared endpoint: it runs without a permission check, so it must not
    /// serve anything that needs one. A declared path asked with another method still gets 405.
    #[must_use]
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.fallback =
            Some(Box::new(move |router: axum::Router<S>, redirect: Option<SlashRedirect>| match redirect {
                Some(redirect) => router
                    .fallback(handler.layer(axum::middleware::from_fn_with_state(redirect, redirect_slash))),
                None => router.fallback(handler),
            }));
        self
    }

    /// The registry's endpoints that no [`routes`](Self::routes) call mounted: declared but
    /// unreachable. A service can refuse to start while the list is not empty.
    pub fn unmounted(&self) -> Vec<&'static Endpoint> {
        self.registry
            .iter()
            .filter(|e| !self.routes.iter().any(|r| r.method == e.method() && r.path == e.path()))
            .collect()
    }

    /// Provides the handlers' state and finishes the API (see [`ApiService`]).
    ///
    /// # Panics
    /// See [`ApiRouter`].
    #[track_caller]
    pub fn with_state(self, state: S) -> ApiService {
        ApiService { router: self.build().with_state(state) }
    }

    /// The axum router of the API: each handler behind its check, grouped by path with a 405
    /// answer for undeclared methods, the 404 fallback, then the layers.
    #[track_caller]
    fn build(self) -> axum::Router<S> {
        let ApiRouter { registry, resolver, base, trailing_slash, routes, layers, route_layers, fallback } =
            self;
        let mut paths: BTreeMap<&'static str, (Methods, MethodRouter<S>)> = BTreeMap::new();
        for route in routes {
            let id = registry
                .endpoint_id(route.method, route.path)
                .filter(|&id| registry.endpoint(id).is_some_and(|e| e.handler() == route.handler));
            let (Some(id), Some(endpoint)) = (id, id.and_then(|id| registry.endpoint(id))) else {
                panic!(
                    "scopegate: {} ({} {}) is mounted, but the router's registry does not hold its declaration \
                     (build the registry with the crate's configuration: `scopegate::registry!()`)",
                    route.handler, route.method, route.path
                );
            };
            let mut handler = route.router;
            for layer in &route_layers {
                handler = layer(handler);
            }
            let handler = handler.route_layer(EnforceLayer {
                registry,
                id,
                endpoint,
                resolver: resolver.clone(),
                insufficient: Arc::new(insufficient_scope(endpoint.scopes())),
            });
            let (methods, merged) =
                paths.entry(route.path).or_insert_with(|| (Methods::EMPTY, MethodRouter::new()));
            assert!(
                !methods.contains(route.method),
                "scopegate: {} ({} {}) is mounted twice",
                route.handler,
                route.method,
                route.path
            );
            *methods = methods.with(route.method);
            *merged = std::mem::replace(merged, MethodRouter::new()).merge(handler);
        }
        let mut router = axum::Router::new();
        let mounted: std::collections::HashSet<&'static str> = paths.keys().copied().collect();
        for (path, (methods, handler)) in paths {
            let allow = if methods.contains(Method::Get) { methods.with(Method::Head) } else { methods };
            let handler = handler.fallback(move || async move {
                denial_response(&Denial::new(Reason::MethodNotAllowed { allow }, None))
            });
            router = router.route(&format!("{base}{path}"), handler);
        }
        let redirect = match trailing_slash {
            TrailingSlash::Strict => None,
            TrailingSlash::Redirect => {
                Some(SlashRedirect { registry, base: Arc::from(base.as_str()), mounted: Arc::new(mounted) })
            }
        };
        router = match (fallback, redirect) {
            (Some(fallback), redirect) => fallback(router, redirect),
            (None, Some(redirect)) => router
                .fallback(not_found.layer(axum::middleware::from_fn_with_state(redirect, redirect_slash))),
            (None, None) => router.fallback(not_found),
        };
        for layer in layers {
            router = layer(router);
        }
        router
    }
}

impl<R: Resolver> ApiRouter<R, ()> {
    /// Finishes an API whose handlers need no state (see [`ApiService`]).
    ///
    /// # Panics
    /// See [`ApiRouter`].
    #[track_caller]
    pub fn into_service(self) -> ApiService {
        self.with_state(())
    }
}

async fn not_found(request: Request<Body>) -> Response<Body> {
    // Scanners hit unknown paths all day: debug, not one warning per request.
    tracing::debug!(
        target: "scopegate",
        method = %request.method(),
        path = request.uri().path(),
        status = 404,
        reason = "endpoint_not_found",
        "request denied: no declared endpoint for the path"
    );
    denial_response(&Denial::new(Reason::EndpointNotFound, None))
}

/// A finished [`ApiRouter`]: a `tower::Service` that axum serves directly
/// (`axum::serve(listener, api)`), and that composes into a larger app as a service
/// (`Router::fallback_service(api)`, `Router::nest_service("/v1", api)`), never as a router that
/// routes could be added to:
///
/// ```compile_fail
/// # #[derive(Clone)] struct Anonymous;
/// # impl scopegate::axum::Resolver for Anonymous {
/// #     type Rejection = std::convert::Infallible;
/// #     async fn resolve(&self, _: &mut axum::http::request::Parts, _: &'static scopegate::Endpoint)
/// #         -> Result<scopegate::axum::Resolved, Self::Rejection> { Ok(scopegate::axum::Resolved::new(scopegate::Principal::Anonymous)) }
/// # }
/// let api = scopegate::axum::ApiRouter::new(scopegate::Registry::global(), Anonymous).into_service();
/// // An undeclared handler cannot be slipped in after the fact: `ApiService` has no `route`.
/// let api = api.route("/metrics", axum::routing::get(|| async { "unchecked" }));
/// ```
#[derive(Clone)]
pub struct ApiService {
    router: axum::Router,
}

impl fmt::Debug for ApiService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiService").finish_non_exhaustive()
    }
}

impl ApiService {
    /// A make-service that adds the peer's address as `ConnectInfo<C>` to each request, for
    /// `axum::serve(listener, api.into_make_service_with_connect_info::<SocketAddr>())`.
    pub fn into_make_service_with_connect_info<C>(
        self,
    ) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, C> {
        self.router.into_make_service_with_connect_info::<C>()
    }
}

impl<B> Service<Request<B>> for ApiService
where
    axum::Router: Service<Request<B>, Response = Response<Body>, Error = Infallible>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = <axum::Router as Service<Request<B>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::<Request<B>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        self.router.call(request)
    }
}

/// Implemented by no type: the bound that turns `Router::merge(api)` and `Router::from(api)` into
/// an error that names the composition that works (an [`ApiService`] is a finished service, not a
/// router to merge routes into).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an `ApiService` is composed into an axum app as a service, not merged or nested as a `Router`",
    label = "`ApiService` is not an axum `Router`",
    note = "use `Router::nest_service(\"/api\", api)` to serve it under a prefix, or `Router::fallback_service(api)` to serve it beside the app's own routes: it keeps its 404/405 answers, and every declared route stays behind its check"
)]
pub trait ComposedAsService {}

/// The type `ComposedAsService` is asked of (generic, so that the bound is not trivially false).
#[doc(hidden)]
#[derive(Debug)]
pub struct IntoRouter<S>(std::marker::PhantomData<S>);

/// Never usable (its bound holds for no `S`): it exists so that `Router::merge(api)` fails with
/// the note of [`ComposedAsService`] instead of a bare "`From<ApiService>` is not implemented".
impl<S: Clone + Send + Sync + 'static> From<ApiService> for axum::Router<S>
where
    IntoRouter<S>: ComposedAsService,
{
    fn from(_api: ApiService) -> Self {
        unreachable!("`IntoRouter<S>: ComposedAsService` holds for no `S`")
    }
}

/// What `axum::serve(listener, api)` needs: a service per connection.
impl<L: axum::serve::Listener> Service<axum::serve::IncomingStream<'_, L>> for ApiService {
    type Response = ApiService;
    type Error = Infallible;
    type Future = std::future::Ready<Result<ApiService, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _connection: axum::serve::IncomingStream<'_, L>) -> Self::Future {
        std::future::ready(Ok(self.clone()))
    }
}

/// Puts one handler behind the decision for its endpoint.
#[derive(Clone)]
struct EnforceLayer<R> {
    registry: &'static Registry,
    id: EndpointId,
    endpoint: &'static Endpoint,
    resolver: R,
    /// [`insufficient_scope`] of the endpoint's accepted scopes, built once per mounted route: a
    /// bearer token's 403 then clones a header instead of formatting one.
    insufficient: Arc<HeaderValue>,
}

impl<Inner, R: Clone> Layer<Inner> for EnforceLayer<R> {
    type Service = Enforce<Inner, R>;

    fn layer(&self, inner: Inner) -> Self::Service {
        Enforce { inner, check: self.clone() }
    }
}

/// The service [`EnforceLayer`] wraps a handler in.
#[derive(Clone)]
struct Enforce<Inner, R> {
    inner: Inner,
    check: EnforceLayer<R>,
}

impl<Inner, R> Service<Request<Body>> for Enforce<Inner, R>
where
    Inner: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + Send + 'static,
    Inner::Future: Send + 'static,
    R: Resolver,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // Take the service that was polled ready; leave a fresh clone in its place.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let EnforceLayer { registry, id, endpoint, ref resolver, ref insufficient } = self.check;
        let resolver = resolver.clone();
        let insufficient = Arc::clone(insufficient);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let resolved = match resolver.resolve(&mut parts, endpoint).await {
                Ok(r) => r,
                Err(rejection) => return Ok(rejection.into_response()),
            };
            // The router chose this handler: decide for its endpoint (a HEAD request served by a
            // GET handler is decided as the GET it runs).
            let decision = {
                let membership = resolved.membership.as_ref().map(OwnedMembership::as_membership);
                let request = AccessRequest {
                    method: endpoint.method(),
                    path: parts.uri.path(),
                    principal: &resolved.principal,
                    membership: membership.as_ref(),
                    organization: resolved.organization.as_deref(),
                };
                registry.authorize_endpoint(id, &request)
            };
            match decision {
                Decision::Allow(_) => {
                    let Resolved { principal, membership, organization } = resolved;
                    parts.extensions.insert(Authorized {
                        endpoint,
                        principal,
                        membership,
                        organization,
                        registry,
                    });
                    inner.oneshot(Request::from_parts(parts, body)).await
                }
                Decision::Deny(denial) => {
                    let mut response = denial_response(&denial);
                    let challenge = match denial.reason {
                        Reason::NoCredentials => Some(resolver.challenge()),
                        Reason::MissingScope { accepted } if bearer_token(&parts.headers).is_some() => {
                            Some(if accepted == endpoint.scopes() {
                                HeaderValue::clone(&insufficient)
                            } else {
                                insufficient_scope(accepted)
                            })
                        }
                        _ => None,
                    };
                    if let Some(challenge) = challenge {
                        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
                    }
                    Ok(response)
                }
            }
        })
    }
}

/// How [`ApiRouter`] answers a path that differs from a declared one only by a trailing slash
/// (see [`ApiRouter::trailing_slash`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrailingSlash {
    /// 404 `endpoint_not_found` (or the [fallback](ApiRouter::fallback)), as axum answers: a path
    /// is served only in its declared form.
    #[default]
    Strict,
    /// `308 Permanent Redirect` to the declared form (a 308 keeps the method and the body), with
    /// the query string; paths that match no mounted declaration either way are answered as with
    /// `Strict`.
    Redirect,
}

/// What [`TrailingSlash::Redirect`] adds to the fallback: a request no route matched is redirected
/// when its path, with the trailing slash added or removed, is a mounted declaration's.
#[derive(Clone)]
struct SlashRedirect {
    registry: &'static Registry,
    base: Arc<str>,
    mounted: Arc<std::collections::HashSet<&'static str>>,
}

impl SlashRedirect {
    /// Where to redirect `request`, if anywhere: a path the client can follow, so under an outer
    /// router's `nest_service` prefix (which axum strips before the API sees the request, and
    /// keeps in `OriginalUri`) the prefix is put back.
    fn location(&self, request: &Request<Body>) -> Option<String> {
        let uri = request.uri();
        let rest = uri.path().strip_prefix(&*self.base)?;
        // `//host/…` would be a protocol-relative Location; no declaration has empty segments.
        if !rest.starts_with('/') || rest.starts_with("//") || rest.contains('\\') {
            return None;
        }
        let other = match rest.strip_suffix('/') {
            Some("") => return None,
            Some(without) => without.to_string(),
            None => format!("{rest}/"),
        };
        let template = self.registry.template_at(&other)?;
        if !self.mounted.contains(template) {
            return None;
        }
        let original = request.extensions().get::<axum::extract::OriginalUri>().map(|o| o.0.path());
        let prefix = match original {
            Some(original) => original.strip_suffix(uri.path())?,
            None => "",
        };
        if prefix.starts_with("//") {
            return None;
        }
        let query = uri.query().map_or_else(String::new, |q| format!("?{q}"));
        Some(format!("{prefix}{}{other}{query}", self.base))
    }
}

/// The fallback middleware of [`TrailingSlash::Redirect`] (`axum::middleware::from_fn_with_state`).
async fn redirect_slash(
    axum::extract::State(redirect): axum::extract::State<SlashRedirect>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> Response<Body> {
    match redirect.location(&request).and_then(|l| HeaderValue::from_str(&l).ok()) {
        Some(location) => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        None => next.run(request).await,
    }
}
