//! The declaration is the route: `ApiRouter` composed the ways an axum service is composed, each
//! case proven over real HTTP on 127.0.0.1 (a composition matrix).
//!
//! | composition | test |
//! |---|---|
//! | declared routes decide like the engine (200/401/403/404 gate) | `decisions_follow_the_engine` |
//! | `HEAD` on a `GET` endpoint: decided as `GET`, no body | `head_is_served_and_decided_as_get` |
//! | undeclared method on a declared path: 405 + `Allow` | `undeclared_method_is_405_with_allow` |
//! | unknown path: 404 `endpoint_not_found` | `unknown_paths_are_404` |
//! | base path given once | `base_path_prefixes_every_declaration` |
//! | `with_state` | `with_state_reaches_handlers` |
//! | `CorsLayer` (preflight and simple request) | `cors_preflight_composes` |
//! | `TraceLayer` sees every request, 404/405 included | `trace_layer_wraps_everything` |
//! | `fallback` | `fallback_answers_unknown_paths_only` |
//! | `nest_service` / `fallback_service` into a larger app | `nesting_and_outside_routes` |
//! | `merge` of several modules' routes | `routes_of_several_modules_merge` |
//! | `route_layer` runs only for allowed requests | `route_layer_runs_inside_the_check` |
//! | a layer added before routes still wraps them | `layer_order_cannot_leave_a_route_out` |
//! | resolver rejection; object-level `has_scope` | `rejections_and_object_level_checks` |
//! | a declared handler's body mounted by hand (plain router, fallback, another record) never runs | `a_declared_body_mounted_by_hand_never_runs` |
//! | a local function or closure named like a declared handler is not what `routes!` mounts | `shadowing_names_cannot_swap_the_body` |
//! | `Routes::record` cannot rebind a declaration | `a_declaration_cannot_be_rebound_by_record` |
//! | 401 `WWW-Authenticate`, 403 `insufficient_scope`, `no_membership` | `denials_speak_http_auth` |
//! | trailing slash: strict (404) by default, or 308 to the declared form | `trailing_slash_policy` |
//! | an outer route shadowing a declared path is found by the whole-app check | `the_whole_app_check_finds_shadowing_routes` |
//! | a request relying on a read-only exception with a sunset: `Deprecation` + `Sunset` | `relying_on_a_sunset_exception_is_announced` |

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method as HttpMethod, StatusCode};
use axum::routing::get;
use scopegate::axum::{
    ApiRouter, ApiService, Authorized, OwnedMembership, Resolved, Resolver, Routes, TrailingSlash,
    bearer_token, invalid_credentials, path_param,
};
use scopegate::{
    Config, Endpoint, InMemoryGates, OrganizationId, OrganizationState, Principal, Registry, UserId,
};

mod orgs {
    use scopegate::axum::Authorized;

    #[scopegate::endpoint(method = GET, path = "/orgs/{org}/", scopes = ["org:read"])]
    pub(crate) async fn org_details(auth: Authorized) -> String {
        format!(
            "{} via {} (admin: {})",
            auth.principal.kind(),
            auth.endpoint().name(),
            auth.has_scope("org:admin")
        )
    }

    #[scopegate::endpoint(method = PUT, path = "/orgs/{org}/", scopes = ["org:write", "org:admin"])]
    pub(crate) async fn update_org() -> &'static str {
        "updated"
    }

    pub(crate) fn routes() -> scopegate::axum::Routes<super::AppState> {
        scopegate::routes![org_details, update_org]
    }
}

/// A read-only exception with a plan and a sunset: requests relying on it carry `Deprecation`
/// and `Sunset`.
mod dashboards {
    #[scopegate::endpoint(
        method = POST,
        path = "/orgs/{org}/dashboards/",
        scopes = ["org:read", "org:write"],
        readonly_exception = "Members may create dashboards without org:write.",
        sunset = "2027-01-31"
    )]
    pub(crate) async fn create_dashboard() -> &'static str {
        "created"
    }

    pub(crate) fn routes() -> scopegate::axum::Routes<super::AppState> {
        scopegate::routes![create_dashboard]
    }
}

