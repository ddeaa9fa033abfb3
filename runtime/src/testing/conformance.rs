//! The conformance generator: the deny matrix each endpoint's declaration implies, checked against a
//! decision function.

use std::collections::HashSet;
use std::fmt;

use super::reference::Outcome;
use super::{ORGANIZATION, OTHER_ORGANIZATION, OTHER_TEAM, OTHER_USER, TEAM, USER, concrete_path_with};
use crate::config::{Config, GateDef, Vocabulary};
use crate::decision::{AccessRequest, Decision};
use crate::gates::{OrganizationState, OrganizationStateBuilder};
use crate::principal::{Membership, OrganizationId, Principal, TeamId};
use crate::record::{AccessForm, Endpoint, Method, ScopeMatch};
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

/// Does `held` meet the endpoint's requirement: one of its scopes (`[...]`), or every one
/// (`all(...)`)?
fn meets(endpoint: &Endpoint, held: &HashSet<&'static str>) -> bool {
    match endpoint.scope_match() {
        Some(ScopeMatch::All) => endpoint.scopes().iter().all(|s| held.contains(s)),
        _ => endpoint.scopes().iter().any(|s| held.contains(s)),
    }
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

    /// Does a token holding `token` (closed under the hierarchy) meet the endpoint's requirement?
    fn grants(&self, endpoint: &Endpoint, token: &[&'static str]) -> bool {
        meets(endpoint, &self.closure(token))
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

    /// Runs `case` against endpoint `e` at `path` and records the outcome.
    fn case(&mut self, e: &'static Endpoint, path: &str, case: Case<'_>) {
        let state = self.state(case.org);
        let request = AccessRequest {
            method: e.method(),
            path,
            principal: &case.principal,
            membership: case.membership.as_ref(),
            organization: state.as_ref(),
        };
        let decision = (self.decide)(&request);
        let actual = Outcome {
            status: decision.status(),
            code: decision.code(),
            handler: decision.endpoint().map(|e| e.handler()),
        };
        let (status, code) = case.expected;
        let expected = Outcome { status, code, handler: Some(e.handler()) };
        self.report.cases += 1;
        if actual != expected {
            self.report.disagreements.push(Disagreement {
                handler: e.handler(),
                method: e.method(),
                path: path.to_string(),
                case: case.label,
                expected,
                actual,
            });
        }
    }

    /// Runs every case of `cases` against `e` at `path`.
    fn cases<'m>(&mut self, e: &'static Endpoint, path: &str, cases: impl IntoIterator<Item = Case<'m>>) {
        for case in cases {
            self.case(e, path, case);
        }
    }

    fn endpoint(&mut self, e: &'static Endpoint) {
        let Some(path) = self.path(e) else { return };
        let names = Names { vocabulary: self.config().vocabulary() };
        let all = self.set(&names.all());
        let full = Membership { organization: ORGANIZATION, role_scopes: all, teams: TEAMS };
        let at = At { e, path: path.as_str(), names, all, full };
        match e.access().form() {
            AccessForm::Unauthenticated => self.unauthenticated(&at),
            AccessForm::Authenticated | AccessForm::Superuser => self.signed_in_forms(&at),
            AccessForm::Scopes | AccessForm::Permission => self.scope_cases(&at),
        }
        if let Some(gate) = e.gate().and_then(|g| self.config().gate(g)) {
            self.gate_cases(&at, gate);
        }
    }

    /// An unauthenticated endpoint lets everyone through step 3.
    fn unauthenticated(&mut self, at: &At<'_>) {
        self.cases(
            at.e,
            at.path,
            [
                Case::new("no credentials on an unauthenticated endpoint", Principal::Anonymous, ALLOWED),
                Case::new(
                    "org token of another organization on an unauthenticated endpoint",
                    Principal::org_token(OTHER_ORGANIZATION, at.all),
                    ALLOWED,
                ),
            ],
        );
    }

    /// The cases of the access forms without scopes: `authenticated` lets every signed-in
    /// principal through step 3 (whatever it holds, wherever it belongs), `superuser` only an
    /// active superuser (403 `superuser_required` for everyone else).
    fn signed_in_forms(&mut self, at: &At<'_>) {
        let signed_in = if at.e.superuser().is_some() { (403, "superuser_required") } else { ALLOWED };
        let (all, full) = (at.all, at.full);
        self.cases(
            at.e,
            at.path,
            [
                Case::new("no credentials", Principal::Anonymous, NO_CREDENTIALS).member(full),
                Case::new("session whose role holds every scope", Principal::session(USER), signed_in)
                    .member(full),
                Case::new("session of a non-member", Principal::session(USER), signed_in),
                Case::new(
                    "user token without any scope",
                    Principal::user_token(USER, ScopeSet::EMPTY),
                    signed_in,
                )
                .member(full),
                Case::new(
                    "org token holding every scope",
                    Principal::org_token(ORGANIZATION, all),
                    signed_in,
                ),
                Case::new(
                    "org token of another organization",
                    Principal::org_token(OTHER_ORGANIZATION, all),
                    signed_in,
                ),
                Case::new("active superuser, not a member", Principal::active_superuser(USER), ALLOWED),
            ],
        );
    }

    /// `scopes` and `permission`: each accepted scope alone grants access, held by every kind of
    /// principal; none of them (nor a scope implying one) does; a membership counts only in its
    /// organization.
    fn scope_cases(&mut self, at: &At<'_>) {
        let (e, path, names, all, full) = (at.e, at.path, &at.names, at.all, at.full);
        let accepted = e.scopes();
        self.case(e, path, Case::new("no credentials", Principal::Anonymous, NO_CREDENTIALS).member(full));
        if accepted.is_empty() {
            self.cases(
                e,
                path,
                [
                    Case::new(
                        "active superuser on a method that grants no scope",
                        Principal::active_superuser(USER),
                        MISSING,
                    ),
                    Case::new("session whose role holds every scope", Principal::session(USER), MISSING)
                        .member(full),
                ],
            );
        }
        // All-of: exactly the required scopes grant access, in every kind of credentials; each
        // one missing in turn is refused.
        if e.scope_match() == Some(ScopeMatch::All) && !accepted.is_empty() {
            let exactly = self.set(accepted);
            let list = accepted.join(" + ");
            self.cases(
                e,
                path,
                [
                    Case::new(
                        format!("user token with exactly {list}"),
                        Principal::user_token(USER, exactly),
                        ALLOWED,
                    )
                    .member(full),
                    Case::new(
                        format!("session whose role holds exactly {list}"),
                        Principal::session(USER),
                        ALLOWED,
                    )
                    .member(Membership { role_scopes: exactly, ..full }),
                    Case::new(
                        format!("org token with exactly {list}"),
                        Principal::org_token(ORGANIZATION, exactly),
                        ALLOWED,
                    ),
                    Case::new(
                        format!("integration with exactly {list}"),
                        Principal::integration(ORGANIZATION, exactly),
                        ALLOWED,
                    ),
                ],
            );
            for &s in accepted {
                let rest: Vec<&'static str> = accepted.iter().copied().filter(|r| *r != s).collect();
                let rest_set = self.set(&rest);
                let role_meets = meets(e, &rest.iter().copied().collect());
                let token_expected = if names.grants(e, &rest) { ALLOWED } else { MISSING };
                self.cases(
                    e,
                    path,
                    [
                        Case::new(
                            format!("session whose role holds the required scopes but {s}"),
                            Principal::session(USER),
                            if role_meets { ALLOWED } else { MISSING },
                        )
                        .member(Membership { role_scopes: rest_set, ..full }),
                        Case::new(
                            format!("org token with the required scopes but {s}"),
                            Principal::org_token(ORGANIZATION, rest_set),
                            token_expected,
                        ),
                        Case::new(
                            format!(
                                "user token with the required scopes but {s}, whose role holds every scope"
                            ),
                            Principal::user_token(USER, rest_set),
                            token_expected,
                        )
                        .member(full),
                        Case::new(
                            format!("user token with every required scope, whose role lacks {s}"),
                            Principal::user_token(USER, exactly),
                            if role_meets { ALLOWED } else { MISSING },
                        )
                        .member(Membership { role_scopes: rest_set, ..full }),
                    ],
                );
            }
        }
        for &s in accepted {
            let only = self.set(&[s]);
            let without = names.without(&names.grantors(s));
            let expected = if names.grants(e, &without) { ALLOWED } else { MISSING };
            // Any-of: one scope grants access; all-of: one is not enough (unless it is the whole
            // requirement once closed under the hierarchy).
            let only_token = if names.grants(e, &[s]) { ALLOWED } else { MISSING };
            let only_role = if meets(e, &[s].into_iter().collect()) { ALLOWED } else { MISSING };
            self.cases(
                e,
                path,
                [
                    Case::new(
                        format!("user token with only {s}"),
                        Principal::user_token(USER, only),
                        only_token,
                    )
                    .member(full),
                    Case::new(
                        format!("session whose role holds only {s}"),
                        Principal::session(USER),
                        only_role,
                    )
                    .member(Membership { role_scopes: only, ..full }),
                    Case::new(
                        format!("org token with only {s}"),
                        Principal::org_token(ORGANIZATION, only),
                        only_token,
                    ),
                    Case::new(
                        format!("integration with only {s}"),
                        Principal::integration(ORGANIZATION, only),
                        only_token,
                    ),
                    Case::new(
                        format!("user token with every scope except {s} and the scopes implying it"),
                        Principal::user_token(USER, self.set(&without)),
                        expected,
                    )
                    .member(full),
                ],
            );
        }
        if !accepted.is_empty() {
            let granting: Vec<&'static str> = accepted.iter().flat_map(|s| names.grantors(s)).collect();
            let none = self.set(&names.without(&granting));
            let user = Principal::session(USER);
            self.cases(
                e,
                path,
                [
                    Case::new(
                        "user token with none of the accepted scopes",
                        Principal::user_token(USER, none),
                        MISSING,
                    )
                    .member(full),
                    Case::new("session whose role lacks the accepted scopes", user, MISSING)
                        .member(Membership { role_scopes: none, ..full }),
                    Case::new(
                        "org token with none of the accepted scopes",
                        Principal::org_token(ORGANIZATION, none),
                        MISSING,
                    ),
                    Case::new(
                        "integration with none of the accepted scopes",
                        Principal::integration(ORGANIZATION, none),
                        MISSING,
                    ),
                    Case::new("session of a non-member", user, NO_MEMBERSHIP),
                    Case::new(
                        "user token with every scope, of a non-member",
                        Principal::user_token(USER, all),
                        NO_MEMBERSHIP,
                    ),
                ],
            );
            if self.config().has_organizations() {
                let elsewhere = Membership { organization: OTHER_ORGANIZATION, ..full };
                let case = Case::new("session of a member of another organization", user, NO_MEMBERSHIP);
                self.case(e, path, case.member(elsewhere));
            }
            self.case(
                e,
                path,
                Case::new("active superuser, not a member", Principal::active_superuser(USER), ALLOWED),
            );
            // Rule R1's consequence: a mutation without policy debt refuses read-only tokens.
            if e.method().is_mutation() && !e.has_policy_debt() {
                let readonly = self.set(self.config().vocabulary().readonly());
                self.cases(
                    e,
                    path,
                    [
                        Case::new(
                            "user token with only read-only scopes, on a mutation without readonly_exception",
                            Principal::user_token(USER, readonly),
                            MISSING,
                        )
                        .member(full),
                        Case::new(
                            "org token with only read-only scopes, on a mutation without readonly_exception",
                            Principal::org_token(ORGANIZATION, readonly),
                            MISSING,
                        ),
                    ],
                );
            }
        }
        if self.registry.is_organization_scoped(e) && !accepted.is_empty() {
            // A membership counts only for the organization the request targets.
            self.cases(
                e,
                path,
                [
                    Case::new(
                        "member session without a target organization",
                        Principal::session(USER),
                        NO_MEMBERSHIP,
                    )
                    .member(full)
                    .org(Org::None),
                    Case::new(
                        "member's user token without a target organization",
                        Principal::user_token(USER, all),
                        NO_MEMBERSHIP,
                    )
                    .member(full)
                    .org(Org::None),
                ],
            );
        }
        if self.config().has_organizations() {
            // Organization tokens and integrations outside their organization, or without one:
            // 403 `wrong_organization` whatever they hold.
            let wrong = (403, "wrong_organization");
            self.cases(
                e,
                path,
                [
                    Case::new(
                        "org token of another organization",
                        Principal::org_token(OTHER_ORGANIZATION, all),
                        wrong,
                    ),
                    Case::new(
                        "integration of another organization",
                        Principal::integration(OTHER_ORGANIZATION, all),
                        wrong,
                    ),
                    Case::new(
                        "org token without an organization context",
                        Principal::org_token(ORGANIZATION, all),
                        wrong,
                    )
                    .org(Org::None),
                ],
            );
        } else {
            // A single-tenant service: no organization for a token to be outside of.
            let expected = if accepted.is_empty() { MISSING } else { ALLOWED };
            let case = Case::new(
                "service token holding every scope",
                Principal::org_token(ORGANIZATION, all),
                expected,
            );
            self.case(e, path, case);
        }
    }

    /// The gate's steps (4 and 5) for a caller who passed step 3.
    fn gate_cases(&mut self, at: &At<'_>, gate: &'static GateDef) {
        let (e, path, full) = (at.e, at.path, at.full);
        let accepted = e.scopes();
        let scoped = e.access().form().grants_by_scope();
        if scoped && accepted.is_empty() {
            return; // Nobody passes the scope check, so the gate is never reached.
        }
        let name = gate.name();
        let disabled = (404, "feature_disabled");
        if e.superuser().is_some() {
            // Only an active superuser reaches the gate: its feature flag still applies.
            let caller = Principal::active_superuser(USER);
            self.cases(
                e,
                path,
                [
                    Case::new(format!("gate {name}: feature flag off, active superuser"), caller, disabled)
                        .org(Org::FeatureOff(gate)),
                    Case::new(format!("gate {name}: on, active superuser"), caller, ALLOWED),
                ],
            );
            return;
        }
        let caller = Principal::session(USER);
        // Without a target organization the member's standing does not count on an
        // organization-scoped endpoint, so the scope check fails (`no_membership`) before the gate
        // is reached.
        let no_organization =
            if scoped && self.registry.is_organization_scoped(e) { NO_MEMBERSHIP } else { disabled };
        self.cases(
            e,
            path,
            [
                Case::new(format!("gate {name}: feature flag off"), caller, disabled)
                    .member(full)
                    .org(Org::FeatureOff(gate)),
                Case::new(format!("gate {name}: no organization"), caller, no_organization)
                    .member(full)
                    .org(Org::None),
            ],
        );
        let granular = |allow| Org::Granular(gate, allow);
        if !gate.has_allowlists() {
            let label = format!("gate {name} has no allowlists: granular mode is ignored");
            self.case(e, path, Case::new(label, caller, ALLOWED).member(full).org(granular(Allow::Empty)));
            return;
        }
        let not_member = (403, "not_a_member");
        self.cases(
            e,
            path,
            [
                Case::new(format!("gate {name}: granular mode off"), caller, ALLOWED).member(full),
                Case::new(format!("gate {name}: on the user allowlist"), caller, ALLOWED)
                    .member(full)
                    .org(granular(Allow::User)),
                Case::new(format!("gate {name}: in a team on the team allowlist"), caller, ALLOWED)
                    .member(full)
                    .org(granular(Allow::Team)),
                Case::new(format!("gate {name}: not on the allowlist"), caller, (403, "not_on_allowlist"))
                    .member(full)
                    .org(granular(Allow::Others)),
                Case::new(format!("gate {name}: empty allowlist"), caller, (403, "empty_allowlist"))
                    .member(full)
                    .org(granular(Allow::Empty)),
            ],
        );
        if !e.requires_credentials() {
            let label = format!("gate {name}: no credentials in granular mode");
            self.case(
                e,
                path,
                Case::new(label, Principal::Anonymous, not_member).org(granular(Allow::Empty)),
            );
        }
        let bypass = gate.bypass();
        let superuser = if bypass.active_superuser { ALLOWED } else { not_member };
        let label = format!("gate {name}: active superuser, not a member, empty allowlist");
        self.case(
            e,
            path,
            Case::new(label, Principal::active_superuser(USER), superuser).org(granular(Allow::Empty)),
        );

        // Tokens first need to meet the requirement (the first accepted scope, or every scope of
        // an `all(...)`), then the bypass scope.
        let base: Vec<&'static str> = match e.scope_match() {
            Some(ScopeMatch::All) => accepted.to_vec(),
            _ => accepted.first().copied().into_iter().collect(),
        };
        let kinds: [(&str, Option<&'static str>, MakeToken); 2] = [
            ("org token", bypass.org_token_scope, Principal::org_token),
            ("integration", bypass.integration_scope, Principal::integration),
        ];
        for (kind, bypass_scope, make) in kinds {
            if let Some(b) = bypass_scope {
                let with: Vec<&'static str> = base.iter().copied().chain([b]).collect();
                let label = format!("gate {name}: {kind} holding the bypass scope {b}, empty allowlist");
                let case = Case::new(label, make(ORGANIZATION, self.set(&with)), ALLOWED);
                self.case(e, path, case.org(granular(Allow::Empty)));
            }
            let passes = bypass_scope.is_some_and(|b| at.names.closure(&base).contains(b));
            let label = format!("gate {name}: {kind} without the bypass scope, empty allowlist");
            let case = Case::new(
                label,
                make(ORGANIZATION, self.set(&base)),
                if passes { ALLOWED } else { not_member },
            );
            self.case(e, path, case.org(granular(Allow::Empty)));
        }
    }
}

/// `Principal::org_token` or `Principal::integration`.
type MakeToken = fn(OrganizationId, ScopeSet) -> Principal;

/// The outcomes most cases expect.
const ALLOWED: (u16, &str) = (200, "allowed");
const MISSING: (u16, &str) = (403, "missing_scope");
const NO_MEMBERSHIP: (u16, &str) = (403, "no_membership");
const NO_CREDENTIALS: (u16, &str) = (401, "no_credentials");

/// What every case of one endpoint shares.
struct At<'a> {
    e: &'static Endpoint,
    path: &'a str,
    names: Names<'static>,
    /// Every scope of the vocabulary.
    all: ScopeSet,
    /// A membership in the target organization whose role holds every scope.
    full: Membership<'static>,
}

/// One request and the outcome the contract expects: by default without a membership, against
/// an organization with every gate's feature on and granular mode off.
struct Case<'m> {
    label: String,
    principal: Principal,
    membership: Option<Membership<'m>>,
    org: Org,
    expected: (u16, &'static str),
}

impl<'m> Case<'m> {
    fn new(label: impl Into<String>, principal: Principal, expected: (u16, &'static str)) -> Case<'m> {
        Case { label: label.into(), principal, membership: None, org: Org::Open, expected }
    }

    /// The caller's membership.
    fn member(self, membership: Membership<'m>) -> Case<'m> {
        Case { membership: Some(membership), ..self }
    }

    /// The organization state the request carries.
    fn org(self, org: Org) -> Case<'m> {
        Case { org, ..self }
    }
}
