//! A reference model of the access rules, written plainly: strings and hash sets, a list scan for
//! routing, and every rule of the design spelled out in order, with no bitsets, no precomputation
//! and no sharing with the engine.
//!
//! It exists to be compared with [`Registry::authorize`](crate::Registry::authorize) (the crate's
//! property tests run both on hundreds of thousands of random requests); it is public so that a
//! service can do the same with its own registry, and because it is the most readable statement of
//! the rules.
//!
//! ```
//! use std::collections::HashSet;
//! use scopegate::Method;
//! use scopegate::testing::reference::{decide, Caller, Case};
//!
//! #[scopegate::endpoint(method = GET, path = "/organizations/{org}/stats/", scopes = ["org:read"])]
//! fn stats() {}
//!
//! let registry = scopegate::Registry::global();
//! let case = Case {
//!     method: Method::Get,
//!     path: "/organizations/acme/stats/".to_string(),
//!     caller: Caller::Anonymous,
//!     member: None,
//!     organization: None,
//! };
//! let outcome = decide(registry.config(), registry.endpoints(), &case);
//! assert_eq!((outcome.status, outcome.code), (401, "no_credentials"));
//! ```

use std::collections::{HashMap, HashSet};

use scopegate_core::template::Segment;

use crate::config::{Config, Vocabulary};
use crate::record::{Endpoint, Method, ScopeMatch};

/// Who calls, in plain terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// A user: with a session (`token: None`) or a user auth token holding these scope names.
    User {
        /// The user's id.
        id: u64,
        /// The token's scope names (untrusted: unknown names are ignored); `None` for a session.
        token: Option<HashSet<String>>,
        /// An active superuser session.
        active_superuser: bool,
    },
    /// An organization auth token.
    OrgToken {
        /// The organization it belongs to.
        organization: u64,
        /// Its scope names.
        scopes: HashSet<String>,
    },
    /// An installed integration.
    Integration {
        /// The organization it is installed in.
        organization: u64,
        /// Its scope names.
        scopes: HashSet<String>,
    },
}

/// The caller's membership in an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The organization.
    pub organization: u64,
    /// The scope names of the member's role.
    pub role: HashSet<String>,
    /// The member's teams.
    pub teams: HashSet<u64>,
}

/// The target organization's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: u64,
    /// The feature flags that are on, e.g. `organizations:session-replay`.
    pub features: HashSet<String>,
    /// The gates in granular (allowlist) mode.
    pub granular: HashSet<String>,
    /// Per gate, the users on its allowlist.
    pub users: HashMap<String, HashSet<u64>>,
    /// Per gate, the teams on its allowlist.
    pub teams: HashMap<String, HashSet<u64>>,
}

/// One request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The method.
    pub method: Method,
    /// The concrete path.
    pub path: String,
    /// Who calls.
    pub caller: Caller,
    /// The caller's membership, if any.
    pub member: Option<Member>,
    /// The target organization, if any.
    pub organization: Option<Organization>,
}

/// What the model decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// 200 when allowed, else 401, 403 or 404.
    pub status: u16,
    /// `"allowed"` or the denial's reason code.
    pub code: &'static str,
    /// The handler of the endpoint the request was routed to.
    pub handler: Option<&'static str>,
}

fn outcome(status: u16, code: &'static str, endpoint: Option<&Endpoint>) -> Outcome {
    Outcome { status, code, handler: endpoint.map(|e| e.handler()) }
}

/// How one template segment matches: a literal, a `{param}` (one segment, empty only if another
/// follows) or a trailing `{*rest}` (the non-empty rest of the path). Ordered by routing priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Literal,
    Param,
    CatchAll,
}

/// The kinds of the template's segments if it matches `path`, else `None`.
fn match_template(template: &str, path: &str) -> Option<Vec<Kind>> {
    let template: Vec<&str> = template.strip_prefix('/')?.split('/').collect();
    let path_rest = path.strip_prefix('/')?;
    let segments: Vec<&str> = path_rest.split('/').collect();
    let mut kinds = Vec::new();
    for (i, part) in template.iter().enumerate() {
        let segment = Segment::parse(part);
        if matches!(segment, Segment::CatchAll(_)) && i == template.len() - 1 {
            // The rest of the path, slashes included, must not be empty.
            let rest = segments.get(i..)?.join("/");
            if rest.is_empty() {
                return None;
            }
            kinds.push(Kind::CatchAll);
            return Some(kinds);
        }
        let value = segments.get(i)?;
        match segment {
            Segment::Literal(text) => {
                if text != *value {
                    return None;
                }
                kinds.push(Kind::Literal);
            }
            // A catch-all before the end is matched as a parameter, as the router does.
            Segment::Param(_) | Segment::CatchAll(_) => {
                if value.is_empty() && i == segments.len() - 1 {
                    return None;
                }
                kinds.push(Kind::Param);
            }
        }
    }
    if segments.len() == template.len() { Some(kinds) } else { None }
}