mod projects {
    #[scopegate::endpoint(method = POST, path = "/orgs/{org}/projects/", scopes = ["project:write"])]
    pub(crate) async fn create_project() -> &'static str {
        "created"
    }

    pub(crate) fn routes() -> scopegate::axum::Routes<super::AppState> {
        scopegate::routes![create_project]
    }
}

#[scopegate::endpoint(method = GET, path = "/orgs/{org}/replays/", scopes = ["event:read"], gate = replay)]
async fn list_replays() -> &'static str {
    "replays"
}

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "load balancer probe")]
async fn health(State(state): State<AppState>) -> String {
    format!("ok {}", state.greeting)
}

// Declared but never mounted: rustc's dead-code warning points at it, as it should.
#[allow(dead_code)]
#[scopegate::endpoint(method = GET, path = "/orgs/{org}/unmounted/", scopes = ["org:read"])]
async fn never_mounted() -> &'static str {
    "never mounted"
}

/// Handlers whose names other modules shadow (see `shadowing_names_cannot_swap_the_body`).
mod declared {
    #[scopegate::endpoint(method = GET, path = "/shadow/list/", unauthenticated = "test")]
    pub(crate) async fn list() -> &'static str {
        "declared"
    }

    /// Counts the runs of [`by_hand`]'s body, which only `a_declared_body_mounted_by_hand_never_runs`
    /// mounts.
    pub(crate) static BY_HAND_RAN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[scopegate::endpoint(method = GET, path = "/by-hand/", unauthenticated = "test")]
    pub(crate) async fn by_hand() -> &'static str {
        BY_HAND_RAN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        "ran"
    }
}

/// A glob import of the declaration beside a local function of the same name.
mod glob_and_local {
    #[allow(unused_imports)]
    use super::declared::*;

    #[allow(dead_code)]
    async fn list() -> &'static str {
        "undeclared local function"
    }

    pub(crate) fn routes() -> scopegate::axum::Routes<super::AppState> {
        scopegate::routes![list]
    }
}

/// The declaration imported, then a closure bound to its name.
fn closure_routes() -> Routes<AppState> {
    use declared::list;
    #[allow(unused_variables)]
    let list = || async { "undeclared closure" };
    scopegate::routes![list]
}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

const ACME: OrganizationId = OrganizationId(1);

/// The ~20 lines a bearer-token service writes: `Bearer <user-id>:<scope,scope>` is a user token
/// of a member of `acme` whose role holds every scope; organization state comes from a
/// `GateSource`.
#[derive(Clone)]
struct TokenResolver {
    gates: Arc<InMemoryGates>,
}

impl Resolver for TokenResolver {
    type Rejection = axum::response::Response;

    async fn resolve(
        &self,
        parts: &mut Parts,
        _endpoint: &'static Endpoint,
    ) -> Result<Resolved, Self::Rejection> {
        let registry = Registry::global();
        let org = match path_param(parts, "org").await.as_deref() {
            Some("acme") => Some(ACME),
            _ => None,
        };
        let Some(token) = bearer_token(&parts.headers) else {
            return Ok(Resolved::new(Principal::Anonymous));
        };
        let (user, scopes) = token.split_once(':').ok_or_else(invalid_credentials)?;
        let user: u64 = user.parse().map_err(|_| invalid_credentials())?;
        let resolved =
            Resolved::new(Principal::user_token(UserId::from(user), registry.scope_set(scopes.split(','))));
        let Some(org) = org else { return Ok(resolved) };
        let role_scopes = registry.all_scopes();
        Ok(resolved
            .with_membership(OwnedMembership { organization: org, role_scopes, teams: Arc::from([]) })
            .with_organization_from(&*self.gates, org))
    }

