//! The request a registry decides on, and the decision: allow, or a denial with a status and a
//! machine-readable reason.

use std::fmt;

use crate::gates::OrganizationState;
use crate::principal::{Membership, Principal};
use crate::record::{Endpoint, Method, Methods, ScopeMatch};

/// Everything [`Registry::authorize`](crate::Registry::authorize) needs to decide one request.
///
/// ```
/// use scopegate::{AccessRequest, Method, Principal};
/// let anonymous = Principal::Anonymous;
/// let request = AccessRequest::new(Method::Get, "/organizations/acme/", &anonymous);
/// assert!(request.membership.is_none() && request.organization.is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AccessRequest<'a> {
    /// The request's method.
    pub method: Method,
    /// The concrete request path (no query string), e.g. `/organizations/acme/replays/`.
    pub path: &'a str,
    /// Who is calling.
    pub principal: &'a Principal,
    /// The principal's membership in the target organization (`None`: not a member, or no user).
    pub membership: Option<&'a Membership<'a>>,
    /// The target organization's state, whenever the path names an organization. Organization
    /// tokens and integrations are only accepted inside it, and gated endpoints need it (without it
    /// a gated area is treated as switched off).
    pub organization: Option<&'a OrganizationState>,
}

impl<'a> AccessRequest<'a> {
    /// A request with no membership and no organization context.
    pub const fn new(method: Method, path: &'a str, principal: &'a Principal) -> AccessRequest<'a> {
        AccessRequest { method, path, principal, membership: None, organization: None }
    }

    /// The same request with the caller's membership in the target organization.
    pub const fn with_membership(mut self, membership: &'a Membership<'a>) -> AccessRequest<'a> {
        self.membership = Some(membership);
        self
    }

    /// The same request with the target organization's state.
    pub const fn with_organization(mut self, organization: &'a OrganizationState) -> AccessRequest<'a> {
        self.organization = Some(organization);
        self
    }
}

/// The outcome of [`Registry::authorize`](crate::Registry::authorize).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a decision enforces nothing until the request is answered by it: allow it, or respond with the denial"]
pub enum Decision {
    /// The request may proceed to the endpoint.
    Allow(&'static Endpoint),
    /// The request must be answered with the denial's status and JSON body.
    Deny(Denial),
}

impl Decision {
    /// `true` for [`Decision::Allow`].
    pub const fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }

    /// The HTTP status the decision stands for: 200 when allowed, else the denial's status.
    pub const fn status(&self) -> u16 {
        match self {
            Decision::Allow(_) => 200,
            Decision::Deny(d) => d.status,
        }
    }

    /// The matched endpoint (`None` only when no endpoint serves the request).
    pub const fn endpoint(&self) -> Option<&'static Endpoint> {
        match self {
            Decision::Allow(e) => Some(e),
            Decision::Deny(d) => d.endpoint,
        }
    }

    /// The denial, if the request is denied.
    pub const fn denial(&self) -> Option<&Denial> {
        match self {
            Decision::Allow(_) => None,
            Decision::Deny(d) => Some(d),
        }
    }

    /// The reason's code (`"missing_scope"`, …), or `"allowed"`.
    pub const fn code(&self) -> &'static str {
        match self {
            Decision::Allow(_) => "allowed",
            Decision::Deny(d) => d.reason.code(),
        }
    }
}

/// A refused request: the status to answer with, why, and the endpoint it was for.
///
/// With feature `serde` (implied by `axum`), serialises to the JSON error body, e.g.
/// `{"status":403,"error":"missing_scope","detail":"…","accepted_scopes":["org:write"],"scope_match":"any"}`;
/// gate reasons add `"gate"` (and `"feature"` for `feature_disabled`). The endpoint is not part of
/// the body.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use scopegate::{Denial, Reason};
/// let denial = Denial { status: 403, reason: Reason::NotOnAllowlist { gate: "replay" }, endpoint: None };
/// assert_eq!(
///     denial.to_json(),
///     r#"{"status":403,"error":"not_on_allowlist","detail":"You have not been granted access to this area.","gate":"replay"}"#
/// );
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a denial must be answered with its status and body"]
pub struct Denial {
    /// 401, 403, 404 or 405.
    pub status: u16,
    /// Why.
    pub reason: Reason,
    /// The endpoint the request was routed to; `None` when none serves it.
    pub endpoint: Option<&'static Endpoint>,
}