/// Where routing sends a request.
enum Routed<'e> {
    Endpoint(&'e Endpoint),
    /// The path is declared, but not for the method.
    MethodNotAllowed,
    NotFound,
}

/// Routing, as axum does it: the path first, whatever the method — of every template that matches,
/// the one whose segments are most specific first (a literal before a parameter before a
/// catch-all, compared from the left) — then that route's endpoint for the method; `HEAD` falls
/// back to the route's `GET` endpoint; a route without the method is "method not allowed".
fn route<'e>(endpoints: &[&'e Endpoint], method: Method, path: &str) -> Routed<'e> {
    let matching: Vec<(Vec<Kind>, &'e Endpoint)> =
        endpoints.iter().filter_map(|e| match_template(e.path(), path).map(|kinds| (kinds, *e))).collect();
    let Some(best) = matching.iter().map(|(kinds, _)| kinds).min() else { return Routed::NotFound };
    let on_route = |m: Method| matching.iter().find(|(kinds, e)| kinds == best && e.method() == m);
    match on_route(method).or_else(|| if method == Method::Head { on_route(Method::Get) } else { None }) {
        Some((_, e)) => Routed::Endpoint(e),
        None => Routed::MethodNotAllowed,
    }
}

/// The names closed under the vocabulary's hierarchy; unknown names are dropped.
fn with_hierarchy(vocabulary: &Vocabulary, names: &HashSet<String>) -> HashSet<String> {
    let mut out = HashSet::new();
    for name in names {
        if vocabulary.contains(name) {
            out.insert(name.clone());
            for implied in vocabulary.implied_by(name) {
                out.insert(implied.to_string());
            }
        }
    }
    out
}

/// `scopes = [...]`: any one of them; `scopes = all(...)`: every one.
fn meets(scope_match: Option<ScopeMatch>, scopes: &[&str], held: &HashSet<String>) -> bool {
    match scope_match {
        Some(ScopeMatch::All) => scopes.iter().all(|required| held.contains(*required)),
        _ => scopes.iter().any(|accepted| held.contains(*accepted)),
    }
}

/// Step 3's effective scopes of the caller (see [`Principal`](crate::Principal)), or the code of
/// the denial for a caller who holds none by standing.
fn held_scopes(
    config: &Config,
    case: &Case,
    member: Option<&Member>,
    target: Option<u64>,
) -> Result<HashSet<String>, &'static str> {
    let vocabulary = config.vocabulary();
    Ok(match &case.caller {
        Caller::Anonymous => return Err("no_credentials"),
        Caller::User { active_superuser: true, .. } => {
            vocabulary.scopes().iter().map(|s| s.to_string()).collect()
        }
        // A user without a membership that counts holds nothing: `no_membership`.
        Caller::User { .. } if member.is_none() => return Err("no_membership"),
        Caller::User { token: None, .. } => member.map(|m| m.role.clone()).unwrap_or_default(),
        Caller::User { token: Some(token), .. } => member
            .map(|m| with_hierarchy(vocabulary, token).intersection(&m.role).cloned().collect())
            .unwrap_or_default(),
        Caller::OrgToken { organization, scopes } | Caller::Integration { organization, scopes } => {
            if config.has_organizations() && target != Some(*organization) {
                return Err("wrong_organization");
            }
            with_hierarchy(vocabulary, scopes)
        }
    })
}

/// Would the endpoint's planned policy (see [`Endpoint::planned`]) deny a request that
/// [`decide`] allows? What the engine's shadow evaluation records. `false` for a request that is
/// not allowed, or to an endpoint without a plan.
pub fn would_break(config: &Config, endpoints: &[&'static Endpoint], case: &Case) -> bool {
    if decide(config, endpoints, case).status != 200 {
        return false;
    }
    let Routed::Endpoint(endpoint) = route(endpoints, case.method, &case.path) else { return false };
    let Some(plan) = endpoint.planned() else { return false };
    let target = case.organization.as_ref().map(|o| o.id);
    let member = counted_member(config, endpoint, case, target);
    match held_scopes(config, case, member, target) {
        Ok(held) => !meets(Some(plan.scope_match()), plan.scopes(), &held),
        Err(_) => false,
    }
}

/// The caller's membership, if it counts for the request (see [`decide`]).
fn counted_member<'a>(
    config: &Config,
    endpoint: &Endpoint,
    case: &'a Case,
    target: Option<u64>,
) -> Option<&'a Member> {
    let organization_scoped = endpoint.path().split('/').any(|segment| {
        segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) == Some(config.organization_param())
    });
    match (&case.member, target) {
        (m, _) if !config.has_organizations() => m.as_ref(),
        (Some(m), Some(t)) if m.organization != t => None,
        (Some(_), None) if organization_scoped => None,
        (m, _) => m.as_ref(),
    }
}

