//! Principal resolution: from request headers and path to the facts scopegate decides on.
//!
//! [`resolve`] reads two things from a request:
//!
//! * **Credentials**, from the `Authorization` header:
//!   - `Bearer sgu_…`: a user auth token ([`Principal::User`] with [`UserCredential::Token`]). A
//!     user token is bound to one organization; elsewhere it carries no membership, so it holds no
//!     scope there.
//!   - `Bearer sgo_…`: an organization auth token ([`Principal::OrgToken`]).
//!   - `Session sgs_…`: a login session ([`Principal::User`] with [`UserCredential::Session`]),
//!     created with `scopegate-demo session create`. A session opened with `--superuser` by a
//!     superuser is an *active superuser*. Sessions use their own header scheme rather than a
//!     cookie, so a browser never attaches them to a cross-site request (no CSRF).
//!   - no header: [`Principal::Anonymous`]. A header that is present but unreadable, of another
//!     scheme, or naming an unknown secret is rejected with 401 `invalid_credentials` rather than
//!     treated as anonymous.
//! * **The target organization**, from the `{organization_id_or_slug}` parameter of the registered
//!   route the path matches (percent-decoded, as axum's `Path` does; digits name an id, anything
//!   else a slug). A path that names no organization, or one that does not exist, leaves it
//!   `None`; scopegate then denies every principal but an active superuser, and handlers answer
//!   404.
//!
//! With both, one store call ([`DecisionReads::request_facts`](crate::store::DecisionReads::request_facts))
//! loads the credential, the organization, the caller's membership (role scopes and teams) and the
//! organization's feature flags and replay access settings, which become an
//! [`OrganizationState`]. Everything about the organization comes from one consistent state: one
//! read of the store, or one cached snapshot ([`CachedStore`](crate::store::CachedStore), which
//! reads only the credential from the database).
//!
//! [`AppState`] implements scopegate's [`Resolver`], so the enforcement layer calls [`resolve`]
//! for every request that reached a registered endpoint, and stores the [`ResolvedRequest`] in the
//! request's extensions for the handlers' [`Caller`].

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scopegate::axum::{OwnedMembership, Resolved, Resolver};
use scopegate::{
    AccessRequest, Decision, Endpoint, Membership, Method, OrganizationId, OrganizationState, Principal,
    Registry, ScopeSet, TeamId, UserCredential, UserId,
};

use crate::AppState;
use crate::api::ApiError;
use crate::model::{Credential, IdOrSlug, Member, Organization, OrganizationSettings, User};
use crate::roles;
use crate::store::StoreError;
use crate::token::{self, TokenKind};

/// The path parameter that names the target organization in every route that has one.
pub const ORGANIZATION_PARAM: &str = "organization_id_or_slug";

/// The gate the replay endpoints carry, whose settings the organization page edits.
pub const REPLAY_GATE: &str = "replay";

/// What [`resolve`] found out about a request: who calls, in which organization, as which member.
#[derive(Clone, Debug)]
pub struct ResolvedRequest {
    principal: Principal,
    /// The presented credential's kind and secret hash (never the secret).
    credential: Option<(TokenKind, String)>,
    user: Option<User>,
    organization: Option<Organization>,
    member: Option<Member>,
    membership: Option<(OrganizationId, ScopeSet, Vec<TeamId>)>,
    state: Option<Arc<OrganizationState>>,
    effective: ScopeSet,
    registry: &'static Registry,
}

impl ResolvedRequest {
    /// Who is calling.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The kind and secret hash of the credential the request presented (and the store knows).
    pub fn credential(&self) -> Option<(TokenKind, &str)> {
        self.credential.as_ref().map(|(kind, hash)| (*kind, hash.as_str()))
    }

    /// The calling user (sessions and user tokens).
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The calling user's id.
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    /// The target organization, if the path names one that exists.
    pub fn organization(&self) -> Option<&Organization> {
        self.organization.as_ref()
    }

    /// The caller's membership in the target organization, as stored (`None` for a non-member, an
    /// organization token, or a user token bound to another organization).
    pub fn member(&self) -> Option<&Member> {
        self.member.as_ref()
    }

