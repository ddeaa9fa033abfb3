//! Differential test: `Registry::authorize` against the plain reference model of the rules
//! (`scopegate::testing::reference`) on 100,000 random (principal, membership, path, organization
//! state) cases, over endpoints with scopes, a permission class, no credentials, an empty grant, the
//! replay gate, a gate without allowlists and a gate with partial bypasses.

#![allow(dead_code)] // The handlers exist to be registered, not called.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use proptest::prelude::*;
use scopegate::testing::reference::{self, Caller, Case, Member, Organization};
use scopegate::{
    Access, AccessRequest, Bypass, Config, Endpoint, GateDef, Membership, Method, OrganizationId,
    OrganizationState, Principal, Registry, Source, TeamId, UserId, Vocabulary,
};

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read", "org:write", "org:admin"])]
fn org_details() {}

#[scopegate::endpoint(method = PUT, path = "/organizations/{org}/", scopes = ["org:write", "org:admin"])]
fn org_update() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/", scopes = ["member:read"])]
fn members() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/me/", scopes = ["member:read", "member:write"])]
fn me() {}

#[scopegate::endpoint(method = DELETE, path = "/organizations/{org}/members/{member}/", scopes = ["member:admin"])]
fn remove_member() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], gate = replay)]
fn replays() {}

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{org}/{project}/replays/{replay_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
    gate = replay
)]
fn replay_details() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/projects/{org}/{project}/replays/{replay_id}/",
    scopes = ["project:write", "project:admin"],
    gate = replay
)]
fn replay_delete() {}

#[scopegate::endpoint(
    method = GET,
    path = "/shared/replays/{share_id}/",
    unauthenticated = "Public share links.",
    gate = replay
)]
fn shared_replay() {}

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
)]
struct SearchPermission;

#[scopegate::endpoint(method = POST, path = "/organizations/{org}/searches/", permission = SearchPermission)]
fn save_search() {}

/// Organization-scoped (its template names the configured organization parameter): a membership
/// counts only for the targeted organization.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/settings/",
    scopes = ["org:read", "org:write"]
)]
fn org_settings() {}

/// Policy debt with a stated plan (all-of, naming a scope the current policy does not accept):
/// allowed requests that rely on the exception are what the shadow evaluation records.
#[scopegate::endpoint(
    method = PATCH,
    path = "/organizations/{org}/dashboards/{id}/",
    scopes = ["org:read", "team:write"],
    readonly_exception = "Members may edit the dashboards they created.",
    planned_scopes = all("team:write", "member:read"),
    sunset = "2027-01-31"
)]
fn edit_dashboard() {}

/// All-of: a user token needs both scopes (with the hierarchy: `member:admin` holds `member:read`,
/// `team:admin` holds `team:write`), and its role must hold both too.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{org}/teams/{team}/repos/",
    scopes = all("member:read", "team:write")
)]
fn attach_repo() {}

#[scopegate::permission(GET = ["team:read"], DELETE = all("member:write", "project:write"))]
struct TeamRepoPermission;

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{org}/teams/{team}/repos/",
    permission = TeamRepoPermission
)]
fn detach_repo() {}

#[scopegate::endpoint(method = GET, path = "/users/me/", authenticated = "Every user reads their own profile.")]
fn user_details() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{org}/replays/{replay_id}/share/",
    authenticated = "Any signed-in user may open a share, behind the replay gate.",
    gate = replay
)]
fn replay_share() {}

#[scopegate::endpoint(method = PUT, path = "/internal/options/", superuser = "Instance-wide options.")]
fn update_options() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{org}/replays/",
    superuser = "Purging every replay is an operator's job.",
    gate = replay
)]
fn purge_replays() {}

#[scopegate::endpoint(method = GET, path = "/files/{*rest}", unauthenticated = "Static files.")]
fn files() {}

const GATED_FEATURES: [&str; 4] =
    ["organizations:session-replay", "organizations:profiling", "organizations:beta", "organizations:other"];
const GATES: [&str; 3] = ["replay", "profiling", "beta"];