    fn challenge(&self) -> HeaderValue {
        HeaderValue::from_static(r#"Bearer realm="axum-tests""#)
    }
}

fn resolver(replay_on: bool) -> TokenResolver {
    let gates = InMemoryGates::new();
    gates.set(
        OrganizationState::builder(Config::sentry(), ACME)
            .feature("organizations:session-replay", replay_on)
            .build(),
    );
    TokenResolver { gates: Arc::new(gates) }
}

fn api(replay_on: bool) -> ApiRouter<TokenResolver, AppState> {
    ApiRouter::new(Registry::global(), resolver(replay_on))
        .routes(orgs::routes())
        .routes(projects::routes())
        .routes(dashboards::routes())
        .routes(scopegate::routes![list_replays, health])
}

const STATE: AppState = AppState { greeting: "from state" };

/// Serves `service` on an ephemeral loopback port.
async fn serve<S>(service: S) -> Client
where
    S: tower::Service<
            axum::http::Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let make = tower::service_fn(move |_: axum::serve::IncomingStream<'_, tokio::net::TcpListener>| {
        std::future::ready(Ok::<_, std::convert::Infallible>(service.clone()))
    });
    tokio::spawn(async move { axum::serve(listener, make).await });
    Client { addr, http: reqwest::Client::new() }
}

/// Serves an [`ApiService`] exactly as a service would: `axum::serve(listener, api)`.
async fn serve_api(api: ApiService) -> Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, api).await });
    Client { addr, http: reqwest::Client::new() }
}

struct Client {
    addr: SocketAddr,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn error(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body).map_or_else(
            |_| format!("<not json: {}>", self.body),
            |v| v["error"].as_str().unwrap_or("").to_string(),
        )
    }
}

impl Client {
    async fn send(&self, method: &str, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, format!("http://{}{path}", self.addr));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        Answer { status, headers, body }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send("GET", path, token, &[]).await
    }
}

#[tokio::test]
async fn decisions_follow_the_engine() {
    let client = serve_api(api(true).with_state(STATE)).await;
    let ok = client.get("/health/", None).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "ok from state"));

    assert_eq!(client.get("/orgs/acme/", None).await.error(), "no_credentials");
    let denied = client.get("/orgs/acme/", Some("5:project:read")).await;
    assert_eq!((denied.status, denied.error()), (403, "missing_scope".into()));
    assert!(denied.body.contains("org:read"), "{}", denied.body);

    let allowed = client.get("/orgs/acme/", Some("5:org:write")).await;
    assert_eq!((allowed.status, allowed.body.as_str()), (200, "user_token via org_details (admin: false)"));
    assert_eq!(client.send("POST", "/orgs/acme/projects/", Some("5:project:admin"), &[]).await.status, 200);
    assert_eq!(client.get("/orgs/acme/replays/", Some("5:event:read")).await.status, 200);

    let off = serve_api(api(false).with_state(STATE)).await;
    let gated = off.get("/orgs/acme/replays/", Some("5:event:read")).await;
    assert_eq!((gated.status, gated.error()), (404, "feature_disabled".into()));
}

#[tokio::test]
async fn head_is_served_and_decided_as_get() {
    let client = serve_api(api(true).with_state(STATE)).await;
    let head = client.send("HEAD", "/orgs/acme/", Some("5:org:read"), &[]).await;
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    let anonymous = client.send("HEAD", "/orgs/acme/", None, &[]).await;
    assert_eq!(anonymous.status, 401);
    // Decided as GET: a token that GET refuses is refused for HEAD too.
    assert_eq!(client.send("HEAD", "/orgs/acme/", Some("5:project:read"), &[]).await.status, 403);
}