    /// The caller's membership as scopegate takes it.
    pub fn membership(&self) -> Option<Membership<'_>> {
        self.membership.as_ref().map(|(organization, role_scopes, teams)| Membership {
            organization: *organization,
            role_scopes: *role_scopes,
            teams,
        })
    }

    /// The target organization's gate snapshot (features, granular mode, allowlists).
    pub fn organization_state(&self) -> Option<&Arc<OrganizationState>> {
        self.state.as_ref()
    }

    /// The scopes the caller effectively holds in the target organization, following scopegate's
    /// rules (see [`Principal`]): what handlers consult for object-level checks.
    pub fn effective_scopes(&self) -> ScopeSet {
        self.effective
    }

    /// Does the caller effectively hold any of `scopes`?
    pub fn has_any_scope(&self, scopes: &[&str]) -> bool {
        self.effective.contains_any(self.registry.scope_set(scopes.iter().copied()))
    }

    /// The names of the effective scopes, in vocabulary order.
    pub fn scope_names(&self) -> Vec<&'static str> {
        self.registry.scope_names(self.effective).collect()
    }

    /// scopegate's decision for this caller on `method` and the concrete `path`.
    pub fn authorize(&self, method: Method, path: &str) -> Decision {
        let membership = self.membership();
        let request = AccessRequest {
            method,
            path,
            principal: &self.principal,
            membership: membership.as_ref(),
            organization: self.state.as_deref(),
        };
        self.registry.authorize(&request)
    }
}

/// Why a request could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// Credentials were presented but are not valid (401 `invalid_credentials`).
    InvalidCredentials(&'static str),
    /// The store failed (500).
    Store(StoreError),
}

impl From<StoreError> for ResolveError {
    fn from(e: StoreError) -> Self {
        ResolveError::Store(e)
    }
}

impl From<ResolveError> for ApiError {
    fn from(e: ResolveError) -> Self {
        match e {
            ResolveError::InvalidCredentials(detail) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", detail)
            }
            ResolveError::Store(e) => ApiError::from(e),
        }
    }
}

impl IntoResponse for ResolveError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

/// A credential as presented in the `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
enum Presented<'a> {
    None,
    Secret(TokenKind, &'a str),
}

fn presented(headers: &HeaderMap) -> Result<Presented<'_>, ResolveError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Ok(Presented::None) };
    if values.next().is_some() {
        return Err(ResolveError::InvalidCredentials("Send exactly one Authorization header."));
    }
    let value = value
        .to_str()
        .map_err(|_| ResolveError::InvalidCredentials("The Authorization header is not readable text."))?;
    let (scheme, secret) = value.trim().split_once(' ').ok_or(ResolveError::InvalidCredentials(
        "Use `Authorization: Bearer <token>` or `Authorization: Session <session>`.",
    ))?;
    let secret = secret.trim();
    let kind = TokenKind::of(secret).ok_or(ResolveError::InvalidCredentials("Invalid token."))?;
    let expected = match kind {
        TokenKind::Session => "session",
        TokenKind::User | TokenKind::Org => "bearer",
    };
    if !scheme.eq_ignore_ascii_case(expected) {
        return Err(ResolveError::InvalidCredentials(match kind {
            TokenKind::Session => "Send a session as `Authorization: Session <session>`.",
            _ => "Send a token as `Authorization: Bearer <token>`.",
        }));
    }
    Ok(Presented::Secret(kind, secret))
}

/// The `{organization_id_or_slug}` of the route the request matched, decoded.
fn target_organization(registry: &Registry, endpoint: &Endpoint, parts: &Parts) -> Option<IdOrSlug> {
    // From the path itself, by the endpoint's template: axum's parameter extractors fail as a
    // whole when any other parameter is not UTF-8, which would hide a valid organization.
    let path = parts.uri.path().strip_prefix(crate::BASE_PATH)?;
    let raw = registry.route(endpoint.method(), path)?.param(ORGANIZATION_PARAM)?;
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
    Some(IdOrSlug::parse(&decoded))
}

