use std::convert::Infallible;
use std::fmt;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{Request, Response};
use tower::Service;

/// A finished [`ApiRouter`](super::ApiRouter): a `tower::Service` that axum serves directly
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
    pub(super) router: axum::Router,
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