#[tokio::test]
async fn undeclared_method_is_405_with_allow() {
    let client = serve_api(api(true).with_state(STATE)).await;
    // Even a caller holding every scope: the method is not declared on the path.
    let answer = client.send("PATCH", "/orgs/acme/", Some("5:org:admin"), &[]).await;
    assert_eq!((answer.status, answer.error()), (405, "method_not_allowed".into()));
    assert_eq!(answer.header("allow"), Some("GET, HEAD, PUT"));
    let body: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    assert_eq!(body["allow"], serde_json::json!(["GET", "HEAD", "PUT"]));
    let post_only = client.send("DELETE", "/orgs/acme/projects/", None, &[]).await;
    assert_eq!((post_only.status, post_only.header("allow")), (405, Some("POST")));
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let client = serve_api(api(true).with_state(STATE)).await;
    for path in ["/nowhere/", "/orgs/acme/secret/", "/orgs/acme", "/"] {
        let answer = client.get(path, Some("5:org:admin")).await;
        assert_eq!((answer.status, answer.error()), (404, "endpoint_not_found".into()), "{path}");
    }
    // Declared, but never mounted: unreachable, and the router says so.
    let answer = client.get("/orgs/acme/unmounted/", Some("5:org:admin")).await;
    assert_eq!(answer.status, 404);
    let unmounted: Vec<&str> = api(true).unmounted().iter().map(|e| e.name()).collect();
    assert_eq!(unmounted, ["by_hand", "never_mounted", "list"], "mounted by other tests' routers");
}

#[tokio::test]
async fn base_path_prefixes_every_declaration() {
    let client = serve_api(api(true).base_path("/api/0").with_state(STATE)).await;
    assert_eq!(client.get("/api/0/orgs/acme/", Some("5:org:read")).await.status, 200);
    assert_eq!(client.get("/api/0/health/", None).await.status, 200);
    assert_eq!(client.get("/orgs/acme/", Some("5:org:read")).await.status, 404);
    let answer = client.send("PATCH", "/api/0/orgs/acme/", None, &[]).await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("GET, HEAD, PUT")));
}

#[test]
#[should_panic(expected = "must be literal")]
fn base_path_must_be_literal() {
    let _ = api(true).base_path("/api/{version}");
}

#[tokio::test]
async fn with_state_reaches_handlers() {
    let client = serve_api(api(true).with_state(AppState { greeting: "hello" })).await;
    assert_eq!(client.get("/health/", None).await.body, "ok hello");
}

#[tokio::test]
async fn cors_preflight_composes() {
    use tower_http::cors::{Any, CorsLayer};
    let cors = CorsLayer::new()
        .allow_origin(HeaderValue::from_static("https://app.example"))
        .allow_methods([HttpMethod::GET, HttpMethod::PUT])
        .allow_headers(Any);
    let client = serve_api(api(true).layer(cors).with_state(STATE)).await;
    let preflight = client
        .send(
            "OPTIONS",
            "/orgs/acme/",
            None,
            &[("origin", "https://app.example"), ("access-control-request-method", "PUT")],
        )
        .await;
    assert_eq!(preflight.status, 200, "{}", preflight.body);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("https://app.example"));
    // The real request is still decided, and carries the CORS headers either way.
    let denied = client.send("PUT", "/orgs/acme/", None, &[("origin", "https://app.example")]).await;
    assert_eq!(denied.status, 401);
    assert_eq!(denied.header("access-control-allow-origin"), Some("https://app.example"));
    let allowed =
        client.send("PUT", "/orgs/acme/", Some("5:org:write"), &[("origin", "https://app.example")]).await;
    assert_eq!((allowed.status, allowed.body.as_str()), (200, "updated"));
}