/// An id as scopegate takes it. Row ids are positive; anything else cannot name a real row and
/// maps to 0, which no row has.
pub(crate) fn id(value: i64) -> u128 {
    u128::try_from(value).unwrap_or(0)
}

/// Builds scopegate's snapshot of an organization from its stored settings.
pub fn organization_state(
    registry: &Registry,
    organization_id: i64,
    settings: &OrganizationSettings,
) -> OrganizationState {
    let mut builder = OrganizationState::builder(registry.config(), OrganizationId(id(organization_id)));
    for feature in &settings.features {
        builder = builder.feature(feature, true);
    }
    builder
        .granular(REPLAY_GATE, settings.granular_replay)
        .allow_users(REPLAY_GATE, settings.replay_access_members.iter().map(|u| UserId(id(*u))))
        .allow_teams(REPLAY_GATE, settings.replay_access_teams.iter().map(|t| TeamId(id(*t))))
        .build()
}

/// Turns a request's headers and path into a [`ResolvedRequest`]: the principal, and for the
/// target organization the caller's membership and the organization's state (see the module docs).
///
/// Does not decide anything: the enforcement layer passes the result to
/// [`Registry::authorize`] (see [`ResolvedRequest::authorize`]).
///
/// # Errors
/// 401 [`ResolveError::InvalidCredentials`] for a malformed or unknown credential; a store failure.
pub async fn resolve(
    state: &AppState,
    parts: &mut Parts,
    endpoint: &'static Endpoint,
) -> Result<ResolvedRequest, ResolveError> {
    let registry = state.registry();
    let secret = match presented(&parts.headers)? {
        Presented::None => None,
        Presented::Secret(kind, secret) => Some((kind, token::hash(secret))),
    };
    let presented_any = secret.is_some();
    let target = target_organization(registry, endpoint, parts);
    // One consistent read: credential, organization, membership and settings from one state. A
    // session in use is recorded as such (at most once a minute), so that it does not expire idle.
    let presented_secret = secret.clone();
    let loaded = state
        .store(move |store| {
            let secret = presented_secret.as_ref().map(|(kind, hash)| (*kind, hash.as_str()));
            let facts = store.request_facts(secret, target.as_ref())?;
            if let (Some(Credential::Session { needs_touch: true, .. }), Some((_, hash))) =
                (&facts.credential, secret)
            {
                store.data().touch_session(hash)?;
            }
            Ok(facts)
        })
        .await?;
    if presented_any && loaded.credential.is_none() {
        return Err(ResolveError::InvalidCredentials("Invalid token."));
    }

    let (principal, user) = match loaded.credential {
        None => (Principal::Anonymous, None),
        Some(Credential::Session { user, superuser, .. }) => {
            let active = superuser && user.is_superuser;
            let principal = Principal::User {
                id: UserId(id(user.id)),
                credential: UserCredential::Session,
                active_superuser: active,
            };
            (principal, Some(user))
        }
        Some(Credential::UserToken { user, scopes, .. }) => {
            let scopes = registry.scope_set(scopes.iter().map(String::as_str));
            (Principal::user_token(UserId(id(user.id)), scopes), Some(user))
        }
        Some(Credential::OrgToken { organization_id, scopes }) => {
            let scopes = registry.scope_set(scopes.iter().map(String::as_str));
            (Principal::org_token(OrganizationId(id(organization_id)), scopes), None)
        }
    };
    let membership = loaded.member.as_ref().map(|m| {
        (
            OrganizationId(id(m.organization_id)),
            registry.scope_set(roles::scopes(m.role).iter().copied()),
            m.teams.iter().map(|t| TeamId(id(*t))).collect::<Vec<_>>(),
        )
    });
    let state = match (&loaded.organization, &loaded.settings) {
        (Some(org), Some(settings)) => Some(Arc::new(organization_state(registry, org.id, settings))),
        _ => None,
    };
    // The same rules as the engine's decision, so object-level checks agree with it.
    let member_view = membership.as_ref().map(|(organization, role_scopes, teams)| Membership {
        organization: *organization,
        role_scopes: *role_scopes,
        teams: teams.as_slice(),
    });
    let mut request = AccessRequest::new(Method::Get, "", &principal);
    request.membership = member_view.as_ref();
    request.organization = state.as_deref();
    // What the decision for this endpoint intersects, so object-level checks agree with it.
    let effective = registry.effective_scopes_at(endpoint, &request);
    Ok(ResolvedRequest {
        principal,
        credential: secret,
        user,
        organization: loaded.organization,
        member: loaded.member,
        membership,
        state,
        effective,
        registry,
    })
}

