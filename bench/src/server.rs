//! The axum application the overhead and load benchmarks drive: one trivial handler mounted at every
//! endpoint's method and path, served as is or behind scopegate's enforcement layer with an
//! in-memory resolver (a token → principal map), so that the layer is measured and not a database.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use scopegate::axum::{ApiRouter, ApiService, OwnedMembership, Resolved, Resolver, Routes, method_filter};
use scopegate::{Endpoint, Method, Registry};

use crate::scenario::Scenario;

/// The bearer token the benchmark client sends.
pub const TOKEN: &str = "sgu_benchmark_token";

/// The handler behind every route.
pub async fn ok() -> &'static str {
    "ok"
}

/// The router without enforcement: [`ok`] at every endpoint's method and path.
pub fn plain_router(endpoints: &[&'static Endpoint]) -> Router {
    endpoints
        .iter()
        .fold(Router::new(), |router, e| router.route(e.path(), on(method_filter(e.method()), ok)))
}

/// The same router with an empty `axum::middleware::from_fn` layer: the floor of any axum
/// middleware (a boxed future and a `Next` per request), to compare enforcement with.
pub fn from_fn_router(endpoints: &[&'static Endpoint]) -> Router {
    plain_router(endpoints).layer(axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| next.run(request),
    ))
}

/// The same handler at every endpoint, served by scopegate's `ApiRouter` (each handler behind the
/// decision for its endpoint), resolving principals with `resolver`.
pub fn enforced_router<R: Resolver>(
    endpoints: &[&'static Endpoint],
    registry: &'static Registry,
    resolver: R,
) -> ApiService {
    let routes = endpoints.iter().fold(Routes::new(), |routes, e| routes.record(e, ok));
    ApiRouter::new(registry, resolver).routes(routes).into_service()
}

/// A handler declared with `#[scopegate::endpoint]`: its body takes the `Checked` proof, which
/// the [`declared_router`] grants after the decision. [`twin_router`] serves the same endpoint as a
/// record built at run time with [`ok`] (no proof): the two measure what the proof costs.
#[scopegate::endpoint(
    method = GET,
    path = "/bench/declared/{organization_id_or_slug}/",
    unauthenticated = "Benchmark: the cost of the proof a declared handler takes."
)]
pub async fn declared() -> &'static str {
    "ok"
}

/// The path [`declared_router`] and [`twin_router`] serve.
pub const DECLARED_PATH: &str = "/bench/declared/acme/";

/// [`declared`] mounted through `routes!`, behind its decision, resolving with `resolver`.
pub fn declared_router<R: Resolver>(resolver: R) -> ApiService {
    ApiRouter::new(Registry::global(), resolver).routes(scopegate::routes![declared]).into_service()
}

/// The same endpoint as a record built at run time, with [`ok`] (a plain handler, no proof).
pub fn twin_router<R: Resolver>(resolver: R) -> ApiService {
    let declared = Registry::global().lookup(Method::Get, DECLARED_PATH).expect("the declared endpoint");
    let twin: &'static Endpoint = Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
        handler: "twin",
        method: declared.method(),
        path: declared.path(),
        access: scopegate::Access::Unauthenticated("twin"),
        readonly: &[],
        readonly_exception: None,
        owner: "unowned",
        publish: scopegate::Publish::Private,
        gate: None,
        gate_exempt: None,
        planned: None,
        sunset: None,
        source: scopegate::Source { file: file!(), line: line!() },
    })));
    ApiRouter::new(crate::endpoints::leak_registry(&[twin]), resolver)
        .routes(Routes::new().record(twin, ok))
        .into_service()
}

/// Any of the routers above behind one type, for the load and profile runs that serve either.
pub type App = tower::util::BoxCloneSyncService<axum::extract::Request, Response, std::convert::Infallible>;

/// `service` as an [`App`].
pub fn boxed<S>(service: S) -> App
where
    S: tower::Service<axum::extract::Request, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    App::new(service)
}

/// A [`Resolver`] over an in-memory map from bearer token to what the token resolves to; requests
/// without an `Authorization` header are anonymous, unknown tokens are rejected with 401.
#[derive(Clone, Debug, Default)]
pub struct MemoryResolver {
    tokens: Arc<HashMap<String, Resolved>>,
}

impl MemoryResolver {
    /// A resolver knowing `tokens`.
    pub fn new(tokens: HashMap<String, Resolved>) -> MemoryResolver {
        MemoryResolver { tokens: Arc::new(tokens) }
    }

    /// A resolver knowing [`TOKEN`] as the scenario's caller (user token, member, organization).
    pub fn for_scenario(scenario: &Scenario) -> MemoryResolver {
        let resolved = Resolved::new(scenario.principal)
            .with_membership(OwnedMembership {
                organization: scenario.membership.organization,
                role_scopes: scenario.membership.role_scopes,
                teams: Arc::from(scenario.membership.teams),
            })
            .with_organization(Arc::new(scenario.organization.clone()));
        MemoryResolver::new(HashMap::from([(TOKEN.to_string(), resolved)]))
    }
}

/// A [`Resolver`] that answers every request with the same caller, reading nothing: what is left
/// of a request's cost is scopegate's own (mounting, the decision, the `Authorized` extension),
/// without a service's credential lookup.
#[derive(Clone, Debug)]
pub struct FixedResolver(Resolved);

impl FixedResolver {
    /// The scenario's caller (user token, member, organization) for every request.
    pub fn for_scenario(scenario: &Scenario) -> FixedResolver {
        let tokens = MemoryResolver::for_scenario(scenario).tokens;
        FixedResolver(
            tokens.get(TOKEN).cloned().unwrap_or_else(|| Resolved::new(scopegate::Principal::Anonymous)),
        )
    }
}

impl Resolver for FixedResolver {
    type Rejection = InvalidToken;

    async fn resolve(
        &self,
        _parts: &mut Parts,
        _endpoint: &'static Endpoint,
    ) -> Result<Resolved, InvalidToken> {
        Ok(self.0.clone())
    }
}

/// The rejection of an unknown token.
#[derive(Debug)]
pub struct InvalidToken;

impl IntoResponse for InvalidToken {
    fn into_response(self) -> Response {
        (StatusCode::UNAUTHORIZED, "invalid token").into_response()
    }
}

impl Resolver for MemoryResolver {
    type Rejection = InvalidToken;

    async fn resolve(
        &self,
        parts: &mut Parts,
        _endpoint: &'static Endpoint,
    ) -> Result<Resolved, InvalidToken> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Resolved::new(scopegate::Principal::Anonymous));
        };
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or(InvalidToken)?;
        self.tokens.get(token).cloned().ok_or(InvalidToken)
    }
}

/// A request as the client sends it: `method path` with the bearer token.
///
/// # Errors
/// When `path` is not a valid URI.
pub fn request(method: Method, path: &str) -> Result<Request<axum::body::Body>, axum::http::Error> {
    Request::builder()
        .method(method.as_str())
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(axum::body::Body::empty())
}
