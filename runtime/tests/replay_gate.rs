//! Feature-area gates: the session-replay gate as Sentry has it (`has_replay_permission` and its
//! granular-permission tests), team grants, custom gates without allowlists, and atomic updates of
//! the per-organization state under concurrent decisions.

#![allow(dead_code)] // The handlers exist to be registered, not called.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use scopegate::testing::{self, ORGANIZATION};
use scopegate::{
    Access, AccessRequest, Bypass, Config, Decision, Endpoint, GateDef, GateSource, InMemoryGates,
    Membership, Method, OrganizationId, OrganizationState, Principal, Registry, Source, TeamId, UserId,
    Vocabulary,
};

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], gate = replay)]
fn organization_replay_index() {}

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{org}/{project}/replays/{replay_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
    gate = replay
)]
fn project_replay_details() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/projects/{org}/{project}/replays/{replay_id}/",
    scopes = ["event:write", "event:admin"],
    gate = replay
)]
fn project_replay_delete() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/issues/", scopes = ["event:read"])]
fn issues() {}

const ALICE: UserId = UserId(1);
const BOB: UserId = UserId(2);
const CAROL: UserId = UserId(3);
const BACKEND: TeamId = TeamId(10);
const FRONTEND: TeamId = TeamId(11);
const REPLAYS: &str = "/organizations/acme/replays/";

fn registry() -> &'static Registry {
    Registry::global()
}

