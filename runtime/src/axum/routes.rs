use std::fmt;

use axum::handler::Handler;
use axum::routing::MethodRouter;

use super::response::method_filter;

use crate::record::{Declared, Endpoint, Method};

/// One handler with its declaration, as [`routes!`](crate::routes) collects it.
pub(super) struct DeclaredRoute<S> {
    pub(super) method: Method,
    pub(super) path: &'static str,
    pub(super) handler: &'static str,
    pub(super) router: MethodRouter<S>,
}

/// Handlers with their declarations, built by [`routes!`](crate::routes) and mounted with
/// [`ApiRouter::routes`](super::ApiRouter::routes). A module can export its own `Routes` for the service to mount.
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
    pub(super) routes: Vec<DeclaredRoute<S>>,
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
    /// built at run time with [`Registry::from_endpoints`](crate::Registry::from_endpoints) (generated APIs, benchmarks). The handler
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
