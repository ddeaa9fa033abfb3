//! The axum layer: routes outside the registry are refused, denials carry the engine's status and
//! JSON reason, allowed requests reach the handler with `Authorized`, and `verify_routes` finds
//! unrouted and unenforced endpoints.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, request::Parts};
use axum::routing::{get, post};
use scopegate::axum::{
    Authorized, OwnedMembership, Resolved, Resolver, RouteProblem, enforce, verify_routes,
};
use scopegate::{Config, Endpoint, OrganizationId, OrganizationState, Principal, Registry, TeamId, UserId};
use tower::ServiceExt;

#[scopegate::endpoint(method = GET, path = "/orgs/{org}/", scopes = ["org:read"])]
async fn org_details(auth: Authorized) -> String {
    format!("{} via {}", auth.principal.kind(), auth.endpoint.handler())
}

#[scopegate::endpoint(method = POST, path = "/orgs/{org}/projects/", scopes = ["project:write"])]
async fn create_project() -> &'static str {
    "created"
}

#[scopegate::endpoint(method = GET, path = "/orgs/{org}/replays/", scopes = ["event:read"], gate = replay)]
async fn list_replays() -> &'static str {
    "replays"
}

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "load balancer probe")]
async fn health() -> &'static str {
    "ok"
}

async fn unregistered() -> &'static str {
    "should never be reachable"
}

const ACME: OrganizationId = OrganizationId(1);

/// Resolves `Authorization: Bearer <user-id>:<scope,scope>` as a user token of a member of `acme`
/// whose role holds every scope; anything malformed is rejected with 401.
#[derive(Clone)]
struct TestResolver {
    replay_on: bool,
}

impl Resolver for TestResolver {
    type Rejection = (StatusCode, &'static str);

    async fn resolve(
        &self,
        parts: &mut Parts,
        _endpoint: &'static Endpoint,
    ) -> Result<Resolved, Self::Rejection> {
        let registry = Registry::global();
        let org = Arc::new(
            OrganizationState::builder(Config::sentry(), ACME)
                .feature("organizations:session-replay", self.replay_on)
                .build(),
        );
        let Some(value) = parts.headers.get("authorization") else {
            return Ok(Resolved::new(Principal::Anonymous).with_organization(org));
        };
        let value = value.to_str().map_err(|_| (StatusCode::UNAUTHORIZED, "bad header"))?;
        let token = value.strip_prefix("Bearer ").ok_or((StatusCode::UNAUTHORIZED, "bad scheme"))?;
        let (user, scopes) = token.split_once(':').ok_or((StatusCode::UNAUTHORIZED, "bad token"))?;
        let user: u64 = user.parse().map_err(|_| (StatusCode::UNAUTHORIZED, "bad user"))?;
        let scopes = registry.scope_set(scopes.split(','));
        let all = registry.scope_set(registry.config().vocabulary().scopes().iter().copied());
        Ok(Resolved::new(Principal::user_token(UserId(user), scopes))
            .with_membership(OwnedMembership {
                organization: ACME,
                role_scopes: all,
                teams: Arc::from([TeamId(1)]),
            })
            .with_organization(org))
    }
}

fn routes() -> Router {
    Router::new()
        .route("/orgs/{org}/", get(org_details))
        .route("/orgs/{org}/projects/", post(create_project))
        .route("/orgs/{org}/replays/", get(list_replays))
        .route("/health/", get(health))
        .route("/orgs/{org}/secret/", get(unregistered))
}

fn app(replay_on: bool) -> Router {
    enforce(routes(), Registry::global(), TestResolver { replay_on })
}

async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response =
        app.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("infallible");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn decisions_follow_the_engine() {
    let app = app(true);
    assert_eq!(call(&app, "GET", "/health/", None).await, (StatusCode::OK, "ok".into()));

    let (status, body) = call(&app, "GET", "/orgs/acme/", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains(r#""error":"no_credentials""#), "{body}");

    let (status, body) = call(&app, "GET", "/orgs/acme/", Some("5:project:read")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains(r#""error":"missing_scope""#) && body.contains("org:read"), "{body}");

    let (status, body) = call(&app, "GET", "/orgs/acme/", Some("5:org:write")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "user_token via axum::org_details");

    let (status, _) = call(&app, "POST", "/orgs/acme/projects/", Some("5:project:admin")).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = call(&app, "GET", "/orgs/acme/replays/", Some("5:event:read")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&self::app(false), "GET", "/orgs/acme/replays/", Some("5:event:read")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("feature_disabled"), "{body}");
}

#[tokio::test]
async fn invalid_credentials_get_the_resolvers_rejection() {
    let (status, body) = call(&app(true), "GET", "/orgs/acme/", Some("not-a-token")).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, "bad token"));
}

#[tokio::test]
async fn unregistered_routes_and_unknown_paths_are_refused() {
    let app = app(true);
    // Mounted in the router but never declared with #[endpoint]: unreachable even for a full token.
    let (status, body) = call(&app, "GET", "/orgs/acme/secret/", Some("5:org:admin")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(r#""error":"endpoint_not_found""#), "{body}");
    // A registered path with a method it does not declare.
    let (status, body) = call(&app, "DELETE", "/orgs/acme/", Some("5:org:admin")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(r#""error":"endpoint_not_found""#), "{body}");
    // No route at all.
    let (status, body) = call(&app, "GET", "/nowhere/", Some("5:org:admin")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(r#""error":"endpoint_not_found""#), "{body}");
}

#[tokio::test]
async fn handlers_relying_on_authorized_fail_closed_without_the_layer() {
    let bare = routes();
    let (status, body) = call(&bare, "GET", "/orgs/acme/", None).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("enforcement_missing"), "{body}");
}

#[tokio::test]
async fn verify_routes_accepts_the_enforced_router() {
    assert_eq!(verify_routes(&app(true), Registry::global()).await, Ok(()));
}

#[tokio::test]
async fn verify_routes_reports_unrouted_and_unenforced_endpoints() {
    // Missing route for create_project.
    let partial = Router::new()
        .route("/orgs/{org}/", get(org_details))
        .route("/orgs/{org}/replays/", get(list_replays))
        .route("/health/", get(health));
    let partial = enforce(partial, Registry::global(), TestResolver { replay_on: true });
    let problems = verify_routes(&partial, Registry::global()).await.expect_err("a route is missing");
    assert_eq!(
        problems,
        vec![RouteProblem::NotRouted {
            handler: "axum::create_project",
            route: "POST /orgs/{org}/projects/".into()
        }]
    );

    // The whole router without the layer.
    let problems = verify_routes(&routes(), Registry::global()).await.expect_err("no layer");
    assert_eq!(problems.len(), Registry::global().len());
    assert!(problems.iter().all(|p| matches!(p, RouteProblem::NotEnforced { .. })), "{problems:?}");
}