/// A member with Sentry's `member` role scopes.
fn member(teams: &'static [TeamId]) -> Membership<'static> {
    let role =
        ["org:read", "member:read", "team:read", "project:read", "event:read", "event:write", "alerts:read"];
    Membership { organization: ORGANIZATION, role_scopes: registry().scope_set(role), teams }
}

/// Replay on, granular mode on, Alice on the user allowlist, the frontend team on the team allowlist.
fn granular() -> OrganizationState {
    OrganizationState::builder(registry().config(), ORGANIZATION)
        .feature("organizations:session-replay", true)
        .granular("replay", true)
        .allow_users("replay", [ALICE])
        .allow_teams("replay", [FRONTEND])
        .build()
}

fn decide(
    path: &str,
    p: Principal,
    m: Option<Membership<'_>>,
    org: Option<&OrganizationState>,
) -> (u16, &'static str) {
    let d = registry().authorize(&AccessRequest {
        method: Method::Get,
        path,
        principal: &p,
        membership: m.as_ref(),
        organization: org,
    });
    (d.status(), d.code())
}

const ALLOWED: (u16, &str) = (200, "allowed");

#[test]
fn conformance_of_the_replay_endpoints() {
    testing::assert_conformance(registry());
}

#[test]
fn allowed_user_is_allowed() {
    let org = granular();
    assert_eq!(decide(REPLAYS, Principal::session(ALICE), Some(member(&[])), Some(&org)), ALLOWED);
    let token = Principal::user_token(ALICE, registry().scope_set(["event:read"]));
    assert_eq!(decide(REPLAYS, token, Some(member(&[])), Some(&org)), ALLOWED);
}

#[test]
fn user_not_on_the_allowlist_is_denied() {
    let org = granular();
    assert_eq!(
        decide(REPLAYS, Principal::session(BOB), Some(member(&[BACKEND])), Some(&org)),
        (403, "not_on_allowlist")
    );
    // Scopes are checked first: a member without event:read gets missing_scope, not a gate reason.
    let no_events = Membership { role_scopes: registry().scope_set(["org:read"]), ..member(&[]) };
    assert_eq!(
        decide(REPLAYS, Principal::session(ALICE), Some(no_events), Some(&org)),
        (403, "missing_scope")
    );
}

#[test]
fn granular_mode_off_allows_every_member() {
    let org = granular().to_builder().granular("replay", false).build();
    assert_eq!(decide(REPLAYS, Principal::session(BOB), Some(member(&[])), Some(&org)), ALLOWED);
    // Even with an empty allowlist.
    let org = org.to_builder().allow_users("replay", []).allow_teams("replay", []).build();
    assert_eq!(decide(REPLAYS, Principal::session(CAROL), Some(member(&[])), Some(&org)), ALLOWED);
}

#[test]
fn feature_off_is_404_for_everyone_even_the_allowed() {
    let org = granular().to_builder().feature("organizations:session-replay", false).build();
    let disabled = (404, "feature_disabled");
    assert_eq!(decide(REPLAYS, Principal::session(ALICE), Some(member(&[])), Some(&org)), disabled);
    assert_eq!(decide(REPLAYS, Principal::active_superuser(ALICE), None, Some(&org)), disabled);
    // No organization context: the gated area is off.
    assert_eq!(decide(REPLAYS, Principal::session(ALICE), Some(member(&[])), None), disabled);
    // Ungated endpoints are unaffected.
    assert_eq!(
        decide("/organizations/acme/issues/", Principal::session(BOB), Some(member(&[])), Some(&org)),
        ALLOWED
    );
}

#[test]
fn active_superuser_bypasses_but_an_inactive_one_is_a_plain_user() {
    let org = granular();
    assert_eq!(decide(REPLAYS, Principal::active_superuser(CAROL), None, Some(&org)), ALLOWED);
    // Superuser without an active session, not a member: no scopes at all.
    assert_eq!(decide(REPLAYS, Principal::session(CAROL), None, Some(&org)), (403, "no_membership"));
    // Superuser without an active session who is a member: the allowlist applies.
    assert_eq!(
        decide(REPLAYS, Principal::session(CAROL), Some(member(&[])), Some(&org)),
        (403, "not_on_allowlist")
    );
}

#[test]
fn org_tokens_and_integrations_with_event_read_bypass() {
    let r = registry();
    let org = granular();
    for make in
        [Principal::org_token as fn(OrganizationId, scopegate::ScopeSet) -> Principal, Principal::integration]
    {
        assert_eq!(
            decide(REPLAYS, make(ORGANIZATION, r.scope_set(["event:read"])), None, Some(&org)),
            ALLOWED
        );
        // event:admin implies event:read.
        assert_eq!(
            decide(REPLAYS, make(ORGANIZATION, r.scope_set(["event:admin"])), None, Some(&org)),
            ALLOWED
        );
        // Every scope a replay endpoint accepts implies event:read, so a token that passes the scope
        // check also bypasses the allowlist.
        let details = "/projects/acme/web/replays/r1/";
        assert_eq!(
            decide(details, make(ORGANIZATION, r.scope_set(["event:write"])), None, Some(&org)),
            ALLOWED
        );
        // Without any of them it is stopped by the scope check.
        let d = decide(details, make(ORGANIZATION, r.scope_set(["project:admin"])), None, Some(&org));
        assert_eq!(d, (403, "missing_scope"));
        // In another organization they never get that far.
        let theirs = make(OrganizationId(99), r.scope_set(["event:read"]));
        assert_eq!(decide(REPLAYS, theirs, None, Some(&org)), (403, "wrong_organization"));
    }
}

#[test]
fn non_members_are_denied_in_granular_mode() {
    // A principal that passes the scope check without membership and without the bypass: an active
    // superuser on a custom gate whose bypass does not include superusers.
    let (registry, org) = custom();
    let beta = "/organizations/acme/beta/";
    let d = registry.authorize(
        &AccessRequest::new(Method::Get, beta, &Principal::active_superuser(ALICE)).with_organization(&org),
    );
    assert_eq!((d.status(), d.code()), (403, "not_a_member"));
}

#[test]
fn empty_allowlist_denies_everyone() {
    let org = granular().to_builder().allow_users("replay", []).allow_teams("replay", []).build();
    for (user, teams) in [(ALICE, &[][..]), (BOB, &[FRONTEND][..])] {
        let m = Membership { teams, ..member(&[]) };
        assert_eq!(decide(REPLAYS, Principal::session(user), Some(m), Some(&org)), (403, "empty_allowlist"));
    }
    // The bypasses still apply.
    assert_eq!(decide(REPLAYS, Principal::active_superuser(BOB), None, Some(&org)), ALLOWED);
}

#[test]
fn allowed_user_asking_for_a_path_that_does_not_exist_gets_404() {
    let org = granular();
    let m = Some(member(&[]));
    assert_eq!(
        decide("/organizations/acme/replays/extra/deep/", Principal::session(ALICE), m, Some(&org)),
        (404, "endpoint_not_found")
    );
    assert_eq!(
        decide("/organizations/acme/replays", Principal::session(ALICE), m, Some(&org)),
        (404, "endpoint_not_found")
    );
}

#[test]
fn team_grant_allows_its_members() {
    let org = granular();
    assert_eq!(
        decide(REPLAYS, Principal::session(BOB), Some(member(&[BACKEND, FRONTEND])), Some(&org)),
        ALLOWED
    );
    // Only the team list grants: a team-less Bob is denied.
    assert_eq!(
        decide(REPLAYS, Principal::session(BOB), Some(member(&[BACKEND])), Some(&org)),
        (403, "not_on_allowlist")
    );
    // A team allowlist alone is not empty.
    let teams_only = org.to_builder().allow_users("replay", []).build();
    assert_eq!(
        decide(REPLAYS, Principal::session(BOB), Some(member(&[FRONTEND])), Some(&teams_only)),
        ALLOWED
    );
}

#[test]
fn revoked_mid_flight_is_denied_on_the_next_decision() {
    let gates = InMemoryGates::new();
    gates.set(granular());
    let alice = Principal::session(ALICE);
    let m = member(&[]);
    let decide_now = |source: &InMemoryGates| {
        let snapshot = source.organization(ORGANIZATION).expect("stored");
        decide(REPLAYS, alice, Some(m), Some(&snapshot))
    };
    assert_eq!(decide_now(&gates), ALLOWED);
    let in_flight = gates.organization(ORGANIZATION).expect("stored");
    assert!(gates.update(ORGANIZATION, |b| b.revoke_user("replay", ALICE)));
    // The request that already holds its snapshot finishes with it; the next one is denied.
    assert_eq!(decide(REPLAYS, alice, Some(m), Some(&in_flight)), ALLOWED);
    assert_eq!(decide_now(&gates), (403, "not_on_allowlist"));
    // Removing the team grant of a member works the same way.
    let bob = Principal::session(BOB);
    let frontend = member(&[FRONTEND]);
    let snapshot = gates.organization(ORGANIZATION).expect("stored");
    assert_eq!(decide(REPLAYS, bob, Some(frontend), Some(&snapshot)), ALLOWED);
    gates.update(ORGANIZATION, |b| b.revoke_team("replay", FRONTEND).grant_user("replay", CAROL));
    let snapshot = gates.organization(ORGANIZATION).expect("stored");
    assert_eq!(decide(REPLAYS, bob, Some(frontend), Some(&snapshot)), (403, "not_on_allowlist"));
    // Unknown organizations have no snapshot, and updating them does nothing.
    assert!(!gates.update(OrganizationId(77), |b| b.granular("replay", false)));
    assert!(gates.organization(OrganizationId(77)).is_none());
    assert!(gates.remove(ORGANIZATION));
    assert!(!gates.remove(ORGANIZATION));
}

#[test]
fn builder_reports_unknown_gates_and_ignores_unrelated_features() {
    let config = registry().config();
    let built = OrganizationState::builder(config, ORGANIZATION)
        .feature("organizations:unrelated", true)
        .granular("replays", true)
        .try_build();
    assert_eq!(
        built.map(|_| ()).map_err(|e| e.to_string()),
        Err("no gate named `replays` is configured".into())
    );
    let state = OrganizationState::builder(config, ORGANIZATION).granular("replays", true).build();
    assert!(!state.granular("replay") && !state.feature_enabled("replay"));
    assert_eq!(state.to_builder().build(), state);
    assert!(format!("{state:?}").contains("replay"));
}

/// Sentry's vocabulary with three gates: `replay` as built in, `profiling` (feature flag only) and
/// `beta` (allowlists; only org tokens holding `org:read` bypass it).
fn custom() -> (Registry, OrganizationState) {
    let sentry = Config::sentry();
    let v = sentry.vocabulary();
    let none = Bypass { active_superuser: false, org_token_scope: None, integration_scope: None };
    let beta_bypass =
        Bypass { active_superuser: false, org_token_scope: Some("org:read"), integration_scope: None };
    let gates: &'static [GateDef] = Box::leak(Box::new([
        GateDef::__new("profiling", "organizations:profiling", false, &["profiling"], none),
        GateDef::__new("beta", "organizations:beta", true, &["beta"], beta_bypass),
    ]));
    let config: &'static Config =
        Box::leak(Box::new(Config::__new(Vocabulary::__new(v.scopes(), v.readonly(), v.implies()), gates)));
    let make = |handler, path, gate| -> &'static Endpoint {
        Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
            readonly: &["org:read"],
            gate: Some(gate),
            source: Source { file: file!(), line: line!() },
            ..scopegate::__private::Declaration::new(
                handler,
                Method::Get,
                path,
                Access::Scopes(scopegate::Requirement::any(&["org:read"])),
            )
        })))
    };
    let endpoints = [
        make("custom::profiles", "/organizations/{org}/profiling/", "profiling"),
        make("custom::beta", "/organizations/{org}/beta/", "beta"),
    ];
    let registry = Registry::from_endpoints(config, endpoints).expect("valid");
    let org = OrganizationState::builder(config, ORGANIZATION)
        .feature("organizations:profiling", true)
        .feature("organizations:beta", true)
        .granular("profiling", true)
        .granular("beta", true)
        .build();
    (registry, org)
}

