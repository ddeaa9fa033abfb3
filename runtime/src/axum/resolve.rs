use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header, request::Parts};
use axum::response::IntoResponse;

use super::response::json_response;

use crate::gates::{GateSource, OrganizationState};
use crate::principal::{Membership, OrganizationId, Principal, TeamId};
use crate::record::Endpoint;
use crate::scopes::ScopeSet;

/// The caller's membership in the target organization, owned (see [`Membership`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedMembership {
    /// The organization.
    pub organization: OrganizationId,
    /// The scopes of the member's role.
    pub role_scopes: ScopeSet,
    /// The member's teams.
    pub teams: Arc<[TeamId]>,
}

impl OwnedMembership {
    /// The caller's standing in a single-tenant service (see [`Membership::single_tenant`]).
    pub fn single_tenant(role_scopes: ScopeSet, teams: impl Into<Arc<[TeamId]>>) -> OwnedMembership {
        OwnedMembership { organization: OrganizationId::SERVICE, role_scopes, teams: teams.into() }
    }

    /// The borrowed view the engine takes.
    pub fn as_membership(&self) -> Membership<'_> {
        Membership { organization: self.organization, role_scopes: self.role_scopes, teams: &self.teams }
    }
}

/// What a [`Resolver`] found out about a request.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Who is calling.
    pub principal: Principal,
    /// The caller's membership in the target organization, if any.
    pub membership: Option<OwnedMembership>,
    /// The target organization's state, if the request targets one.
    pub organization: Option<Arc<OrganizationState>>,
}

impl Resolved {
    /// A principal with no membership and no organization context.
    pub fn new(principal: Principal) -> Resolved {
        Resolved { principal, membership: None, organization: None }
    }

    /// The same, with the caller's membership in the target organization.
    #[must_use]
    pub fn with_membership(mut self, membership: OwnedMembership) -> Resolved {
        self.membership = Some(membership);
        self
    }

    /// The same, with the target organization's state.
    #[must_use]
    pub fn with_organization(mut self, organization: Arc<OrganizationState>) -> Resolved {
        self.organization = Some(organization);
        self
    }

    /// The same, with a single-tenant service's state (see [`OrganizationState::single_tenant`](crate::OrganizationState::single_tenant)).
    #[must_use]
    pub fn with_service_state(self, state: Arc<OrganizationState>) -> Resolved {
        self.with_organization(state)
    }

    /// The same, with organization `id`'s state as `source` holds it (none when `source` does not
    /// know the organization: gated endpoints then answer 404, and organization tokens are
    /// refused).
    ///
    /// ```
    /// use scopegate::axum::Resolved;
    /// use scopegate::{Config, InMemoryGates, OrganizationId, OrganizationState, Principal};
    /// let gates = InMemoryGates::new();
    /// gates.set(OrganizationState::builder(Config::sentry(), OrganizationId(1)).build());
    /// let r = Resolved::new(Principal::Anonymous).with_organization_from(&gates, OrganizationId(1));
    /// assert_eq!(r.organization.map(|o| o.id()), Some(OrganizationId(1)));
    /// let r = Resolved::new(Principal::Anonymous).with_organization_from(&gates, OrganizationId(2));
    /// assert!(r.organization.is_none());
    /// ```
    #[must_use]
    pub fn with_organization_from(
        mut self,
        source: &(impl GateSource + ?Sized),
        id: OrganizationId,
    ) -> Resolved {
        self.organization = source.organization(id);
        self
    }
}