impl Denial {
    /// A denial with the reason's status.
    pub const fn new(reason: Reason, endpoint: Option<&'static Endpoint>) -> Denial {
        Denial { status: reason.status(), reason, endpoint }
    }

    /// The JSON error body (allocates; the decision itself does not).
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn to_json(&self) -> String {
        // Serialising a map of strings and numbers into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.reason)?;
        if let Some(e) = self.endpoint {
            write!(f, " ({} {} → {})", e.method(), e.path(), e.handler())?;
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for Denial {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("error", self.reason.code())?;
        map.serialize_entry("detail", self.reason.detail())?;
        match self.reason {
            Reason::MissingScope { accepted, scope_match } => {
                map.serialize_entry("accepted_scopes", accepted)?;
                map.serialize_entry("scope_match", scope_match.as_str())?;
            }
            Reason::FeatureDisabled { gate, feature } => {
                map.serialize_entry("gate", gate)?;
                map.serialize_entry("feature", feature)?;
            }
            Reason::NotAMember { gate }
            | Reason::EmptyAllowlist { gate }
            | Reason::NotOnAllowlist { gate } => map.serialize_entry("gate", gate)?,
            Reason::MethodNotAllowed { allow } => {
                map.serialize_entry("allow", &allow.iter().map(Method::as_str).collect::<Vec<_>>())?
            }
            Reason::EndpointNotFound
            | Reason::NoCredentials
            | Reason::NoMembership
            | Reason::WrongOrganization
            | Reason::SuperuserRequired => {}
        }
        map.end()
    }
}

/// Why a request was denied (machine-readable; see [`Reason::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// 404: no registered endpoint serves the method and path.
    EndpointNotFound,
    /// 405: endpoints are declared on the path, but none for the request's method (`HEAD` is
    /// decided as `GET` where only `GET` is declared).
    MethodNotAllowed {
        /// The methods declared on the path: the response's `Allow` header.
        allow: Methods,
    },
    /// 401: the endpoint needs credentials and the request has none.
    NoCredentials,
    /// 403: the caller holds none of the scopes the endpoint accepts (`scopes = [...]`), or lacks
    /// one that it requires (`scopes = all(...)`).
    MissingScope {
        /// The endpoint's scopes: any one of them grants access, or all of them together (see
        /// `scope_match`).
        accepted: &'static [&'static str],
        /// How `accepted` is matched.
        scope_match: ScopeMatch,
    },
    /// 403: a signed-in user (session or user token) with no membership that counts for the
    /// request: not a member of the target organization, a request that names no organization on
    /// an organization-scoped endpoint, or (single-tenant) no standing resolved. Such a caller holds
    /// no scope, whatever the token says.
    NoMembership,
    /// 403: an organization token or integration used outside its organization.
    WrongOrganization,
    /// 403: the endpoint is reserved to active superusers (`superuser = "why"`).
    SuperuserRequired,
    /// 404: the gate's feature flag is off for the organization (or there is no organization).
    FeatureDisabled {
        /// The gate, e.g. `replay`.
        gate: &'static str,
        /// Its feature flag, e.g. `organizations:session-replay`.
        feature: &'static str,
    },
    /// 403: granular access is on and the caller is not a member of the organization.
    NotAMember {
        /// The gate.
        gate: &'static str,
    },
    /// 403: granular access is on and nobody is on the allowlist.
    EmptyAllowlist {
        /// The gate.
        gate: &'static str,
    },
    /// 403: granular access is on and the member is neither on the allowlist nor in an allowed team.
    NotOnAllowlist {
        /// The gate.
        gate: &'static str,
    },
}