#[test]
fn custom_gates_conform() {
    let (registry, _) = custom();
    let report = testing::conformance(&registry);
    assert!(report.is_ok(), "{report}");
}

#[test]
fn gate_without_allowlists_checks_only_its_feature_flag() {
    let (registry, org) = custom();
    let path = "/organizations/acme/profiling/";
    let reader =
        Membership { organization: ORGANIZATION, role_scopes: registry.scope_set(["org:read"]), teams: &[] };
    let carol = Principal::session(CAROL);
    let request =
        AccessRequest::new(Method::Get, path, &carol).with_membership(&reader).with_organization(&org);
    // Granular mode is on but the gate has no allowlists: allowed.
    assert!(registry.authorize(&request).is_allowed());
    let off = org.to_builder().feature("organizations:profiling", false).build();
    let d = registry.authorize(&AccessRequest { organization: Some(&off), ..request });
    assert_eq!((d.status(), d.code()), (404, "feature_disabled"));
    // A snapshot built for another configuration (the built-in one) knows no `profiling` gate: off.
    let foreign = testing::open_organization(Config::sentry(), ORGANIZATION.0);
    let d = registry.authorize(&AccessRequest { organization: Some(&foreign), ..request });
    assert_eq!(d.code(), "feature_disabled");
}

#[test]
fn state_built_for_an_equal_configuration_elsewhere_is_matched_by_gate_name() {
    // The registry's config and the state's config are different objects: gates are found by name.
    let (registry, _) = custom();
    let gates: &'static [GateDef] = Box::leak(Box::new([GateDef::__new(
        "beta",
        "organizations:beta",
        true,
        &["beta"],
        Bypass { active_superuser: false, org_token_scope: None, integration_scope: None },
    )]));
    let v = Config::sentry().vocabulary();
    let other: &'static Config =
        Box::leak(Box::new(Config::__new(Vocabulary::__new(v.scopes(), v.readonly(), v.implies()), gates)));
    let org = OrganizationState::builder(other, ORGANIZATION)
        .feature("organizations:beta", true)
        .granular("beta", true)
        .allow_users("beta", [ALICE])
        .build();
    let reader =
        Membership { organization: ORGANIZATION, role_scopes: registry.scope_set(["org:read"]), teams: &[] };
    let alice = Principal::session(ALICE);
    let bob = Principal::session(BOB);
    let path = "/organizations/acme/beta/";
    let req = |p| AccessRequest::new(Method::Get, path, p).with_membership(&reader).with_organization(&org);
    assert!(registry.authorize(&req(&alice)).is_allowed());
    assert_eq!(registry.authorize(&req(&bob)).code(), "not_on_allowlist");
}

