//! Enforcement for [axum] 0.8 (feature `axum`): one line puts every route behind the registry.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use scopegate::axum::{Resolved, Resolver};
//! use scopegate::{Endpoint, Principal};
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
//! let app = Router::new().route("/health/", get(health));
//! let app = scopegate::axum::enforce(app, scopegate::Registry::global(), Anonymous);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! How a request flows through [`EnforceLayer`]:
//! 1. the route axum matched ([`MatchedPath`]) and the method must be a registered endpoint with
//!    exactly that path template, otherwise the answer is 404 `endpoint_not_found` — a route mounted
//!    without `#[scopegate::endpoint]` is unreachable, and so is any unmatched path;
//! 2. the service's [`Resolver`] turns the request into a [`Principal`], the caller's [`Membership`]
//!    in the target organization and that organization's [`OrganizationState`] (or rejects it, e.g.
//!    401 for an invalid token);
//! 3. [`Registry::authorize`] decides; a denial is answered with its status and JSON body;
//! 4. an allowed request reaches the handler with an [`Authorized`] extension, which handlers can
//!    extract to see who is calling. Extracting [`Authorized`] without the layer fails with 500, so a
//!    handler that relies on it can never run unchecked.
//!
//! Apply the layer to the outermost router (after every `route`/`nest`), so that the request URI and
//! the matched path agree. [`verify_routes`] checks, in a test or at startup, that every registered
//! endpoint is routed and enforced.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::{HeaderValue, Request, Response, StatusCode, header, request::Parts};
use axum::response::IntoResponse;
use tower::{Layer, Service, ServiceExt};

use crate::decision::{AccessRequest, Decision, Denial, Reason};
use crate::engine::EndpointId;
use crate::gates::OrganizationState;
use crate::principal::{Membership, OrganizationId, Principal, TeamId};
use crate::record::{Endpoint, Method};
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
    pub fn with_membership(mut self, membership: OwnedMembership) -> Resolved {
        self.membership = Some(membership);
        self
    }

    /// The same, with the target organization's state.
    pub fn with_organization(mut self, organization: Arc<OrganizationState>) -> Resolved {
        self.organization = Some(organization);
        self
    }
}

/// Turns a request into the facts the engine decides on. Implemented by the service, usually over
/// its database (token lookup, membership, organization settings).
///
/// The resolver runs only for requests that reached a registered endpoint, so unknown paths never
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
}

/// The facts of an allowed request, inserted into its extensions for the handler.
///
/// ```
/// async fn handler(auth: scopegate::axum::Authorized) -> String {
///     format!("{} called {}", auth.principal.kind(), auth.endpoint.handler())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Authorized {
    /// The endpoint the request was allowed to.
    pub endpoint: &'static Endpoint,
    /// Who is calling.
    pub principal: Principal,
    /// The caller's membership in the target organization.
    pub membership: Option<OwnedMembership>,
    /// The target organization's state.
    pub organization: Option<Arc<OrganizationState>>,
}

impl<S: Send + Sync> FromRequestParts<S> for Authorized {
    type Rejection = Response<Body>;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authorized>().cloned().ok_or_else(|| {
            tracing::error!("handler extracted scopegate::axum::Authorized, but the enforcement layer is not installed");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"status":500,"error":"enforcement_missing","detail":"The permission layer is not installed."}"#
                    .to_string(),
            )
        })
    }
}

fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The HTTP response for a denial: its status and JSON body.
pub fn denial_response(denial: &Denial) -> Response<Body> {
    let status = StatusCode::from_u16(denial.status).unwrap_or(StatusCode::FORBIDDEN);
    json_response(status, denial.to_json())
}