impl Reason {
    /// The machine-readable code: `endpoint_not_found`, `method_not_allowed`, `no_credentials`, `missing_scope`,
    /// `no_membership`, `wrong_organization`, `superuser_required`, `feature_disabled`, `not_a_member`, `empty_allowlist` or
    /// `not_on_allowlist`.
    pub const fn code(&self) -> &'static str {
        match self {
            Reason::EndpointNotFound => "endpoint_not_found",
            Reason::MethodNotAllowed { .. } => "method_not_allowed",
            Reason::NoCredentials => "no_credentials",
            Reason::MissingScope { .. } => "missing_scope",
            Reason::NoMembership => "no_membership",
            Reason::WrongOrganization => "wrong_organization",
            Reason::SuperuserRequired => "superuser_required",
            Reason::FeatureDisabled { .. } => "feature_disabled",
            Reason::NotAMember { .. } => "not_a_member",
            Reason::EmptyAllowlist { .. } => "empty_allowlist",
            Reason::NotOnAllowlist { .. } => "not_on_allowlist",
        }
    }

    /// The HTTP status that goes with the reason.
    pub const fn status(&self) -> u16 {
        match self {
            Reason::EndpointNotFound | Reason::FeatureDisabled { .. } => 404,
            Reason::MethodNotAllowed { .. } => 405,
            Reason::NoCredentials => 401,
            Reason::MissingScope { .. }
            | Reason::NoMembership
            | Reason::WrongOrganization
            | Reason::SuperuserRequired
            | Reason::NotAMember { .. }
            | Reason::EmptyAllowlist { .. }
            | Reason::NotOnAllowlist { .. } => 403,
        }
    }

    /// A human-readable sentence for the error body.
    pub const fn detail(&self) -> &'static str {
        match self {
            Reason::EndpointNotFound => "The requested resource does not exist.",
            Reason::MethodNotAllowed { .. } => "The resource does not support this method.",
            Reason::NoCredentials => "Authentication credentials were not provided.",
            Reason::MissingScope { scope_match: ScopeMatch::Any, .. } => {
                "Your credentials hold none of the scopes this endpoint accepts."
            }
            Reason::MissingScope { scope_match: ScopeMatch::All, .. } => {
                "Your credentials lack a scope this endpoint requires: it requires all of them."
            }
            Reason::NoMembership => {
                "No membership or standing was found for you here, so your credentials grant no scope."
            }
            Reason::WrongOrganization => "These credentials belong to another organization.",
            Reason::SuperuserRequired => "This endpoint is reserved to active superusers.",
            Reason::FeatureDisabled { .. } => "This feature is not enabled for the organization.",
            Reason::NotAMember { .. } => "You are not a member of this organization.",
            Reason::EmptyAllowlist { .. } => {
                "Access to this area is restricted and has been granted to nobody."
            }
            Reason::NotOnAllowlist { .. } => "You have not been granted access to this area.",
        }
    }

    /// The gate the reason comes from, for gate reasons.
    pub const fn gate(&self) -> Option<&'static str> {
        match self {
            Reason::FeatureDisabled { gate, .. }
            | Reason::NotAMember { gate }
            | Reason::EmptyAllowlist { gate }
            | Reason::NotOnAllowlist { gate } => Some(gate),
            _ => None,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())?;
        match self {
            Reason::MissingScope { accepted, scope_match: ScopeMatch::Any } => {
                write!(f, " (accepted: {})", accepted.join(", "))
            }
            Reason::MissingScope { accepted, scope_match: ScopeMatch::All } => {
                write!(f, " (required: all of {})", accepted.join(", "))
            }
            Reason::MethodNotAllowed { allow } => write!(f, " (allow: {allow})"),
            Reason::FeatureDisabled { gate, feature } => write!(f, " ({gate}: {feature})"),
            Reason::NotAMember { gate }
            | Reason::EmptyAllowlist { gate }
            | Reason::NotOnAllowlist { gate } => {
                write!(f, " ({gate})")
            }
            _ => Ok(()),
        }
    }
}