/// Decides `case` against `endpoints` under `config`, following the design's rules literally.
pub fn decide(config: &Config, endpoints: &[&'static Endpoint], case: &Case) -> Outcome {
    let vocabulary = config.vocabulary();

    // 1. Routing.
    let endpoint = match route(endpoints, case.method, &case.path) {
        Routed::Endpoint(e) => e,
        Routed::MethodNotAllowed => return outcome(405, "method_not_allowed", None),
        Routed::NotFound => return outcome(404, "endpoint_not_found", None),
    };
    let target: Option<u64> = case.organization.as_ref().map(|o| o.id);

    // A membership in another organization than the target does not count. On an
    // organization-scoped endpoint (its template names the organization parameter), a request
    // without a target organization is never granted through a membership. Without organizations
    // (a single-tenant service) the caller's standing always counts, and an organization token is
    // a service token.
    let tenants = config.has_organizations();
    let member = counted_member(config, endpoint, case, target);

    // 2. and 3. Credentials and scopes: an `authenticated` endpoint takes any signed-in caller,
    // a `superuser` endpoint only an active superuser.
    if endpoint.requires_credentials() && matches!(case.caller, Caller::Anonymous) {
        return outcome(401, "no_credentials", Some(endpoint));
    }
    if endpoint.superuser().is_some() && !matches!(case.caller, Caller::User { active_superuser: true, .. }) {
        return outcome(403, "superuser_required", Some(endpoint));
    }
    if endpoint.requires_credentials() && endpoint.authenticated().is_none() && endpoint.superuser().is_none()
    {
        let held = match held_scopes(config, case, member, target) {
            Ok(held) => held,
            Err(code) => {
                return outcome(if code == "no_credentials" { 401 } else { 403 }, code, Some(endpoint));
            }
        };
        if !meets(endpoint.scope_match(), endpoint.scopes(), &held) {
            return outcome(403, "missing_scope", Some(endpoint));
        }
    }

    // 4. and 5. The gate.
    if let Some(gate_name) = endpoint.gate() {
        let Some(gate) = config.gate(gate_name) else {
            return outcome(404, "feature_disabled", Some(endpoint));
        };
        let Some(org) = &case.organization else {
            return outcome(404, "feature_disabled", Some(endpoint));
        };
        if !org.features.contains(gate.feature()) {
            return outcome(404, "feature_disabled", Some(endpoint));
        }
        if gate.has_allowlists() && org.granular.contains(gate.name()) {
            let bypass = gate.bypass();
            let bypassed = match &case.caller {
                Caller::User { active_superuser, .. } => *active_superuser && bypass.active_superuser,
                Caller::OrgToken { organization, scopes } => {
                    (*organization == org.id || !tenants)
                        && bypass
                            .org_token_scope
                            .is_some_and(|s| with_hierarchy(vocabulary, scopes).contains(s))
                }
                Caller::Integration { organization, scopes } => {
                    (*organization == org.id || !tenants)
                        && bypass
                            .integration_scope
                            .is_some_and(|s| with_hierarchy(vocabulary, scopes).contains(s))
                }
                Caller::Anonymous => false,
            };
            if !bypassed {
                let (Caller::User { id, .. }, Some(member)) = (&case.caller, member) else {
                    return outcome(403, "not_a_member", Some(endpoint));
                };
                let empty = HashSet::new();
                let users = org.users.get(gate.name()).unwrap_or(&empty);
                let teams = org.teams.get(gate.name()).unwrap_or(&empty);
                if users.is_empty() && teams.is_empty() {
                    return outcome(403, "empty_allowlist", Some(endpoint));
                }
                let on_list = users.contains(id) || member.teams.iter().any(|t| teams.contains(t));
                if !on_list {
                    return outcome(403, "not_on_allowlist", Some(endpoint));
                }
            }
        }
    }
    outcome(200, "allowed", Some(endpoint))
}