#[tokio::test]
async fn trace_layer_wraps_everything() {
    use tower_http::trace::TraceLayer;
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let trace =
        TraceLayer::new_for_http().on_request(move |_: &axum::http::Request<_>, _: &tracing::Span| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
    let client = serve_api(api(true).layer(trace).with_state(STATE)).await;
    assert_eq!(client.get("/health/", None).await.status, 200);
    assert_eq!(client.get("/orgs/acme/", None).await.status, 401);
    assert_eq!(client.get("/nowhere/", None).await.status, 404);
    assert_eq!(client.send("PATCH", "/orgs/acme/", None, &[]).await.status, 405);
    assert_eq!(seen.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn fallback_answers_unknown_paths_only() {
    async fn not_here() -> (StatusCode, &'static str) {
        (StatusCode::NOT_FOUND, "custom not found")
    }
    let client = serve_api(api(true).fallback(not_here).with_state(STATE)).await;
    let unknown = client.get("/nowhere/", Some("5:org:admin")).await;
    assert_eq!((unknown.status, unknown.body.as_str()), (404, "custom not found"));
    // Declared paths are still decided, and a wrong method is still 405.
    assert_eq!(client.get("/orgs/acme/", None).await.status, 401);
    assert_eq!(client.send("PATCH", "/orgs/acme/", None, &[]).await.status, 405);
}

#[tokio::test]
async fn fallback_cannot_pose_as_an_authorized_handler() {
    async fn sneaky(auth: Authorized) -> String {
        auth.endpoint().handler().to_string()
    }
    let client = serve_api(api(true).fallback(sneaky).with_state(STATE)).await;
    let answer = client.get("/nowhere/", Some("5:org:admin")).await;
    assert_eq!((answer.status, answer.error()), (500, "enforcement_missing".into()));
}

#[tokio::test]
async fn nesting_and_outside_routes() {
    // Under a prefix of a larger app.
    let app = axum::Router::new().nest_service("/v1", api(true).with_state(STATE));
    let client = serve(app).await;
    assert_eq!(client.get("/v1/orgs/acme/", Some("5:org:read")).await.status, 200);
    assert_eq!(client.get("/v1/orgs/acme/", None).await.status, 401);
    assert_eq!(client.get("/orgs/acme/", Some("5:org:read")).await.status, 404);

    // Beside routes that are visibly outside the API.
    let app = axum::Router::new()
        .route("/metrics", get(|| async { "metrics" }))
        .fallback_service(api(true).with_state(STATE));
    let client = serve(app).await;
    assert_eq!(client.get("/metrics", None).await.body, "metrics");
    assert_eq!(client.get("/orgs/acme/", None).await.status, 401);
    assert_eq!(client.get("/nowhere/", None).await.error(), "endpoint_not_found");
}

#[tokio::test]
async fn routes_of_several_modules_merge() {
    let merged: Routes<AppState> = orgs::routes().merge(projects::routes());
    assert_eq!(merged.len(), 3);
    let api = ApiRouter::new(Registry::global(), resolver(true)).routes(merged).with_state(STATE);
    let client = serve_api(api).await;
    assert_eq!(client.get("/orgs/acme/", Some("5:org:read")).await.status, 200);
    assert_eq!(client.send("POST", "/orgs/acme/projects/", Some("5:project:write"), &[]).await.status, 200);
    assert_eq!(client.get("/health/", None).await.status, 404);
}

#[tokio::test]
async fn route_layer_runs_inside_the_check() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let inner =
        axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = Arc::clone(&counter);
            async move {
                assert!(request.extensions().get::<Authorized>().is_some(), "runs after the decision");
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        });
    let client = serve_api(api(true).route_layer(inner).with_state(STATE)).await;
    assert_eq!(client.get("/orgs/acme/", None).await.status, 401);
    assert_eq!(client.get("/nowhere/", None).await.status, 404);
    assert_eq!(seen.load(Ordering::SeqCst), 0, "denied requests never reach a route layer");
    assert_eq!(client.get("/orgs/acme/", Some("5:org:read")).await.status, 200);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn layer_order_cannot_leave_a_route_out() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let outer =
        axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        });
    // The layer comes first, the routes after: they are wrapped all the same.
    let api = ApiRouter::new(Registry::global(), resolver(true))
        .layer(outer)
        .routes(orgs::routes())
        .with_state(STATE);
    let client = serve_api(api).await;
    assert_eq!(client.get("/orgs/acme/", Some("5:org:read")).await.status, 200);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn rejections_and_object_level_checks() {
    let client = serve_api(api(true).with_state(STATE)).await;
    let rejected = client.get("/orgs/acme/", Some("not-a-token")).await;
    assert_eq!((rejected.status, rejected.error()), (401, "invalid_credentials".into()));
    assert_eq!(rejected.header("www-authenticate"), Some(r#"Bearer error="invalid_token""#));
    let admin = client.get("/orgs/acme/", Some("5:org:admin")).await;
    assert_eq!(admin.body, "user_token via org_details (admin: true)");
    // A membership only counts in its organization: another one grants nothing.
    let elsewhere = client.get("/orgs/other/", Some("5:org:admin")).await;
    assert_eq!((elsewhere.status, elsewhere.error()), (403, "no_membership".into()));
}

#[tokio::test]
async fn denials_speak_http_auth() {
    let client = serve_api(api(true).with_state(STATE)).await;
    // 401 names the scheme the service accepts (RFC 9110 §11.6.1), as the resolver says.
    let anonymous = client.get("/orgs/acme/", None).await;
    assert_eq!((anonymous.status, anonymous.error()), (401, "no_credentials".into()));
    assert_eq!(anonymous.header("www-authenticate"), Some(r#"Bearer realm="axum-tests""#));
    // 403 for a bearer token missing a scope says which would be accepted (RFC 6750 §3.1).
    let read_only = client.send("PUT", "/orgs/acme/", Some("5:org:read"), &[]).await;
    assert_eq!((read_only.status, read_only.error()), (403, "missing_scope".into()));
    assert_eq!(
        read_only.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="org:write org:admin""#)
    );
    // No standing in the target organization: a distinct reason, and no scope to ask for.
    let stranger = client.send("PUT", "/orgs/other/", Some("5:org:admin"), &[]).await;
    assert_eq!((stranger.status, stranger.error()), (403, "no_membership".into()));
    assert_eq!(stranger.header("www-authenticate"), None);
    // Other denials carry no challenge.
    let gated =
        serve_api(api(false).with_state(STATE)).await.get("/orgs/acme/replays/", Some("5:event:read")).await;
    assert_eq!((gated.status, gated.header("www-authenticate")), (404, None));
}

#[test]
#[should_panic(expected = "does not hold its declaration")]
fn mounting_a_handler_of_another_registry_refuses_to_start() {
    let empty: &'static Registry =
        Box::leak(Box::new(Registry::from_endpoints(Config::sentry(), []).expect("empty registry")));
    let _ = ApiRouter::new(empty, resolver(true)).routes(orgs::routes()).with_state(STATE);
}

#[test]
#[should_panic(expected = "mounted twice")]
fn mounting_a_handler_twice_refuses_to_start() {
    let _ = ApiRouter::new(Registry::global(), resolver(true))
        .routes(orgs::routes())
        .routes(orgs::routes())
        .with_state(STATE);
}

/// Declared handlers cannot be mounted outside `routes!` (that does not compile: see
/// `tests/tests/ui/fail/handler_in_plain_router.rs`); their bodies, `name::name`, can be, and
/// then never run: the `Checked` proof is granted only by the check of their own declaration.
#[tokio::test]
async fn a_declared_body_mounted_by_hand_never_runs() {
    let ran = || declared::BY_HAND_RAN.load(Ordering::SeqCst);
    let plain = axum::Router::new()
        .route("/by-hand/", get(declared::by_hand::by_hand))
        .fallback(declared::by_hand::by_hand);
    let client = serve(plain).await;
    for path in ["/by-hand/", "/anything/else/"] {
        let answer = client.get(path, None).await;
        assert_eq!((answer.status, answer.error()), (500, "enforcement_missing".into()), "{path}");
    }
    // Under another endpoint's decision (a record built at run time, which `Routes::record` mounts):
    // that check ran, but not the one of the body's own declaration.
    let other: &'static Endpoint = Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
        source: scopegate::Source { file: file!(), line: line!() },
        ..scopegate::__private::Declaration::new(
            "generated::open",
            scopegate::Method::Get,
            "/generated/open/",
            scopegate::Access::Unauthenticated("test"),
        )
    })));
    let registry: &'static Registry =
        Box::leak(Box::new(Registry::from_endpoints(Config::sentry(), [other]).expect("registry")));
    let api = ApiRouter::new(registry, resolver(true))
        .routes(Routes::new().record(other, declared::by_hand::by_hand))
        .with_state(STATE);
    let client = serve_api(api).await;
    let answer = client.get("/generated/open/", None).await;
    assert_eq!((answer.status, answer.error()), (500, "enforcement_missing".into()));
    assert_eq!(ran(), 0, "the body never ran");
}

