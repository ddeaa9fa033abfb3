use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, header};
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
    /// For an endpoint whose read-only exception has a `sunset`: the headers an allowed request
    /// that relies on the exception is answered with.
    pub(super) sunset: Option<Arc<SunsetHeaders>>,
}

/// `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) of an exception's sunset date, built once per
/// mounted route. The exception is deprecated now (it has a planned replacement), so
/// `Deprecation` carries the same date as `Sunset`, the last moment it is certain to work —
/// RFC 9745 §3 allows the two to coincide; clients treat both as "move off before this date".
pub(super) struct SunsetHeaders {
    deprecation: HeaderValue,
    sunset: HeaderValue,
}

impl SunsetHeaders {
    pub(super) fn of(date: crate::record::Date) -> SunsetHeaders {
        let text = |value: String| HeaderValue::try_from(value).unwrap_or(HeaderValue::from_static(""));
        SunsetHeaders {
            deprecation: text(format!("@{}", date.unix_seconds())),
            sunset: text(date.http_date()),
        }
    }
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
        let EnforceLayer { registry, id, endpoint, ref resolver, ref insufficient, ref sunset } = self.check;
        let resolver = resolver.clone();
        let insufficient = Arc::clone(insufficient);
        let sunset = sunset.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let resolved = match resolver.resolve(&mut parts, endpoint).await {
                Ok(r) => r,
                Err(rejection) => return Ok(rejection.into_response()),
            };
            // The router chose this handler: decide for its endpoint (a HEAD request served by a
            // GET handler is decided as the GET it runs).
            let (decision, deprecated) = {
                let membership = resolved.membership.as_ref().map(OwnedMembership::as_membership);
                let request = AccessRequest {
                    method: endpoint.method(),
                    path: parts.uri.path(),
                    principal: &resolved.principal,
                    membership: membership.as_ref(),
                    organization: resolved.organization.as_deref(),
                };
                let decision = registry.authorize_endpoint(id, &request);
                #[cfg(feature = "metrics")]
                crate::metrics::record_decision(endpoint, &decision);
                // Only an endpoint with a sunset asks whether the request relied on its exception.
                let deprecated = sunset
                    .filter(|_| decision.is_allowed() && registry.relies_on_exception(endpoint, &request));
                (decision, deprecated)
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
                    let mut response = inner.oneshot(Request::from_parts(parts, body)).await?;
                    if let Some(headers) = deprecated {
                        let map = response.headers_mut();
                        map.insert(HeaderName::from_static("deprecation"), headers.deprecation.clone());
                        map.insert(HeaderName::from_static("sunset"), headers.sunset.clone());
                    }
                    Ok(response)
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