fn hand(
    handler: &'static str,
    path: &'static str,
    scopes: &'static [&'static str],
    gate: &'static str,
) -> &'static Endpoint {
    hand_requiring(handler, path, scopegate::Requirement::any(scopes), gate)
}

fn hand_requiring(
    handler: &'static str,
    path: &'static str,
    requirement: scopegate::Requirement,
    gate: &'static str,
) -> &'static Endpoint {
    Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
        gate: Some(gate).filter(|g| !g.is_empty()),
        source: Source { file: file!(), line: line!() },
        ..scopegate::__private::Declaration::new(handler, Method::Get, path, Access::Scopes(requirement))
    })))
}

/// Sentry's vocabulary and replay gate, plus `profiling` (no allowlists) and `beta` (allowlists;
/// only org tokens with `team:read` bypass it), and every endpoint of this binary plus three
/// hand-built ones.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| build(false))
}

/// The same endpoints and gates, as a single-tenant service (`[tenancy] organizations = false`).
fn single_tenant_registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| build(true))
}

fn build(single_tenant: bool) -> Registry {
    let sentry = Config::sentry();
    let v = sentry.vocabulary();
    let replay = sentry.gate("replay").expect("built in");
    let gates: &'static [GateDef] = Box::leak(Box::new([
        GateDef::__new(replay.name(), replay.feature(), true, replay.areas(), replay.bypass()),
        GateDef::__new(
            "profiling",
            "organizations:profiling",
            false,
            &["profiling"],
            Bypass { active_superuser: true, org_token_scope: None, integration_scope: None },
        ),
        GateDef::__new(
            "beta",
            "organizations:beta",
            true,
            &["beta"],
            Bypass { active_superuser: false, org_token_scope: Some("team:read"), integration_scope: None },
        ),
    ]));
    let config = Config::__new(Vocabulary::__new(v.scopes(), v.readonly(), v.implies()), gates);
    let config: &'static Config =
        Box::leak(Box::new(if single_tenant { config.__single_tenant() } else { config }));
    let extra = [
        hand("hand::profiles", "/organizations/{org}/profiling/", &["project:read"], "profiling"),
        hand("hand::beta_item", "/organizations/{org}/beta/{item}/", &["org:read", "team:write"], "beta"),
        hand("hand::nothing", "/organizations/{org}/nothing/", &[], ""),
        hand_requiring(
            "hand::beta_all",
            "/organizations/{org}/beta/",
            scopegate::Requirement::all(&["org:read", "team:write", "project:read"]),
            "beta",
        ),
    ];
    let macro_declared = scopegate::__private::inventory::iter::<Endpoint>.into_iter();
    match Registry::from_endpoints(config, macro_declared.chain(extra)) {
        Ok(r) => r,
        Err(e) => panic!("test registry is invalid: {e:?}"),
    }
}

/// A random case, in plain values; turned into both the engine's and the model's inputs.
#[derive(Debug, Clone)]
struct Raw {
    method: Option<Method>,
    endpoint: usize,
    params: Vec<&'static str>,
    caller: RawCaller,
    member: Option<(u64, Vec<String>, Vec<u64>)>,
    organization: Option<RawOrg>,
}

#[derive(Debug, Clone)]
enum RawCaller {
    Anonymous,
    User { id: u64, token: Option<Vec<String>>, active_superuser: bool },
    OrgToken { organization: u64, scopes: Vec<String> },
    Integration { organization: u64, scopes: Vec<String> },
}