/// Puts every route of `router` behind `registry` (see the module docs).
pub fn enforce<S, R>(router: Router<S>, registry: &'static Registry, resolver: R) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    R: Resolver,
{
    router.layer(EnforceLayer::new(registry, resolver))
}

/// Route template → the endpoint of each method (by [`Method::index`]), hashed with FxHash: the
/// keys are the service's own templates, not attacker-chosen.
type Routes = HashMap<&'static str, [Option<EndpointId>; 7], rustc_hash::FxBuildHasher>;

/// The [`tower::Layer`] that enforces a registry; see [`enforce`].
pub struct EnforceLayer<R> {
    registry: &'static Registry,
    routes: Arc<Routes>,
    resolver: R,
}

impl<R: Clone> Clone for EnforceLayer<R> {
    fn clone(&self) -> Self {
        EnforceLayer {
            registry: self.registry,
            routes: Arc::clone(&self.routes),
            resolver: self.resolver.clone(),
        }
    }
}

impl<R> fmt::Debug for EnforceLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnforceLayer").field("endpoints", &self.routes.len()).finish_non_exhaustive()
    }
}

impl<R: Resolver> EnforceLayer<R> {
    /// A layer enforcing `registry`, resolving principals with `resolver`.
    pub fn new(registry: &'static Registry, resolver: R) -> Self {
        let mut routes = Routes::default();
        for e in registry.iter() {
            if let Some(id) = registry.endpoint_id(e.method(), e.path()) {
                routes.entry(e.path()).or_insert([None; 7])[e.method().index()] = Some(id);
            }
        }
        EnforceLayer { registry, routes: Arc::new(routes), resolver }
    }
}

impl<S, R: Clone> Layer<S> for EnforceLayer<R> {
    type Service = Enforce<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        Enforce {
            inner,
            registry: self.registry,
            routes: Arc::clone(&self.routes),
            resolver: self.resolver.clone(),
        }
    }
}

/// The service [`EnforceLayer`] wraps each route in.
pub struct Enforce<S, R> {
    inner: S,
    registry: &'static Registry,
    routes: Arc<Routes>,
    resolver: R,
}

impl<S: Clone, R: Clone> Clone for Enforce<S, R> {
    fn clone(&self) -> Self {
        Enforce {
            inner: self.inner.clone(),
            registry: self.registry,
            routes: Arc::clone(&self.routes),
            resolver: self.resolver.clone(),
        }
    }
}

impl<S, R> fmt::Debug for Enforce<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enforce").field("endpoints", &self.routes.len()).finish_non_exhaustive()
    }
}

/// Marks an in-process probe request sent by [`verify_routes`]; it never reaches a handler.
#[derive(Clone, Copy, Debug)]
struct Probe;

const PROBE_HEADER: &str = "x-scopegate-probe";

fn not_found(endpoint: Option<&'static Endpoint>) -> Response<Body> {
    denial_response(&Denial::new(Reason::EndpointNotFound, endpoint))
}

impl<S, R> Enforce<S, R> {
    /// The registered endpoint of the route axum matched, if any.
    fn endpoint(&self, parts: &Parts) -> Option<(EndpointId, &'static Endpoint)> {
        let method = Method::parse(parts.method.as_str())?;
        let template = parts.extensions.get::<MatchedPath>()?.as_str();
        let id = (*self.routes.get(template)?)[method.index()]?;
        Some((id, self.registry.endpoint(id)?))
    }
}