/// Turns a request into the facts the engine decides on. Implemented by the service, usually over
/// its database (token lookup, membership, organization settings); [`bearer_token`],
/// [`path_param`], [`Resolved::with_organization_from`] and [`invalid_credentials`] do the
/// common parts.
///
/// The resolver runs only for requests that reached a declared endpoint, so unknown paths never
/// cost a database query.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot resolve principals for scopegate",
    note = "implement `scopegate::axum::Resolver` for it: turn request headers into a `Resolved`"
)]
pub trait Resolver: Clone + Send + Sync + 'static {
    /// The response for a request whose credentials are invalid (e.g. an unknown token).
    type Rejection: IntoResponse + Send;

    /// Resolves the principal, membership and organization of a request to `endpoint`.
    fn resolve(
        &self,
        parts: &mut Parts,
        endpoint: &'static Endpoint,
    ) -> impl Future<Output = Result<Resolved, Self::Rejection>> + Send;

    /// The `WWW-Authenticate` challenge of a 401 `no_credentials` answer: the authentication
    /// scheme(s) the service accepts, as RFC 9110 §11.6.1 requires, e.g. `Bearer realm="api"` or
    /// `Bearer, Session`. `Bearer` unless the resolver says otherwise.
    fn challenge(&self) -> HeaderValue {
        HeaderValue::from_static("Bearer")
    }
}

/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1): what a bearer
/// token missing a scope is told, with the scopes that would be accepted (a scope that is not a
/// valid RFC 6750 scope token is left out of the list, and the `scope` parameter when none is left).
/// The `scopegate::axum` router adds it to the
/// 403 `missing_scope` answer of a request that presented a bearer token.
///
/// ```
/// let value = scopegate::axum::insufficient_scope(&["org:write", "org:admin"]);
/// assert_eq!(value, r#"Bearer error="insufficient_scope", scope="org:write org:admin""#);
/// ```
pub fn insufficient_scope(accepted: &[&str]) -> HeaderValue {
    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E ): visible ASCII but `"` and `\`.
    let is_token =
        |s: &&&str| !s.is_empty() && s.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
    let scopes: Vec<&str> = accepted.iter().filter(is_token).copied().collect();
    if scopes.is_empty() {
        return HeaderValue::from_static(r#"Bearer error="insufficient_scope""#);
    }
    let value = format!(r#"Bearer error="insufficient_scope", scope="{}""#, scopes.join(" "));
    // Only visible ASCII and spaces went in.
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(r#"Bearer error="insufficient_scope""#))
}

/// The credentials of an `Authorization: <scheme> <credentials>` header, when its scheme is
/// `scheme` (compared without regard to case, as RFC 9110 says). `None` when the header is absent,
/// of another scheme, not visible ASCII, or has empty credentials.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// use scopegate::axum::authorization;
/// let mut headers = HeaderMap::new();
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Session s3cr3t"));
/// assert_eq!(authorization(&headers, "session"), Some("s3cr3t"));
/// assert_eq!(authorization(&headers, "Bearer"), None);
/// ```
pub fn authorization<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim_matches(' ');
    (given.eq_ignore_ascii_case(scheme) && !credentials.is_empty()).then_some(credentials)
}

/// The token of an `Authorization: Bearer <token>` header (see [`authorization`]).
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// let mut headers = HeaderMap::new();
/// assert_eq!(scopegate::axum::bearer_token(&headers), None);
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer sgu_abc"));
/// assert_eq!(scopegate::axum::bearer_token(&headers), Some("sgu_abc"));
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    authorization(headers, "Bearer")
}

/// The value of the path parameter `name` of the route the request matched, percent-decoded as
/// axum's `Path` extractor decodes it (e.g. the organization of
/// `/organizations/{organization_id_or_slug}/`). `None` when the route has no such parameter or
/// when any of the route's parameters is not valid UTF-8 once decoded: axum keeps none of them then
/// (`RawPathParams` is rejected as a whole). A resolver that must still find the organization in
/// that case decodes it from the request's path itself.
pub async fn path_param(parts: &mut Parts, name: &str) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    params.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_owned())
}

/// 401 `invalid_credentials` with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750
/// §3.1): the answer for credentials that are present but unknown, expired or malformed (never
/// treat them as anonymous).
pub fn invalid_credentials() -> Response<Body> {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        r#"{"status":401,"error":"invalid_credentials","detail":"The credentials are invalid or expired."}"#
            .to_string(),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer error="invalid_token""#));
    response
}