#[derive(Debug, Clone)]
struct RawOrg {
    id: u64,
    features: Vec<&'static str>,
    granular: Vec<&'static str>,
    users: Vec<(&'static str, Vec<u64>)>,
    teams: Vec<(&'static str, Vec<u64>)>,
}

const JUNK: [&str; 6] = ["", "org:reed", "ORG:READ", "event:read ", "replay", "🔥"];
const PARAMS: [&str; 32] = [
    "acme", "acme", "acme", "acme", "acme", "acme", "acme", "acme", "acme", "acme", "acme", "acme", "acme",
    "acme", "acme", "acme", "42", "42", "42", "42", "42", "42", "x", "x", "x", "x", "me", "replays", "beta",
    "", "a/b", "x",
];

// Generation decodes a few random integers into a case: it keeps 100,000 cases fast in a debug
// build while still shrinking towards small numbers (fewer scopes, ids and flags).

/// Scope names: none, one, two (so both outcomes of the scope check are common) or many known
/// scopes, sometimes with untrusted junk.
fn names_from(a: u32, b: u32, shape: u8) -> Vec<String> {
    let known = Config::sentry().vocabulary().scopes();
    let n = known.len() as u32;
    let mask = match shape % 8 {
        0 => 0,
        1..=3 => 1 << (a % n),
        4 | 5 => (1 << (a % n)) | (1 << (b % n)),
        6 => a & b,
        _ => a,
    };
    let mut names: Vec<String> =
        known.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, s)| s.to_string()).collect();
    if b.is_multiple_of(7) {
        names.push(JUNK[(b / 7) as usize % JUNK.len()].to_string());
    }
    names
}

fn scope_names() -> impl Strategy<Value = Vec<String>> {
    (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(a, b, shape)| names_from(a, b, shape))
}

/// The ids `1..=max` whose bit is set in `mask`.
fn ids_from(mask: u64, max: u64) -> Vec<u64> {
    (1..=max).filter(|i| mask >> (i - 1) & 1 == 1).collect()
}

fn caller() -> impl Strategy<Value = RawCaller> {
    (0..9u8, 1..=4u64, any::<u8>(), scope_names()).prop_map(|(kind, id, flags, scopes)| {
        let organization = if flags % 4 == 3 { 2 } else { 1 };
        match kind {
            0 => RawCaller::Anonymous,
            1..=4 => RawCaller::User {
                id,
                token: Some(scopes).filter(|_| flags & 1 == 1),
                active_superuser: flags % 7 == 6,
            },
            5 | 6 => RawCaller::OrgToken { organization, scopes },
            _ => RawCaller::Integration { organization, scopes },
        }
    })
}

fn organization() -> impl Strategy<Value = RawOrg> {
    (any::<u8>(), any::<u8>(), any::<u64>()).prop_map(|(flags, granular, lists)| {
        let byte = |i: usize| lists >> (8 * i) & 0xff;
        // Each feature flag is on with probability 3/4.
        let features = (0..GATED_FEATURES.len())
            .filter(|i| (flags >> i) & 1 == 1 || (flags >> (i + 4)) & 1 == 1)
            .map(|i| GATED_FEATURES[i])
            .collect();
        // A gate's lists are set with probability 1/2 each.
        let users = (0..GATES.len())
            .filter(|&g| byte(g) & 0x80 != 0)
            .map(|g| (GATES[g], ids_from(byte(g), 4)))
            .collect();
        let teams = (0..GATES.len())
            .filter(|&g| byte(g + 3) & 0x80 != 0)
            .map(|g| (GATES[g], ids_from(byte(g + 3), 3)))
            .collect();
        RawOrg {
            id: if byte(6) % 5 == 4 { 2 } else { 1 },
            features,
            granular: (0..GATES.len())
                .filter(|g| (granular >> g) & 1 == 1 || (granular >> (g + 3)) & 1 == 1)
                .map(|g| GATES[g])
                .collect(),
            users,
            teams,
        }
    })
}

fn gated_endpoints() -> Vec<usize> {
    registry().iter().enumerate().filter(|(_, e)| e.gate().is_some()).map(|(i, _)| i).collect()
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        prop::option::weighted(0.1, 0..Method::ALL.len()),
        // Half of the cases go to gated endpoints, whose decisions have the most steps.
        prop_oneof![0..registry().len() + 1, prop::sample::select(gated_endpoints())],
        any::<u32>(),
        caller(),
        // Roles are usually broad, as in Sentry (member, admin, manager, owner).
        prop::option::weighted(
            0.8,
            (
                any::<u8>(),
                (any::<u32>(), any::<u32>(), 4..8u8).prop_map(|(a, b, shape)| names_from(a, b, shape)),
            ),
        ),
        prop::option::weighted(0.9, organization()),
    )
        .prop_map(|(method, endpoint, params, caller, member, organization)| Raw {
            method: method.map(|m| Method::ALL[m]),
            endpoint,
            params: (0..4).map(|i| PARAMS[(params >> (5 * i) & 0x1f) as usize]).collect(),
            caller,
            member: member.map(|(flags, role)| {
                (if flags % 4 == 3 { 2 } else { 1 }, role, ids_from(u64::from(flags >> 2), 3))
            }),
            organization,
        })
}