impl<S, R> Service<Request<Body>> for Enforce<S, R>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
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
        let registry = self.registry;
        let resolver = self.resolver.clone();
        let (mut parts, body) = request.into_parts();
        let routed = self.endpoint(&parts);

        if parts.extensions.get::<Probe>().is_some() {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            let value = routed.map_or("unregistered", |(_, e)| e.handler());
            if let Ok(v) = HeaderValue::from_str(value) {
                response.headers_mut().insert(PROBE_HEADER, v);
            }
            return Box::pin(async move { Ok(response) });
        }

        Box::pin(async move {
            let Some((id, endpoint)) = routed else {
                let matched = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned());
                tracing::warn!(
                    target: "scopegate",
                    method = %parts.method,
                    path = parts.uri.path(),
                    matched = matched.as_deref(),
                    "request denied: no registered endpoint for the route"
                );
                return Ok(not_found(None));
            };
            let resolved = match resolver.resolve(&mut parts, endpoint).await {
                Ok(r) => r,
                Err(rejection) => return Ok(rejection.into_response()),
            };
            // axum already routed the request: decide for the endpoint whose handler will run.
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
                    parts.extensions.insert(Authorized { endpoint, principal, membership, organization });
                    inner.oneshot(Request::from_parts(parts, body)).await
                }
                Decision::Deny(denial) => Ok(denial_response(&denial)),
            }
        })
    }
}

/// A registered endpoint that the router does not serve as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteProblem {
    /// No route serves the endpoint's method and path (or the route is not registered under it).
    NotRouted {
        /// The endpoint.
        handler: &'static str,
        /// `METHOD path` as declared.
        route: String,
    },
    /// The route exists but no [`EnforceLayer`] answered: the handler would run unchecked.
    NotEnforced {
        /// The endpoint.
        handler: &'static str,
        /// `METHOD path` as declared.
        route: String,
    },
    /// The path reaches a route registered to another endpoint.
    RoutedElsewhere {
        /// The endpoint.
        handler: &'static str,
        /// The endpoint the router reached instead.
        reached: String,
    },
}

impl fmt::Display for RouteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteProblem::NotRouted { handler, route } => {
                write!(f, "{handler}: `{route}` is registered but no route serves it")
            }
            RouteProblem::NotEnforced { handler, route } => {
                write!(f, "{handler}: `{route}` is routed without the scopegate enforcement layer")
            }
            RouteProblem::RoutedElsewhere { handler, reached } => {
                write!(f, "{handler}: its path reaches the route of {reached}")
            }
        }
    }
}

/// A concrete path that matches `template`: each `{param}` becomes `p`, `{*rest}` becomes `p`.
fn probe_path(template: &str) -> String {
    template
        .split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "p" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks that every endpoint of `registry` is served by `router` under its declared method and
/// path, behind the enforcement layer. Sends in-process probe requests (marked with a request
/// extension, which no network client can set) that the layer answers itself: no resolver is called
/// and, when the layer is installed, no handler runs. Meant for a service's tests: without the layer
/// a probe does reach the handler, which is exactly what the check reports.
///
/// Unregistered routes need no check here: the layer refuses them on every request.
pub async fn verify_routes(router: &Router, registry: &Registry) -> Result<(), Vec<RouteProblem>> {
    let mut problems = Vec::new();
    for endpoint in registry.iter() {
        let route = format!("{} {}", endpoint.method(), endpoint.path());
        let mut request = match Request::builder()
            .method(endpoint.method().as_str())
            .uri(probe_path(endpoint.path()))
            .body(Body::empty())
        {
            Ok(r) => r,
            Err(_) => {
                problems.push(RouteProblem::NotRouted { handler: endpoint.handler(), route });
                continue;
            }
        };
        request.extensions_mut().insert(Probe);
        let Ok(response) = router.clone().oneshot(request).await;
        match response.headers().get(PROBE_HEADER).and_then(|v| v.to_str().ok()) {
            None if response.status() == StatusCode::NOT_FOUND => {
                problems.push(RouteProblem::NotRouted { handler: endpoint.handler(), route })
            }
            None => problems.push(RouteProblem::NotEnforced { handler: endpoint.handler(), route }),
            Some(reached) if reached == endpoint.handler() => {}
            Some("unregistered") => {
                problems.push(RouteProblem::NotRouted { handler: endpoint.handler(), route })
            }
            Some(reached) => problems.push(RouteProblem::RoutedElsewhere {
                handler: endpoint.handler(),
                reached: reached.to_string(),
            }),
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}
