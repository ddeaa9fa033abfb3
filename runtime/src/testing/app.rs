//! The whole app a service serves, checked over its own `tower::Service`: does every declared
//! endpoint still reach its permission check, or does an outer route answer it first?

use std::convert::Infallible;
use std::fmt;

use axum::body::Body;
use axum::http::{Request, Response};
use tower::{Service, ServiceExt};

use crate::registry::Registry;

/// A declared endpoint that the app answered without its permission check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unchecked {
    /// The endpoint's handler.
    pub handler: &'static str,
    /// The request sent (method and path, with the base path).
    pub request: String,
    /// The status the app answered instead of 401 `no_credentials`.
    pub status: u16,
}

impl fmt::Display for Unchecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): answered {} without credentials, not 401 no_credentials",
            self.request, self.handler, self.status
        )
    }
}

/// Sends every endpoint of `registry` that needs credentials, at its concrete path under `base`
/// (the prefix the app serves the API under, `""` for none), to `app` without credentials, and lists
/// those not answered 401 `no_credentials`: an outer route (or a layer) of the app that shadows the
/// declared path answers them unchecked. Endpoints declared `unauthenticated` are not sent (their
/// handlers would run).
///
/// Point it at the app a service really serves — the router with the API nested in it — not at the
/// API alone:
///
/// ```
/// # #[derive(Clone)] struct Anonymous;
/// # impl scopegate::axum::Resolver for Anonymous {
/// #     type Rejection = std::convert::Infallible;
/// #     async fn resolve(&self, _: &mut axum::http::request::Parts, _: &'static scopegate::Endpoint)
/// #         -> Result<scopegate::axum::Resolved, Self::Rejection> { Ok(scopegate::axum::Resolved::new(scopegate::Principal::Anonymous)) }
/// # }
/// #[scopegate::endpoint(method = GET, path = "/app-docs/reports/", scopes = ["org:read"])]
/// async fn reports() -> &'static str { "reports" }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = scopegate::Registry::global();
/// let api = scopegate::axum::ApiRouter::new(registry, Anonymous)
///     .routes(scopegate::routes![reports])
///     .into_service();
/// // An outer route for the same path answers first, unchecked:
/// let app = axum::Router::new()
///     .route("/api/app-docs/reports/", axum::routing::get(|| async { "shadowed" }))
///     .nest_service("/api", api);
/// let unchecked = scopegate::testing::unchecked_endpoints(app, registry, "/api").await;
/// assert!(unchecked.iter().any(|u| u.request == "GET /api/app-docs/reports/" && u.status == 200));
/// # }
/// ```
pub async fn unchecked_endpoints<S>(app: S, registry: &Registry, base: &str) -> Vec<Unchecked>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    let mut found = Vec::new();
    for endpoint in registry.iter().filter(|e| e.requires_credentials()) {
        let path = format!("{base}{}", super::concrete_path(endpoint.path()));
        let request = Request::builder().method(endpoint.method().as_str()).uri(&path).body(Body::empty());
        let Ok(request) = request else { continue };
        let Ok(response) = app.clone().oneshot(request).await;
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap_or_default();
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string));
        if status != 401 || code.as_deref() != Some("no_credentials") {
            found.push(Unchecked {
                handler: endpoint.handler(),
                request: format!("{} {path}", endpoint.method()),
                status,
            });
        }
    }
    found
}

/// Panics, listing them, when [`unchecked_endpoints`] finds any; for a service's `#[tokio::test]`.
///
/// # Panics
/// When a declared endpoint that needs credentials is answered by the app without its check, and
/// when `registry` is empty (the crate declaring the endpoints is not linked into the test).
pub async fn assert_app_checks_every_endpoint<S>(app: S, registry: &Registry, base: &str)
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    assert!(
        !registry.is_empty(),
        "scopegate: the registry is empty: reference the crate that declares the endpoints"
    );
    let unchecked = unchecked_endpoints(app, registry, base).await;
    if !unchecked.is_empty() {
        let list: Vec<String> = unchecked.iter().map(|u| format!("  - {u}")).collect();
        panic!(
            "scopegate: {} declared endpoints are answered without their check:\n{}",
            unchecked.len(),
            list.join("\n")
        );
    }
}