#[tokio::test]
async fn shadowing_names_cannot_swap_the_body() {
    for routes in [glob_and_local::routes(), closure_routes()] {
        let client =
            serve_api(ApiRouter::new(Registry::global(), resolver(true)).routes(routes).with_state(STATE))
                .await;
        let answer = client.get("/shadow/list/", None).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "declared"));
    }
}

#[test]
#[should_panic(
    expected = "is declared with #[scopegate::endpoint]: mount it with `scopegate::routes![org_details]`"
)]
fn a_declaration_cannot_be_rebound_by_record() {
    let declared =
        Registry::global().by_handler(concat!(module_path!(), "::orgs::org_details")).expect("declared");
    let _ = Routes::<AppState>::new().record(declared, || async { "another handler" });
}

#[tokio::test]
async fn trailing_slash_policy() {
    let no_redirects =
        || reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    // Strict (the default): only the declared form is served.
    let mut strict = serve_api(api(true).base_path("/api/0").with_state(STATE)).await;
    strict.http = no_redirects();
    let answer = strict.get("/api/0/orgs/acme", Some("5:org:read")).await;
    assert_eq!((answer.status, answer.error()), (404, "endpoint_not_found".into()));

    // Redirect: 308 to the declared form, query kept, for every method (a 308 keeps it).
    let api = api(true).base_path("/api/0").trailing_slash(TrailingSlash::Redirect).with_state(STATE);
    let mut client = serve_api(api).await;
    client.http = no_redirects();
    let answer = client.get("/api/0/orgs/acme?expand=teams&x=%2F", Some("5:org:read")).await;
    assert_eq!(answer.status, 308);
    assert_eq!(
        answer.header("location"),
        Some("./acme/?expand=teams&x=%2F"),
        "relative: it holds under any prefix"
    );
    assert_eq!(
        followed("/api/0/orgs/acme?expand=teams&x=%2F", &answer),
        "/api/0/orgs/acme/?expand=teams&x=%2F"
    );
    let answer = client.send("POST", "/api/0/orgs/acme/projects", None, &[]).await;
    assert_eq!(answer.status, 308);
    assert_eq!(followed("/api/0/orgs/acme/projects", &answer), "/api/0/orgs/acme/projects/");
    // The declared form is served as ever; what matches no declaration either way is still 404,
    // including paths that would make a protocol-relative Location, and declared but unmounted ones.
    assert_eq!(client.get("/api/0/orgs/acme/", Some("5:org:read")).await.status, 200);
    for path in ["/api/0/nowhere", "/api/0//orgs/acme", "/orgs/acme", "/api/0/orgs/acme/unmounted", "/api/0"]
    {
        let answer = client.get(path, Some("5:org:read")).await;
        assert_eq!((answer.status, answer.error()), (404, "endpoint_not_found".into()), "{path}");
    }
    // Followed, the redirect lands on the endpoint and its decision.
    let landed = reqwest::get(format!("http://{}/api/0/orgs/acme", client.addr)).await.expect("request");
    assert_eq!(landed.status().as_u16(), 401);

    // With a fallback, the redirect comes first and the fallback answers the rest.
    let api = ApiRouter::new(Registry::global(), resolver(true))
        .routes(orgs::routes())
        .trailing_slash(TrailingSlash::Redirect)
        .fallback(|| async { (StatusCode::NOT_FOUND, "custom") })
        .with_state(STATE);
    let mut client = serve_api(api).await;
    client.http = no_redirects();
    assert_eq!(client.get("/orgs/acme", None).await.status, 308);
    let answer = client.get("/elsewhere", None).await;
    assert_eq!((answer.status, answer.body.as_str()), (404, "custom"));

    // Nested in an app under a prefix, the Location keeps the prefix axum strips.
    let api = ApiRouter::new(Registry::global(), resolver(true))
        .routes(orgs::routes())
        .trailing_slash(TrailingSlash::Redirect)
        .with_state(STATE);
    let mut client = serve(axum::Router::new().nest_service("/v1", api)).await;
    client.http = no_redirects();
    let answer = client.get("/v1/orgs/acme?x=1", None).await;
    assert_eq!(answer.status, 308);
    assert_eq!(followed("/v1/orgs/acme?x=1", &answer), "/v1/orgs/acme/?x=1");
}

