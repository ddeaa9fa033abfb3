//! The conformance generator: the deny matrix each endpoint's declaration implies, checked against a
//! decision function.

use std::collections::HashSet;
use std::fmt;

use super::reference::Outcome;
use super::{ORGANIZATION, OTHER_ORGANIZATION, OTHER_TEAM, OTHER_USER, TEAM, USER, concrete_path_with};
use crate::config::{Config, GateDef, Vocabulary};
use crate::decision::{AccessRequest, Decision};
use crate::gates::{OrganizationState, OrganizationStateBuilder};
use crate::principal::{Membership, Principal, TeamId};
use crate::record::{Endpoint, Method};
use crate::registry::Registry;
use crate::scopes::ScopeSet;

/// One case where the decision differs from what the declarations imply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// The endpoint the case was derived from.
    pub handler: &'static str,
    /// Its method.
    pub method: Method,
    /// The concrete path the case requested.
    pub path: String,
    /// What the case is, e.g. `user token with only org:write`.
    pub case: String,
    /// What the declarations imply.
    pub expected: Outcome,
    /// What the decision function said.
    pub actual: Outcome,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}): {}: expected {} {}, got {} {}",
            self.method,
            self.path,
            self.handler,
            self.case,
            self.expected.status,
            self.expected.code,
            self.actual.status,
            self.actual.code
        )?;
        if self.actual.handler != self.expected.handler {
            write!(f, " from {}", self.actual.handler.unwrap_or("no endpoint"))?;
        }
        Ok(())
    }
}

/// The result of a conformance run: how much was checked, and every disagreement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConformanceReport {
    /// Endpoints checked.
    pub endpoints: usize,
    /// Cases run.
    pub cases: usize,
    /// Every case whose decision differs from the expectation.
    pub disagreements: Vec<Disagreement>,
}

impl ConformanceReport {
    /// `true` when every case agreed.
    pub fn is_ok(&self) -> bool {
        self.disagreements.is_empty()
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} endpoints, {} cases, {} disagreements",
            self.endpoints,
            self.cases,
            self.disagreements.len()
        )?;
        for d in &self.disagreements {
            write!(f, "\n  - {d}")?;
        }
        Ok(())
    }
}

/// Runs the conformance cases of every endpoint of `registry` through [`Registry::authorize`].
pub fn conformance(registry: &Registry) -> ConformanceReport {
    check(registry, |request| registry.authorize(request))
}

/// Runs the conformance cases through `decide` (for instance a middleware wrapping the registry).
pub fn check(registry: &Registry, decide: impl Fn(&AccessRequest<'_>) -> Decision) -> ConformanceReport {
    let mut run = Run { registry, decide: &decide, report: ConformanceReport::default() };
    for endpoint in registry.iter() {
        run.endpoint(endpoint);
    }
    run.report.endpoints = registry.len();
    run.report
}

/// Panics with the list of disagreements when the registry's decisions do not conform; for a
/// service's `#[test]`.
///
/// # Panics
/// When any case disagrees, listing every one of them; and when the registry is empty, which in a
/// test binary means the crate declaring the endpoints is not linked in (reference it from the
/// test), so the check would otherwise pass without checking anything.
pub fn assert_conformance(registry: &Registry) {
    assert!(
        !registry.is_empty(),
        "scopegate conformance: the registry is empty; reference the crate that declares the endpoints \
         from this test (e.g. call one of its functions) so its endpoints are linked in"
    );
    let report = conformance(registry);
    assert!(report.is_ok(), "scopegate conformance failed: {report}");
}

/// Plain string logic over the vocabulary, independent of the engine's bitsets.
struct Names<'v> {
    vocabulary: &'v Vocabulary,
}

