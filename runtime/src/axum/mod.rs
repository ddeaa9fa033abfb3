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
//! 2. the service's [`Resolver`] turns the request into a [`Principal`](crate::Principal), the caller's membership in
//!    the target organization and that organization's [`OrganizationState`](crate::OrganizationState) (or rejects it, e.g.
//!    401 for an unknown token);
//! 3. [`Registry::authorize_endpoint`](crate::Registry::authorize_endpoint) decides for the endpoint the handler belongs to; a denial is
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
//! only behind the check of its own declaration (see [`Checked`](crate::Checked)). The finished API is an
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

mod enforce;
mod extract;
mod resolve;
mod response;
mod router;
mod routes;
mod service;

pub use extract::Authorized;
pub use resolve::{
    OwnedMembership, Resolved, Resolver, authorization, bearer_token, insufficient_scope,
    invalid_credentials, path_param,
};
pub use response::{denial_response, method_filter};
pub use router::{ApiRouter, TrailingSlash};
pub use routes::Routes;
pub use service::{ApiService, ComposedAsService, IntoRouter};