#[tokio::test]
async fn the_whole_app_check_finds_shadowing_routes() {
    let registry = Registry::global();
    let api = || api(true).with_state(STATE);
    // Composed well: every declared endpoint that needs credentials answers 401 without them.
    let app = axum::Router::new().route("/metrics", get(|| async { "metrics" })).nest_service("/api", api());
    let mounted = |u: &&scopegate::testing::Unchecked| {
        !u.handler.ends_with("never_mounted") && !u.handler.ends_with("::list")
    };
    let unchecked = scopegate::testing::unchecked_endpoints(app, registry, "/api").await;
    assert!(!unchecked.iter().any(|u| mounted(&u)), "{unchecked:?}");
    // An outer route on a declared path answers first, unchecked: found.
    let app = axum::Router::new()
        .route("/api/orgs/{org}/", get(|| async { "shadowed" }))
        .nest_service("/api", api());
    let unchecked: Vec<_> = scopegate::testing::unchecked_endpoints(app, registry, "/api").await;
    let shadowed: Vec<_> = unchecked.iter().filter(mounted).map(|u| (u.request.as_str(), u.status)).collect();
    // GET is shadowed (200); PUT on the same path gets the outer router's 405.
    assert_eq!(shadowed, [("GET /api/orgs/p-org/", 200), ("PUT /api/orgs/p-org/", 405)]);
}