impl ResolvedRequest {
    /// The facts scopegate's axum layer decides on.
    pub fn to_scopegate(&self) -> Resolved {
        Resolved {
            principal: self.principal,
            membership: self.membership.as_ref().map(|(organization, role_scopes, teams)| OwnedMembership {
                organization: *organization,
                role_scopes: *role_scopes,
                teams: Arc::from(teams.as_slice()),
            }),
            organization: self.state.clone(),
        }
    }
}

/// The demo's principal resolver for scopegate's enforcement layer: [`resolve`], with the result
/// also stored in the request's extensions (as `Arc<ResolvedRequest>`) for the handlers' [`Caller`].
impl Resolver for AppState {
    type Rejection = ResolveError;

    async fn resolve(
        &self,
        parts: &mut Parts,
        endpoint: &'static Endpoint,
    ) -> Result<Resolved, ResolveError> {
        let resolved = Arc::new(resolve(self, parts, endpoint).await?);
        parts.extensions.insert(Arc::clone(&resolved));
        Ok(resolved.to_scopegate())
    }

    fn challenge(&self) -> axum::http::HeaderValue {
        axum::http::HeaderValue::from_static(crate::api::CHALLENGE)
    }
}

/// A handler's view of the caller: the [`ResolvedRequest`] the enforcement layer stored in the
/// request's extensions (as `Arc<ResolvedRequest>`), or, when there is none, a fresh [`resolve`].
///
/// Handlers assume scopegate already allowed the request; they use the caller for object-level
/// checks that scopes cannot express.
#[derive(Clone, Debug)]
pub struct Caller(pub Arc<ResolvedRequest>);

impl std::ops::Deref for Caller {
    type Target = ResolvedRequest;
    fn deref(&self) -> &ResolvedRequest {
        &self.0
    }
}

impl Caller {
    /// The target organization, or 404 when the path names none that exists.
    ///
    /// # Errors
    /// 404 `not_found`.
    pub fn org(&self) -> Result<&Organization, ApiError> {
        self.organization().ok_or_else(|| ApiError::not_found("organization"))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        // The resolver stored it before scopegate allowed the request; without it no check ran,
        // and the handler must not either (fail closed, as `scopegate::axum::Authorized` does).
        match parts.extensions.get::<Arc<ResolvedRequest>>() {
            Some(resolved) => Ok(Caller(Arc::clone(resolved))),
            None => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "enforcement_missing",
                "The permission check did not run.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn authorization_header_forms() {
        assert_eq!(presented(&headers(&[])).unwrap(), Presented::None);
        assert_eq!(
            presented(&headers(&["Bearer sgu_ab"])).unwrap(),
            Presented::Secret(TokenKind::User, "sgu_ab")
        );
        assert_eq!(
            presented(&headers(&["bearer  sgo_ab "])).unwrap(),
            Presented::Secret(TokenKind::Org, "sgo_ab")
        );
        assert_eq!(
            presented(&headers(&["Session sgs_ab"])).unwrap(),
            Presented::Secret(TokenKind::Session, "sgs_ab")
        );
        for bad in
            [&["Bearer sgs_ab"][..], &["Session sgu_ab"], &["Basic dXNlcjpwdw=="], &["sgu_ab"], &["Bearer x"]]
        {
            assert!(matches!(presented(&headers(bad)), Err(ResolveError::InvalidCredentials(_))), "{bad:?}");
        }
        assert!(presented(&headers(&["Bearer sgu_a", "Bearer sgu_b"])).is_err());
    }
}