/// The request path: the chosen endpoint's template with the parameters filled in (or a path no
/// template has, for the index one past the end).
fn path_of(raw: &Raw) -> (Method, String) {
    let Some(e) = registry().endpoints().get(raw.endpoint) else {
        return (raw.method.unwrap_or(Method::Get), format!("/organizations/{}/unknown/", raw.params[0]));
    };
    let mut params = raw.params.iter();
    let path = e
        .path()
        .split('/')
        .map(|seg| if seg.starts_with('{') { params.next().copied().unwrap_or("x") } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    (raw.method.unwrap_or(e.method()), path)
}

fn set(names: &[String]) -> HashSet<String> {
    names.iter().cloned().collect()
}

fn reference_case(raw: &Raw) -> Case {
    let (method, path) = path_of(raw);
    let caller = match &raw.caller {
        RawCaller::Anonymous => Caller::Anonymous,
        RawCaller::User { id, token, active_superuser } => {
            Caller::User { id: *id, token: token.as_deref().map(set), active_superuser: *active_superuser }
        }
        RawCaller::OrgToken { organization, scopes } => {
            Caller::OrgToken { organization: *organization, scopes: set(scopes) }
        }
        RawCaller::Integration { organization, scopes } => {
            Caller::Integration { organization: *organization, scopes: set(scopes) }
        }
    };
    let member = raw.member.as_ref().map(|(organization, role, teams)| Member {
        organization: *organization,
        role: set(role),
        teams: teams.iter().copied().collect(),
    });
    let organization = raw.organization.as_ref().map(|o| {
        let mut users: HashMap<String, HashSet<u64>> = HashMap::new();
        let mut teams: HashMap<String, HashSet<u64>> = HashMap::new();
        // Later entries for the same gate replace earlier ones, as `allow_users` does.
        for (gate, list) in &o.users {
            users.insert(gate.to_string(), list.iter().copied().collect());
        }
        for (gate, list) in &o.teams {
            teams.insert(gate.to_string(), list.iter().copied().collect());
        }
        Organization {
            id: o.id,
            features: o.features.iter().map(|f| f.to_string()).collect(),
            granular: o.granular.iter().map(|g| g.to_string()).collect(),
            users,
            teams,
        }
    });
    Case { method, path, caller, member, organization }
}

/// The engine's decision, and whether an allowed request relies on the endpoint's read-only
/// exception (its planned policy would deny it).
fn engine_outcome_in(r: &Registry, raw: &Raw) -> (reference::Outcome, bool) {
    let (method, path) = path_of(raw);
    let parse = |names: &[String]| r.scope_set(names.iter().map(String::as_str));
    let principal = match &raw.caller {
        RawCaller::Anonymous => Principal::Anonymous,
        RawCaller::User { id, token, active_superuser } => Principal::User {
            id: UserId::from(*id),
            credential: match token {
                None => scopegate::UserCredential::Session,
                Some(t) => scopegate::UserCredential::Token { scopes: parse(t) },
            },
            active_superuser: *active_superuser,
        },
        RawCaller::OrgToken { organization, scopes } => {
            Principal::org_token(OrganizationId::from(*organization), parse(scopes))
        }
        RawCaller::Integration { organization, scopes } => {
            Principal::integration(OrganizationId::from(*organization), parse(scopes))
        }
    };
    let teams: Vec<TeamId> =
        raw.member.as_ref().map(|m| m.2.iter().map(|t| TeamId::from(*t)).collect()).unwrap_or_default();
    let membership = raw.member.as_ref().map(|(organization, role, _)| Membership {
        organization: OrganizationId::from(*organization),
        role_scopes: parse(role),
        teams: &teams,
    });
    let state = raw.organization.as_ref().map(|o| {
        let mut b = OrganizationState::builder(r.config(), OrganizationId::from(o.id));
        for f in &o.features {
            b = b.feature(f, true);
        }
        for g in &o.granular {
            b = b.granular(g, true);
        }
        for (g, list) in &o.users {
            b = b.allow_users(g, list.iter().map(|u| UserId::from(*u)));
        }
        for (g, list) in &o.teams {
            b = b.allow_teams(g, list.iter().map(|t| TeamId::from(*t)));
        }
        b.build()
    });
    let request = AccessRequest {
        method,
        path: &path,
        principal: &principal,
        membership: membership.as_ref(),
        organization: state.as_ref(),
    };
    let d = r.authorize(&request);
    let relies = match d {
        scopegate::Decision::Allow(e) => r.relies_on_exception(e, &request),
        scopegate::Decision::Deny(_) => false,
    };
    (
        reference::Outcome { status: d.status(), code: d.code(), handler: d.endpoint().map(|e| e.handler()) },
        relies,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The decision, and the shadow evaluation of the planned policies: an allowed request relies
    /// on the exception exactly when the model's plan would deny it.
    #[test]
    fn authorize_agrees_with_the_reference_model(raw in raw()) {
        let case = reference_case(&raw);
        let expected = reference::decide(registry().config(), registry().endpoints(), &case);
        let would_break = reference::would_break(registry().config(), registry().endpoints(), &case);
        prop_assert_eq!(engine_outcome_in(registry(), &raw), (expected, would_break));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The same cases against a single-tenant configuration: memberships always count, tokens
    /// are never outside an organization.
    #[test]
    fn single_tenant_authorize_agrees_with_the_reference_model(raw in raw()) {
        let r = single_tenant_registry();
        let case = reference_case(&raw);
        let expected = reference::decide(r.config(), r.endpoints(), &case);
        let would_break = reference::would_break(r.config(), r.endpoints(), &case);
        prop_assert_eq!(engine_outcome_in(r, &raw), (expected, would_break));
    }
}

/// The random cases reach every outcome, so the agreement above is not vacuous.
#[test]
fn the_generator_covers_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    // Outcomes on all-of endpoints (the step-3 codes), so that both readings of `all(...)` are
    // exercised: allowed, and denied for a missing scope.
    let mut all_of: HashMap<&'static str, usize> = HashMap::new();
    // Allowed requests to planned endpoints, relying on the exception or not.
    let mut planned = [0_usize; 2];
    for _ in 0..20_000 {
        let raw = raw().new_tree(&mut runner).expect("generates").current();
        let (outcome, relies) = engine_outcome_in(registry(), &raw);
        let has_plan =
            outcome.handler.and_then(|h| registry().by_handler(h)).is_some_and(|e| e.planned().is_some());
        if outcome.status == 200 && has_plan {
            planned[usize::from(relies)] += 1;
        }
        *seen.entry(outcome.code).or_default() += 1;
        let requirement =
            outcome.handler.and_then(|h| registry().by_handler(h)).and_then(|e| e.scope_match());
        if requirement == Some(scopegate::ScopeMatch::All) {
            *all_of.entry(outcome.code).or_default() += 1;
        }
    }
    for code in ["allowed", "missing_scope"] {
        assert!(
            all_of.get(code).copied().unwrap_or(0) >= 20,
            "{code} is rare on all-of endpoints: {all_of:?}"
        );
    }
    for code in [
        "allowed",
        "endpoint_not_found",
        "no_credentials",
        "missing_scope",
        "no_membership",
        "wrong_organization",
        "superuser_required",
        "feature_disabled",
        "not_a_member",
        "empty_allowlist",
        "not_on_allowlist",
        "method_not_allowed",
    ] {
        assert!(seen.get(code).copied().unwrap_or(0) >= 100, "{code} is rare or missing: {seen:?}");
    }
}

#[test]
fn conformance_of_the_test_registry() {
    scopegate::testing::assert_conformance(registry());
}