/// The path and query a client lands on when it follows `answer`'s `Location` from `asked`.
fn followed(asked: &str, answer: &Answer) -> String {
    let base = reqwest::Url::parse("http://client.test").and_then(|u| u.join(asked)).expect("asked");
    let to = base.join(answer.header("location").expect("a Location")).expect("a resolvable Location");
    format!("{}{}", to.path(), to.query().map_or_else(String::new, |q| format!("?{q}")))
}

#[tokio::test]
async fn relying_on_a_sunset_exception_is_announced() {
    let client = serve_api(api(false).with_state(STATE)).await;
    // A read-only token gets in through the exception; the plan (org:write) would refuse it.
    let relying = client.send("POST", "/orgs/acme/dashboards/", Some("7:org:read"), &[]).await;
    assert_eq!((relying.status, relying.body.as_str()), (200, "created"));
    assert_eq!(relying.header("deprecation"), Some("@1801353600"));
    assert_eq!(relying.header("sunset"), Some("Sun, 31 Jan 2027 00:00:00 GMT"));
    // A token that meets the plan hears nothing of it.
    let writer = client.send("POST", "/orgs/acme/dashboards/", Some("7:org:write"), &[]).await;
    assert_eq!(writer.status, 200);
    assert_eq!((writer.header("deprecation"), writer.header("sunset")), (None, None));
    // Denied requests carry neither.
    let nobody = client.send("POST", "/orgs/acme/dashboards/", Some("7:event:read"), &[]).await;
    assert_eq!((nobody.status, nobody.header("sunset")), (403, None));
}
