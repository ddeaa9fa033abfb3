use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use axum::response::IntoResponse;
use tower::{Layer, Service, ServiceExt};

use super::extract::Authorized;
use super::resolve::{OwnedMembership, Resolved, Resolver, bearer_token};
use super::response::denial_response;

use crate::decision::{AccessRequest, Decision, Reason};
use crate::engine::EndpointId;
use crate::record::Endpoint;
use crate::registry::Registry;

/// Puts one handler behind the decision for its endpoint.
#[derive(Clone)]
pub(super) struct EnforceLayer<R> {
    pub(super) registry: &'static Registry,
    pub(super) id: EndpointId,
    pub(super) endpoint: &'static Endpoint,
    pub(super) resolver: R,
    /// [`insufficient_scope`] of the endpoint's accepted scopes, built once per mounted route: a
    /// bearer token's 403 then clones a header instead of formatting one.
    pub(super) insufficient: Arc<HeaderValue>,
}

impl<Inner, R: Clone> Layer<Inner> for EnforceLayer<R> {
    type Service = Enforce<Inner, R>;

    fn layer(&self, inner: Inner) -> Self::Service {
        Enforce { inner, check: self.clone() }
    }
}

/// The service [`EnforceLayer`] wraps a handler in.
#[derive(Clone)]
pub(super) struct Enforce<Inner, R> {
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
                        // `accepted` is this endpoint's own list (`Registry::authorize_endpoint` for
                        // its id): the challenge built for it at startup.
                        Reason::MissingScope { .. } if bearer_token(&parts.headers).is_some() => {
                            Some(HeaderValue::clone(&insufficient))
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