impl Names<'_> {
    fn all(&self) -> Vec<&'static str> {
        self.vocabulary.scopes().to_vec()
    }

    /// The scopes that hold `scope`: itself and every scope implying it.
    fn grantors(&self, scope: &str) -> Vec<&'static str> {
        self.vocabulary
            .scopes()
            .iter()
            .copied()
            .filter(|s| *s == scope || self.vocabulary.implied_by(s).contains(&scope))
            .collect()
    }

    fn closure(&self, names: &[&'static str]) -> HashSet<&'static str> {
        let mut out = HashSet::new();
        for n in names {
            out.insert(*n);
            out.extend(self.vocabulary.implied_by(n).iter().copied());
        }
        out
    }

    fn grants(&self, endpoint: &Endpoint, token: &[&'static str]) -> bool {
        let held = self.closure(token);
        endpoint.scopes().iter().any(|s| held.contains(s))
    }

    fn without(&self, removed: &[&'static str]) -> Vec<&'static str> {
        self.all().into_iter().filter(|s| !removed.contains(s)).collect()
    }
}

const TEAMS: &[TeamId] = &[TEAM];

/// Which organization state a case runs against.
#[derive(Clone, Copy)]
enum Org {
    None,
    /// Every gate's feature on, granular off.
    Open,
    /// Like `Open` with `gate`'s feature off.
    FeatureOff(&'static GateDef),
    /// Like `Open` with granular mode on for `gate` and these allowlists.
    Granular(&'static GateDef, Allow),
}

#[derive(Clone, Copy)]
enum Allow {
    Empty,
    User,
    Team,
    Others,
}

struct Run<'r, D> {
    registry: &'r Registry,
    decide: &'r D,
    report: ConformanceReport,
}

impl<D: Fn(&AccessRequest<'_>) -> Decision> Run<'_, D> {
    fn config(&self) -> &'static Config {
        self.registry.config()
    }

    fn set(&self, names: &[&'static str]) -> ScopeSet {
        self.registry.scope_set(names.iter().copied())
    }

    fn state(&self, org: Org) -> Option<OrganizationState> {
        let config = self.config();
        let open =
            |b: OrganizationStateBuilder| config.gates().iter().fold(b, |b, g| b.feature(g.feature(), true));
        let builder = open(OrganizationState::builder(config, ORGANIZATION));
        Some(match org {
            Org::None => return None,
            Org::Open => builder.build(),
            Org::FeatureOff(g) => builder.feature(g.feature(), false).build(),
            Org::Granular(g, allow) => {
                let b = builder.granular(g.name(), true);
                match allow {
                    Allow::Empty => b,
                    Allow::User => b.allow_users(g.name(), [USER]),
                    Allow::Team => b.allow_teams(g.name(), [TEAM]),
                    Allow::Others => {
                        b.allow_users(g.name(), [OTHER_USER]).allow_teams(g.name(), [OTHER_TEAM])
                    }
                }
                .build()
            }
        })
    }

    /// The endpoint's concrete path, or `None` (and a disagreement) when no filling of its
    /// parameters routes to it.
    fn path(&mut self, endpoint: &'static Endpoint) -> Option<String> {
        let mut last = None;
        for prefix in ["p-", "q-", "scopegate-"] {
            let path = concrete_path_with(endpoint.path(), prefix);
            match self.registry.lookup(endpoint.method(), &path) {
                Some(found) if std::ptr::eq(found, endpoint) => return Some(path),
                other => last = Some((path, other)),
            }
        }
        if let Some((path, other)) = last {
            self.report.cases += 1;
            self.report.disagreements.push(Disagreement {
                handler: endpoint.handler(),
                method: endpoint.method(),
                path,
                case: "the endpoint's own path routes to it".to_string(),
                expected: Outcome { status: 200, code: "routed", handler: Some(endpoint.handler()) },
                actual: Outcome { status: 404, code: "routed", handler: other.map(|e| e.handler()) },
            });
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn case(
        &mut self,
        endpoint: &'static Endpoint,
        path: &str,
        label: String,
        principal: Principal,
        membership: Option<Membership<'_>>,
        org: Org,
        expected: (u16, &'static str),
    ) {
        let state = self.state(org);
        let request = AccessRequest {
            method: endpoint.method(),
            path,
            principal: &principal,
            membership: membership.as_ref(),
            organization: state.as_ref(),
        };
        let decision = (self.decide)(&request);
        let actual = Outcome {
            status: decision.status(),
            code: decision.code(),
            handler: decision.endpoint().map(|e| e.handler()),
        };
        let expected = Outcome { status: expected.0, code: expected.1, handler: Some(endpoint.handler()) };
        self.report.cases += 1;
        if actual != expected {
            self.report.disagreements.push(Disagreement {
                handler: endpoint.handler(),
                method: endpoint.method(),
                path: path.to_string(),
                case: label,
                expected,
                actual,
            });
        }
    }

    /// The cases of the access forms without scopes: `authenticated` lets every signed-in
    /// principal through step 3 (whatever it holds, wherever it belongs), `superuser` only an
    /// active superuser (403 `superuser_required` for everyone else).
    fn signed_in_forms(
        &mut self,
        e: &'static Endpoint,
        path: &str,
        full: Membership<'static>,
        all: ScopeSet,
    ) {
        let signed_in = if e.superuser().is_some() { (403, "superuser_required") } else { (200, "allowed") };
        let (label, anonymous) = ("no credentials".to_string(), Principal::Anonymous);
        self.case(e, path, label, anonymous, Some(full), Org::Open, (401, "no_credentials"));
        let cases = [
            ("session whose role holds every scope", Principal::session(USER), Some(full)),
            ("session of a non-member", Principal::session(USER), None),
            ("user token without any scope", Principal::user_token(USER, ScopeSet::EMPTY), Some(full)),
            ("org token holding every scope", Principal::org_token(ORGANIZATION, all), None),
            ("org token of another organization", Principal::org_token(OTHER_ORGANIZATION, all), None),
        ];
        for (label, principal, membership) in cases {
            self.case(e, path, label.into(), principal, membership, Org::Open, signed_in);
        }
        let label = "active superuser, not a member".to_string();
        self.case(e, path, label, Principal::active_superuser(USER), None, Org::Open, (200, "allowed"));
    }

    /// Organization tokens and integrations outside their organization, or without one: 403
    /// `wrong_organization` whatever they hold.
    fn wrong_organization_cases(&mut self, e: &'static Endpoint, path: &str, all: ScopeSet) {
        let (wrong_org, other) = ((403, "wrong_organization"), OTHER_ORGANIZATION);
        self.case(
            e,
            path,
            "org token of another organization".into(),
            Principal::org_token(other, all),
            None,
            Org::Open,
            wrong_org,
        );
        self.case(
            e,
            path,
            "integration of another organization".into(),
            Principal::integration(other, all),
            None,
            Org::Open,
            wrong_org,
        );
        self.case(
            e,
            path,
            "org token without an organization context".into(),
            Principal::org_token(ORGANIZATION, all),
            None,
            Org::None,
            wrong_org,
        );
    }

    fn endpoint(&mut self, e: &'static Endpoint) {
        let Some(path) = self.path(e) else { return };
        let path = path.as_str();
        let names = Names { vocabulary: self.config().vocabulary() };
        let all = self.set(&names.all());
        let full = Membership { organization: ORGANIZATION, role_scopes: all, teams: TEAMS };
        let allowed = (200, "allowed");
        let missing = (403, "missing_scope");
        let no_membership = (403, "no_membership");

        let accepted = e.scopes();

        if e.authenticated().is_some() || e.superuser().is_some() {
            self.signed_in_forms(e, path, full, all);
        } else if e.requires_credentials() {
            self.case(
                e,
                path,
                "no credentials".into(),
                Principal::Anonymous,
                Some(full),
                Org::Open,
                (401, "no_credentials"),
            );
            if accepted.is_empty() {
                let label = "active superuser on a method that grants no scope".to_string();
                self.case(e, path, label, Principal::active_superuser(USER), None, Org::Open, missing);
                let label = "session whose role holds every scope".to_string();
                self.case(e, path, label, Principal::session(USER), Some(full), Org::Open, missing);
            }
            for &s in accepted {
                let only = self.set(&[s]);
                let role_only = Membership { role_scopes: only, ..full };
                self.case(
                    e,
                    path,
                    format!("user token with only {s}"),
                    Principal::user_token(USER, only),
                    Some(full),
                    Org::Open,
                    allowed,
                );
                self.case(
                    e,
                    path,
                    format!("session whose role holds only {s}"),
                    Principal::session(USER),
                    Some(role_only),
                    Org::Open,
                    allowed,
                );
                self.case(
                    e,
                    path,
                    format!("org token with only {s}"),
                    Principal::org_token(ORGANIZATION, only),
                    None,
                    Org::Open,
                    allowed,
                );
                self.case(
                    e,
                    path,
                    format!("integration with only {s}"),
                    Principal::integration(ORGANIZATION, only),
                    None,
                    Org::Open,
                    allowed,
                );
                let without = names.without(&names.grantors(s));
                let expected = if names.grants(e, &without) { allowed } else { missing };
                let label = format!("user token with every scope except {s} and the scopes implying it");
                self.case(
                    e,
                    path,
                    label,
                    Principal::user_token(USER, self.set(&without)),
                    Some(full),
                    Org::Open,
                    expected,
                );
            }
            if !accepted.is_empty() {
                let granting: Vec<&'static str> = accepted.iter().flat_map(|s| names.grantors(s)).collect();
                let none = self.set(&names.without(&granting));
                let role_none = Membership { role_scopes: none, ..full };
                let user = Principal::session(USER);
                self.case(
                    e,
                    path,
                    "user token with none of the accepted scopes".into(),
                    Principal::user_token(USER, none),
                    Some(full),
                    Org::Open,
                    missing,
                );
                self.case(
                    e,
                    path,
                    "session whose role lacks the accepted scopes".into(),
                    user,
                    Some(role_none),
                    Org::Open,
                    missing,
                );
                self.case(
                    e,
                    path,
                    "org token with none of the accepted scopes".into(),
                    Principal::org_token(ORGANIZATION, none),
                    None,
                    Org::Open,
                    missing,
                );
                self.case(
                    e,
                    path,
                    "integration with none of the accepted scopes".into(),
                    Principal::integration(ORGANIZATION, none),
                    None,
                    Org::Open,
                    missing,
                );
                self.case(e, path, "session of a non-member".into(), user, None, Org::Open, no_membership);
                self.case(
                    e,
                    path,
                    "user token with every scope, of a non-member".into(),
                    Principal::user_token(USER, all),
                    None,
                    Org::Open,
                    no_membership,
                );
                if self.config().has_organizations() {
                    let elsewhere = Membership { organization: OTHER_ORGANIZATION, ..full };
                    let label = "session of a member of another organization".to_string();
                    self.case(e, path, label, user, Some(elsewhere), Org::Open, no_membership);
                }
                self.case(
                    e,
                    path,
                    "active superuser, not a member".into(),
                    Principal::active_superuser(USER),
                    None,
                    Org::Open,
                    allowed,
                );
                if e.method().is_mutation() && !e.has_policy_debt() {
                    let readonly = self.set(self.config().vocabulary().readonly());
                    let label =
                        "user token with only read-only scopes, on a mutation without readonly_exception";
                    self.case(
                        e,
                        path,
                        label.into(),
                        Principal::user_token(USER, readonly),
                        Some(full),
                        Org::Open,
                        missing,
                    );
                    let label =
                        "org token with only read-only scopes, on a mutation without readonly_exception";
                    self.case(
                        e,
                        path,
                        label.into(),
                        Principal::org_token(ORGANIZATION, readonly),
                        None,
                        Org::Open,
                        missing,
                    );
                }
            }
            if self.registry.is_organization_scoped(e) && !accepted.is_empty() {
                // A membership counts only for the organization the request targets.
                let label = "member session without a target organization".to_string();
                self.case(e, path, label, Principal::session(USER), Some(full), Org::None, no_membership);
                let label = "member's user token without a target organization".to_string();
                let token = Principal::user_token(USER, all);
                self.case(e, path, label, token, Some(full), Org::None, no_membership);
            }
            if !self.config().has_organizations() {
                // A single-tenant service: no organization for a token to be outside of.
                let label = "service token holding every scope".to_string();
                let expected = if accepted.is_empty() { missing } else { allowed };
                self.case(e, path, label, Principal::org_token(ORGANIZATION, all), None, Org::Open, expected);
            } else {
                self.wrong_organization_cases(e, path, all);
            }
        } else {
            self.case(
                e,
                path,
                "no credentials on an unauthenticated endpoint".into(),
                Principal::Anonymous,
                None,
                Org::Open,
                allowed,
            );
            let label = "org token of another organization on an unauthenticated endpoint".to_string();
            self.case(
                e,
                path,
                label,
                Principal::org_token(OTHER_ORGANIZATION, all),
                None,
                Org::Open,
                allowed,
            );
        }

        let Some(gate) = e.gate().and_then(|g| self.config().gate(g)) else { return };
        let scoped = e.requires_credentials() && e.authenticated().is_none() && e.superuser().is_none();
        if scoped && accepted.is_empty() {
            return; // Nobody passes the scope check, so the gate is never reached.
        }
        let name = gate.name();
        let disabled = (404, "feature_disabled");
        if e.superuser().is_some() {
            // Only an active superuser reaches the gate: its feature flag still applies.
            let caller = Principal::active_superuser(USER);
            let label = format!("gate {name}: feature flag off, active superuser");
            self.case(e, path, label, caller, None, Org::FeatureOff(gate), disabled);
            self.case(
                e,
                path,
                format!("gate {name}: on, active superuser"),
                caller,
                None,
                Org::Open,
                allowed,
            );
            return;
        }
        let caller = Principal::session(USER);
        self.case(
            e,
            path,
            format!("gate {name}: feature flag off"),
            caller,
            Some(full),
            Org::FeatureOff(gate),
            disabled,
        );
        // Without a target organization the member's standing does not count on an
        // organization-scoped endpoint, so the scope check fails (`no_membership`) before the gate
        // is reached.
        let no_organization =
            if scoped && self.registry.is_organization_scoped(e) { (403, "no_membership") } else { disabled };
        let label = format!("gate {name}: no organization");
        self.case(e, path, label, caller, Some(full), Org::None, no_organization);
        if !gate.has_allowlists() {
            let label = format!("gate {name} has no allowlists: granular mode is ignored");
            self.case(e, path, label, caller, Some(full), Org::Granular(gate, Allow::Empty), allowed);
            return;
        }
        let granular = |allow| Org::Granular(gate, allow);
        self.case(e, path, format!("gate {name}: granular mode off"), caller, Some(full), Org::Open, allowed);
        self.case(
            e,
            path,
            format!("gate {name}: on the user allowlist"),
            caller,
            Some(full),
            granular(Allow::User),
            allowed,
        );
        self.case(
            e,
            path,
            format!("gate {name}: in a team on the team allowlist"),
            caller,
            Some(full),
            granular(Allow::Team),
            allowed,
        );
        let not_on = (403, "not_on_allowlist");
        self.case(
            e,
            path,
            format!("gate {name}: not on the allowlist"),
            caller,
            Some(full),
            granular(Allow::Others),
            not_on,
        );
        self.case(
            e,
            path,
            format!("gate {name}: empty allowlist"),
            caller,
            Some(full),
            granular(Allow::Empty),
            (403, "empty_allowlist"),
        );
        let not_member = (403, "not_a_member");
        if !e.requires_credentials() {
            let label = format!("gate {name}: no credentials in granular mode");
            self.case(e, path, label, Principal::Anonymous, None, granular(Allow::Empty), not_member);
        }
        let bypass = gate.bypass();
        let superuser = if bypass.active_superuser { allowed } else { not_member };
        let label = format!("gate {name}: active superuser, not a member, empty allowlist");
        self.case(e, path, label, Principal::active_superuser(USER), None, granular(Allow::Empty), superuser);

        // Tokens first need a granting scope (the first accepted one), then the bypass scope.
        let base: Vec<&'static str> = accepted.first().copied().into_iter().collect();
        for (kind, bypass_scope) in
            [("org token", bypass.org_token_scope), ("integration", bypass.integration_scope)]
        {
            let make = |set| match kind {
                "org token" => Principal::org_token(ORGANIZATION, set),
                _ => Principal::integration(ORGANIZATION, set),
            };
            if let Some(b) = bypass_scope {
                let with: Vec<&'static str> = base.iter().copied().chain([b]).collect();
                let label = format!("gate {name}: {kind} holding the bypass scope {b}, empty allowlist");
                self.case(e, path, label, make(self.set(&with)), None, granular(Allow::Empty), allowed);
            }
            let passes = bypass_scope.is_some_and(|b| names.closure(&base).contains(b));
            let label = format!("gate {name}: {kind} without the bypass scope, empty allowlist");
            self.case(
                e,
                path,
                label,
                make(self.set(&base)),
                None,
                granular(Allow::Empty),
                if passes { allowed } else { not_member },
            );
        }
    }
}
