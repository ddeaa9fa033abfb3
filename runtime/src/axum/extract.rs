use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::{Response, StatusCode, request::Parts};

use super::resolve::OwnedMembership;
use super::response::json_response;

use crate::decision::AccessRequest;
use crate::gates::OrganizationState;
use crate::handler::Checked;
use crate::principal::Principal;
use crate::record::Endpoint;
use crate::registry::Registry;
use crate::scopes::ScopeSet;

/// The facts of an allowed request, inserted into its extensions for the handler.
///
/// ```
/// async fn handler(auth: scopegate::axum::Authorized) -> String {
///     let can_admin = auth.has_scope("org:admin");
///     format!("{} called {} (admin: {can_admin})", auth.principal.kind(), auth.endpoint().handler())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Authorized {
    /// The endpoint the request was allowed to (read-only: a declared handler's `Checked` proof
    /// is granted by it).
    pub(super) endpoint: &'static Endpoint,
    /// Who is calling.
    pub principal: Principal,
    /// The caller's membership in the target organization.
    pub membership: Option<OwnedMembership>,
    /// The target organization's state.
    pub organization: Option<Arc<OrganizationState>>,
    pub(super) registry: &'static Registry,
}

impl Authorized {
    /// The scopes the caller holds in the target organization (see
    /// [`Registry::effective_scopes`]): what the decision intersected with the endpoint's.
    /// Computed on demand (a few bit operations), so requests that never ask pay nothing.
    pub fn effective_scopes(&self) -> ScopeSet {
        let membership = self.membership.as_ref().map(OwnedMembership::as_membership);
        let request = AccessRequest {
            method: self.endpoint.method(),
            path: self.endpoint.path(),
            principal: &self.principal,
            membership: membership.as_ref(),
            organization: self.organization.as_deref(),
        };
        self.registry.effective_scopes_at(self.endpoint, &request)
    }

    /// `true` when the caller holds `scope` (a name of the registry's vocabulary; unknown names
    /// are never held), for object-level checks inside a handler.
    pub fn has_scope(&self, scope: &str) -> bool {
        let wanted = self.registry.scope_set([scope]);
        !wanted.is_empty() && self.effective_scopes().contains_any(wanted)
    }

    /// The names of the scopes the caller holds, in vocabulary order.
    pub fn scope_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.registry.scope_names(self.effective_scopes())
    }

    /// The registry that decided the request.
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    /// The endpoint the request was allowed to.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authorized {
    type Rejection = Response<Body>;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authorized>().cloned().ok_or_else(|| {
            tracing::error!("handler extracted scopegate::axum::Authorized, but no scopegate check ran");
            enforcement_missing()
        })
    }
}

/// A declared handler's proof (see [`Checked`]): extracted only from a request this module's
/// router decided for `H`'s own declaration. Anywhere else — the body mounted in a plain axum
/// router, or under another endpoint's decision — the request is answered 500
/// `enforcement_missing` before the handler's body runs.
impl<H: 'static, S: Send + Sync> FromRequestParts<S> for Checked<H> {
    type Rejection = Response<Body>;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let decided = parts.extensions.get::<Authorized>().map(|a| a.endpoint);
        match decided {
            Some(endpoint) if endpoint.carrier() == Some(std::any::TypeId::of::<H>()) => {
                Ok(Checked::decided())
            }
            _ => {
                tracing::error!(
                    target: "scopegate",
                    handler = std::any::type_name::<H>(),
                    decided_for = decided.map(|e| e.handler()),
                    "a declared handler was reached without its own permission check; its body does not run"
                );
                Err(enforcement_missing())
            }
        }
    }
}

/// 500 `enforcement_missing`: a handler was reached without the permission check.
pub(super) fn enforcement_missing() -> Response<Body> {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"status":500,"error":"enforcement_missing","detail":"The permission check did not run."}"#
            .to_string(),
    )
}