/// Threads replace the organization's state (granular mode, both allowlists and the feature flag
/// together) while others decide; every snapshot a reader sees is one of the whole states, and every
/// decision is the one that state implies.
#[test]
fn concurrent_updates_are_never_seen_half_applied() {
    let config = registry().config();
    let base = || OrganizationState::builder(config, ORGANIZATION);
    let states: Vec<OrganizationState> = vec![
        base()
            .feature("organizations:session-replay", true)
            .granular("replay", true)
            .allow_users("replay", [ALICE])
            .build(),
        base()
            .feature("organizations:session-replay", true)
            .granular("replay", true)
            .allow_teams("replay", [BACKEND])
            .build(),
        base()
            .feature("organizations:session-replay", true)
            .allow_users("replay", [CAROL])
            .allow_teams("replay", [FRONTEND])
            .build(),
        base().granular("replay", true).allow_users("replay", [BOB]).build(),
        base().feature("organizations:session-replay", true).granular("replay", true).build(),
    ];
    // What Alice (no team), Bob (backend) and Carol (frontend) get under each whole state.
    let callers = [(ALICE, &[][..]), (BOB, &[BACKEND][..]), (CAROL, &[FRONTEND][..])];
    let outcomes = |state: &OrganizationState| -> Vec<(u16, &'static str)> {
        callers
            .iter()
            .map(|(user, teams)| {
                let m = Membership { teams, ..member(&[]) };
                decide(REPLAYS, Principal::session(*user), Some(m), Some(state))
            })
            .collect()
    };
    let expected: Vec<Vec<(u16, &'static str)>> = states.iter().map(outcomes).collect();
    // The states are distinguishable by their decisions.
    for (i, a) in expected.iter().enumerate() {
        for b in &expected[i + 1..] {
            assert_ne!(a, b);
        }
    }

    let gates = Arc::new(InMemoryGates::new());
    gates.set(states[0].clone());
    let done = AtomicBool::new(false);
    let decisions = AtomicUsize::new(0);
    std::thread::scope(|s| {
        // Writer: whole replacements with `set`.
        s.spawn(|| {
            let mut i = 0;
            while !done.load(Ordering::Relaxed) {
                gates.set(states[i % states.len()].clone());
                i += 1;
            }
        });
        // Writer: read-modify-write with `update`, rewriting every field to another whole state.
        s.spawn(|| {
            let mut i = 1;
            while !done.load(Ordering::Relaxed) {
                let target = &states[i % states.len()];
                gates.update(ORGANIZATION, |b| {
                    b.feature("organizations:session-replay", target.feature_enabled("replay"))
                        .granular("replay", target.granular("replay"))
                        .allow_users("replay", target.allowed_users("replay").iter().copied())
                        .allow_teams("replay", target.allowed_teams("replay").iter().copied())
                });
                i += 3;
            }
        });
        let readers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut seen = vec![0usize; states.len()];
                    for _ in 0..4_000 {
                        let snapshot = gates.organization(ORGANIZATION).expect("always stored");
                        let which = states.iter().position(|st| *st == *snapshot);
                        let Some(which) = which else { panic!("a mixed state was visible: {snapshot:?}") };
                        assert_eq!(outcomes(&snapshot), expected[which]);
                        seen[which] += 1;
                        decisions.fetch_add(3, Ordering::Relaxed);
                    }
                    seen
                })
            })
            .collect();
        let seen: Vec<Vec<usize>> = readers.into_iter().map(|r| r.join().expect("reader ok")).collect();
        done.store(true, Ordering::Relaxed);
        let distinct = (0..states.len()).filter(|&i| seen.iter().any(|s| s[i] > 0)).count();
        assert!(distinct >= 2, "the readers should observe updates: {seen:?}");
    });
    assert_eq!(decisions.load(Ordering::Relaxed), 24_000);
    let last = gates.organization(ORGANIZATION).expect("stored");
    assert!(states.contains(&last));
}

#[test]
fn decisions_are_values() {
    // Allow carries the endpoint; a decision can be copied into a response layer.
    let org = granular();
    let alice = Principal::session(ALICE);
    let m = member(&[]);
    let d = registry().authorize(
        &AccessRequest::new(Method::Get, REPLAYS, &alice).with_membership(&m).with_organization(&org),
    );
    let Decision::Allow(e) = d else { panic!("allowed") };
    assert_eq!(e.gate(), Some("replay"));
    assert_eq!(d.endpoint().map(|e| e.name()), Some("organization_replay_index"));
    assert!(d.denial().is_none());
}
