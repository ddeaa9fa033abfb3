//! Test support: principal builders, a conformance generator and a reference model of the rules.
//!
//! The conformance generator derives, for every endpoint of a registry, the cases its declaration
//! implies (no credentials → 401, each accepted scope taken away → 403 unless another accepted
//! scope remains, a read-only token on a mutation → 403, a token of another organization → 403, the
//! minimal granting tokens → allowed, and for gated endpoints feature off → 404, not on the
//! allowlist → 403, empty allowlist → 403, the bypasses → allowed), runs them through
//! [`Registry::authorize`] and lists every disagreement. Put it in a service's test suite:
//!
//! ```
//! #[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], gate = replay)]
//! async fn list_replays() {}
//!
//! #[scopegate::endpoint(
//!     method = POST,
//!     path = "/organizations/{org}/searches/",
//!     scopes = ["org:read", "org:write"],
//!     readonly_exception = "Members may save personal searches.",
//! )]
//! async fn save_search() {}
//!
//! // In a #[test]:
//! scopegate::testing::assert_conformance(scopegate::Registry::global());
//! ```
//!
//! [`check`] does the same for any decision function, e.g. a middleware that wraps the registry.
//! With the `axum` feature, [`assert_app_checks_every_endpoint`] checks the whole app a service
//! serves over HTTP semantics: every declared endpoint that needs credentials must still answer 401
//! without them, so an outer route shadowing a declared path is caught.

#[cfg(feature = "axum")]
mod app;
mod conformance;
pub mod reference;

#[cfg(feature = "axum")]
pub use app::{Unchecked, assert_app_checks_every_endpoint, unchecked_endpoints};
pub use conformance::{ConformanceReport, Disagreement, assert_conformance, check, conformance};

use scopegate_core::template::Segment;

use crate::config::Config;
use crate::gates::OrganizationState;
use crate::principal::{Membership, OrganizationId, Principal, TeamId, UserId};
use crate::registry::Registry;

/// The organization the conformance cases target.
pub const ORGANIZATION: OrganizationId = OrganizationId(1);
/// Another organization, whose tokens must not work in [`ORGANIZATION`].
pub const OTHER_ORGANIZATION: OrganizationId = OrganizationId(2);
/// The user the conformance cases act as.
pub const USER: UserId = UserId(100);
/// A user who is not the caller.
pub const OTHER_USER: UserId = UserId(101);
/// The caller's team.
pub const TEAM: TeamId = TeamId(200);
/// A team the caller is not in.
pub const OTHER_TEAM: TeamId = TeamId(201);

/// A user session (scopes come from the membership's role).
///
/// ```
/// let p = scopegate::testing::session(7);
/// assert_eq!(p.kind(), "session");
/// ```
pub fn session(user: u128) -> Principal {
    Principal::session(UserId::from(user))
}

/// A user with an *active* superuser session.
pub fn active_superuser(user: u128) -> Principal {
    Principal::active_superuser(UserId::from(user))
}

/// A user auth token holding the named scopes (unknown names are ignored).
///
/// ```
/// let registry = scopegate::Registry::global();
/// let p = scopegate::testing::user_token(registry, 7, &["org:read", "org:nope"]);
/// assert_eq!(p, scopegate::Principal::user_token(scopegate::UserId(7), registry.scope_set(["org:read"])));
/// ```
pub fn user_token(registry: &Registry, user: u128, scopes: &[&str]) -> Principal {
    Principal::user_token(UserId::from(user), registry.scope_set(scopes.iter().copied()))
}

/// An organization auth token of `organization` holding the named scopes.
pub fn org_token(registry: &Registry, organization: u128, scopes: &[&str]) -> Principal {
    Principal::org_token(OrganizationId::from(organization), registry.scope_set(scopes.iter().copied()))
}

/// An integration installed in `organization` holding the named scopes.
pub fn integration(registry: &Registry, organization: u128, scopes: &[&str]) -> Principal {
    Principal::integration(OrganizationId::from(organization), registry.scope_set(scopes.iter().copied()))
}

/// A membership in `organization` whose role holds the named scopes.
///
/// ```
/// use scopegate::TeamId;
/// let registry = scopegate::Registry::global();
/// let teams = [TeamId(1)];
/// let m = scopegate::testing::member(registry, 1, &["org:read"], &teams);
/// assert_eq!(registry.scope_names(m.role_scopes).collect::<Vec<_>>(), ["org:read"]);
/// ```
pub fn member<'a>(
    registry: &Registry,
    organization: u128,
    role: &[&str],
    teams: &'a [TeamId],
) -> Membership<'a> {
    Membership {
        organization: OrganizationId::from(organization),
        role_scopes: registry.scope_set(role.iter().copied()),
        teams,
    }
}

/// An organization with every gate's feature flag on and granular mode off: gates let every caller
/// with the right scopes in.
///
/// ```
/// let org = scopegate::testing::open_organization(scopegate::Config::sentry(), 1);
/// assert!(org.feature_enabled("replay") && !org.granular("replay"));
/// ```
pub fn open_organization(config: &'static Config, organization: u128) -> OrganizationState {
    config
        .gates()
        .iter()
        .fold(OrganizationState::builder(config, OrganizationId::from(organization)), |b, g| {
            b.feature(g.feature(), true)
        })
        .build()
}

/// A concrete request path for a template: `{param}` becomes `p-param` and `{*rest}` becomes
/// `p-rest/x`.
///
/// ```
/// assert_eq!(
///     scopegate::testing::concrete_path("/organizations/{org}/files/{*path}"),
///     "/organizations/p-org/files/p-path/x"
/// );
/// ```
pub fn concrete_path(template: &str) -> String {
    concrete_path_with(template, "p-")
}

pub(crate) fn concrete_path_with(template: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for (i, part) in template.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        match Segment::parse(part) {
            Segment::CatchAll(name) => {
                out.push_str(prefix);
                out.push_str(name);
                out.push_str("/x");
            }
            Segment::Param(name) => {
                out.push_str(prefix);
                out.push_str(name);
            }
            Segment::Literal(text) => out.push_str(text),
        }
    }
    out
}

/// Fails a test when the registry regressed against a committed policy baseline (see [`crate::audit`]).
pub use crate::audit::assert_no_new_debt;
