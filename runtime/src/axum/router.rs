use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use axum::body::Body;
use axum::handler::Handler;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, Route};
use tower::{Layer, Service};

use super::enforce::EnforceLayer;
use super::resolve::{Resolver, insufficient_scope};
use super::response::{denial_response, not_found};
use super::routes::{DeclaredRoute, Routes};
use super::service::ApiService;

use crate::decision::{Denial, Reason};
use crate::record::{Endpoint, Method, Methods};
use crate::registry::Registry;

type RouterLayer<S> = Box<dyn FnOnce(axum::Router<S>) -> axum::Router<S> + Send>;
type Fallback<S> = Box<dyn FnOnce(axum::Router<S>, Option<SlashRedirect>) -> axum::Router<S> + Send>;
type HandlerLayer<S> = Arc<dyn Fn(MethodRouter<S>) -> MethodRouter<S> + Send + Sync>;

/// An axum API whose routes are its declarations and whose every handler runs behind the
/// registry's decision (see the [module docs](crate::axum)).
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
        self.base = crate::registry::base_path(base).unwrap_or_default();
        self
    }

    /// How a path that differs from a declared one only by a trailing slash is answered
    /// (default [`TrailingSlash::Strict`]: 404, as axum answers). With
    /// [`TrailingSlash::Redirect`], `GET /api/0/organizations/acme` is answered
    /// `308 Permanent Redirect` to `/api/0/organizations/acme/` when that is declared (and
    /// mounted), query string kept. The `Location` is relative (`./acme/`): the client resolves it
    /// against the URL it asked for, whatever prefix an outer router nests the API under.
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
    /// requests, and may read [`Authorized`](super::Authorized) from the request's extensions.
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
        self.fallback = Some(Box::new(move |router: axum::Router<S>, redirect: Option<SlashRedirect>| {
            mount_fallback(router, handler, redirect)
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
                sunset: endpoint.sunset().map(|date| Arc::new(super::enforce::SunsetHeaders::of(date))),
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
        let redirect = match trailing_slash {
            TrailingSlash::Strict => None,
            TrailingSlash::Redirect => Some(SlashRedirect {
                registry,
                base: Arc::from(base.as_str()),
                mounted: Arc::new(paths.keys().copied().collect()),
            }),
        };
        let mut router = axum::Router::new();
        for (path, (methods, handler)) in paths {
            let allow = if methods.contains(Method::Get) { methods.with(Method::Head) } else { methods };
            let handler = handler.fallback(move || async move {
                denial_response(&Denial::new(Reason::MethodNotAllowed { allow }, None))
            });
            router = router.route(&format!("{base}{path}"), handler);
        }
        router = match fallback {
            Some(fallback) => fallback(router, redirect),
            None => mount_fallback(router, not_found, redirect),
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
    /// the query string, as a relative `Location` (`./acme/`, `../acme`) that holds under any
    /// prefix the API is nested at; paths that match no mounted declaration either way are answered
    /// as with `Strict`.
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
    /// Where to redirect `request`, if anywhere: a relative reference (`./acme/` or `../acme`,
    /// then the query), which the client resolves against the URL it asked for, so it holds under
    /// any prefix an outer router's `nest_service` stripped before the API saw the request (no
    /// `OriginalUri` needed, whose axum feature costs every request).
    fn location(&self, request: &Request<Body>) -> Option<String> {
        let uri = request.uri();
        let rest = uri.path().strip_prefix(&*self.base)?;
        // No declaration has empty segments (and `//host/…` must never be followed anywhere).
        if !rest.starts_with('/') || rest.starts_with("//") || rest.contains('\\') {
            return None;
        }
        let (other, relative) = match rest.strip_suffix('/') {
            Some("") => return None,
            Some(without) => (without.to_string(), format!("../{}", last_segment(without))),
            None => (format!("{rest}/"), format!("./{}/", last_segment(rest))),
        };
        let template = self.registry.template_at(&other)?;
        if !self.mounted.contains(template) {
            return None;
        }
        let query = uri.query().map_or_else(String::new, |q| format!("?{q}"));
        Some(format!("{relative}{query}"))
    }
}

/// The last segment of a path that starts with `/`.
fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `router` with `handler` as its fallback, behind the trailing-slash redirect when there is one.
fn mount_fallback<H, T, S>(
    router: axum::Router<S>,
    handler: H,
    redirect: Option<SlashRedirect>,
) -> axum::Router<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    match redirect {
        Some(redirect) => {
            router.fallback(handler.layer(axum::middleware::from_fn_with_state(redirect, redirect_slash)))
        }
        None => router.fallback(handler),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Access, Declaration, Source};

    static PLAIN: Endpoint = Endpoint::__new(Declaration {
        source: Source { file: file!(), line: line!() },
        ..Declaration::new("tests::plain", Method::Get, "/plain/{id}", Access::Unauthenticated("test"))
    });

    /// Both directions, as relative references, query kept; nothing for what matches no mounted
    /// declaration either way.
    #[test]
    fn the_redirect_is_a_relative_reference_to_the_declared_form() {
        let registry: &'static Registry = Box::leak(Box::new(
            Registry::from_endpoints(crate::Config::sentry(), [&PLAIN]).expect("a registry"),
        ));
        let redirect = |mounted: &[&'static str]| SlashRedirect {
            registry,
            base: Arc::from("/api"),
            mounted: Arc::new(mounted.iter().copied().collect()),
        };
        let location = |redirect: &SlashRedirect, uri: &str| {
            redirect.location(&Request::builder().uri(uri).body(Body::empty()).expect("a request"))
        };
        let mounted = redirect(&["/plain/{id}"]);
        assert_eq!(location(&mounted, "/api/plain/7/?q=1").as_deref(), Some("../7?q=1"));
        assert_eq!(location(&mounted, "/api/plain/a:b/").as_deref(), Some("../a:b"));
        for unmatched in ["/api/plain/7//", "/api/plain/", "/plain/7/", "/api//plain/7/", "/api/other/7/"] {
            assert_eq!(location(&mounted, unmatched), None, "{unmatched}");
        }
        assert_eq!(location(&redirect(&[]), "/api/plain/7/"), None, "declared but not mounted");
    }
}
