//! The requests every implementation decides: a member calling with a user auth token, on endpoints
//! it may call (allow) and on endpoints it may not (deny), in the three representations.

use std::collections::HashSet;

use scopegate::{
    AccessRequest, Config, Endpoint, Membership, Method, OrganizationId, OrganizationState, Principal,
    Registry, UserId,
};

use crate::endpoints::{concrete_path, leak_registry};
use crate::plain::{Caller, Outcome, Plain};

/// The scopes stored on the caller's user auth token.
pub const TOKEN_SCOPES: &[&str] =
    &["org:read", "project:write", "team:read", "member:read", "event:write", "alerts:write"];

/// The scopes of Sentry's `member` role.
pub const MEMBER_ROLE: &[&str] = &[
    "event:read",
    "event:write",
    "event:admin",
    "project:releases",
    "project:read",
    "org:read",
    "member:read",
    "team:read",
    "alerts:read",
    "alerts:write",
];

/// The caller's organization.
pub const ORGANIZATION: OrganizationId = OrganizationId(1);

/// One request: a method and a concrete path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Req {
    /// The method.
    pub method: Method,
    /// The concrete path, e.g. `/api/0/organizations/acme/dashboards/1003/`.
    pub path: String,
}

/// A registry with its plain counterpart, the caller in every representation, and the requests the
/// caller is allowed and denied.
#[derive(Debug)]
pub struct Scenario {
    /// The endpoints.
    pub endpoints: Vec<&'static Endpoint>,
    /// scopegate's registry of the endpoints.
    pub registry: &'static Registry,
    /// The plain (Sentry-style) policy of the same endpoints.
    pub plain: Plain,
    /// The caller for scopegate: a user token, parsed once when the token is loaded.
    pub principal: Principal,
    /// The caller's membership for scopegate.
    pub membership: Membership<'static>,
    /// The target organization's state (no feature flag on).
    pub organization: OrganizationState,
    /// The caller for the plain implementation and casbin.
    pub caller: Caller,
    /// Requests the caller may make (every implementation allows them).
    pub allow: Vec<Req>,
    /// Requests to registered endpoints the caller lacks the scopes for (403).
    pub deny: Vec<Req>,
}

/// A small deterministic generator (64-bit LCG), so every run benchmarks the same requests.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator with `seed`.
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    /// The next value in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

impl Scenario {
    fn base(endpoints: Vec<&'static Endpoint>) -> Scenario {
        let registry = leak_registry(&endpoints);
        let plain = Plain::new(Config::sentry(), &endpoints);
        Scenario {
            principal: Principal::user_token(UserId(7), registry.scope_set(TOKEN_SCOPES.iter().copied())),
            membership: Membership {
                organization: ORGANIZATION,
                role_scopes: registry.scope_set(MEMBER_ROLE.iter().copied()),
                teams: &[],
            },
            organization: OrganizationState::builder(Config::sentry(), ORGANIZATION).build(),
            caller: Caller::UserToken {
                token_scopes: TOKEN_SCOPES.iter().map(|s| s.to_string()).collect(),
                role_scopes: MEMBER_ROLE.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
            },
            endpoints,
            registry,
            plain,
            allow: Vec::new(),
            deny: Vec::new(),
        }
    }

    /// Sorts `endpoint`'s concrete request into the allow or deny list by the plain decision;
    /// endpoints without credentials or with a gate are skipped (the plain model has no gates).
    fn classify(&mut self, endpoint: &'static Endpoint, variant: usize) {
        if !endpoint.requires_credentials() || endpoint.gate().is_some() {
            return;
        }
        let req = Req { method: endpoint.method(), path: concrete_path(endpoint.path(), variant) };
        match self.plain.decide(req.method.as_str(), &req.path, &self.caller) {
            Outcome::Allow => self.allow.push(req),
            Outcome::Forbidden => self.deny.push(req),
            Outcome::NotFound | Outcome::MethodNotAllowed | Outcome::Unauthorized => {}
        }
    }

    /// The Sentry-like set: one request per authenticated, ungated endpoint.
    pub fn sentry_like() -> Scenario {
        let endpoints = crate::endpoints::sentry_like().to_vec();
        let mut s = Scenario::base(endpoints.clone());
        for (i, e) in endpoints.into_iter().enumerate() {
            s.classify(e, i);
        }
        s
    }

    /// A generated registry of `count` endpoints, with up to `per_side` allowed and denied requests
    /// to endpoints drawn at random (deterministically).
    pub fn generated(count: usize, per_side: usize) -> Scenario {
        let endpoints = crate::endpoints::generated(count);
        let mut s = Scenario::base(endpoints.clone());
        let mut rng = Lcg::new(0x5c09e6a7e);
        for attempt in 0..per_side * 8 {
            if s.allow.len() >= per_side && s.deny.len() >= per_side {
                break;
            }
            let e = endpoints[rng.below(endpoints.len())];
            let (allow, deny) = (s.allow.len(), s.deny.len());
            s.classify(e, attempt);
            if s.allow.len() > per_side || s.deny.len() > per_side {
                s.allow.truncate(allow.max(per_side));
                s.deny.truncate(deny.max(per_side));
            }
        }
        s
    }

    /// scopegate's view of `reqs`.
    pub fn access_requests<'a>(&'a self, reqs: &'a [Req]) -> Vec<AccessRequest<'a>> {
        reqs.iter()
            .map(|r| {
                AccessRequest::new(r.method, &r.path, &self.principal)
                    .with_membership(&self.membership)
                    .with_organization(&self.organization)
            })
            .collect()
    }

    /// The caller's token and role scope names (for casbin).
    pub fn caller_scopes(&self) -> (&[String], &HashSet<String>) {
        match &self.caller {
            Caller::UserToken { token_scopes, role_scopes } => (token_scopes, role_scopes),
            Caller::Anonymous => (&[], empty_set()),
        }
    }
}

fn empty_set() -> &'static HashSet<String> {
    static EMPTY: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(HashSet::new)
}
