//! A decision on a warmed registry allocates nothing: allowed and denied requests, every gate
//! outcome, routing with four parameters, a catch-all and backtracking, with no tracing subscriber
//! and with one that receives every denial event; and lookups and routed decisions in a registry
//! wide enough for hashed nodes and joined chains.
//!
//! The whole binary runs under a counting global allocator that counts every thread, so it runs
//! without libtest's harness (`harness = false`): no other thread exists to allocate meanwhile.

#![allow(dead_code)] // The handlers exist to be registered, not called.

use std::alloc::System;
use std::sync::atomic::{AtomicUsize, Ordering};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use scopegate::{
    AccessRequest, Membership, Method, OrganizationId, OrganizationState, Principal, Registry, TeamId, UserId,
};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read", "org:write", "org:admin"])]
fn org_details() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/me/", scopes = ["member:read"])]
fn me() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/{member}/", scopes = ["member:read"])]
fn member() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], gate = replay)]
fn replays() {}

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{org}/{project}/replays/{replay_id}/recording-segments/{segment_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
    gate = replay
)]
fn segment() {}

#[scopegate::endpoint(method = GET, path = "/files/{*rest}", unauthenticated = "Static files.")]
fn files() {}

/// Policy debt with a plan: allowed requests that rely on the exception are recorded (shadow
/// evaluation), without allocating.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{org}/dashboards/",
    scopes = ["org:read", "org:write"],
    readonly_exception = "Members may create dashboards.",
    sunset = "2027-01-31"
)]
fn create_dashboard() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{org}/members/{member}/events/",
    scopes = all("member:read", "event:read")
)]
fn member_events() {}

const ORG: OrganizationId = OrganizationId(1);

/// Counts denial events without allocating.
struct Counting(AtomicUsize);

impl tracing::Subscriber for Counting {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn main() {
    println!("\nrunning 3 tests");
    decisions_allocate_nothing();
    println!("test decisions_allocate_nothing ... ok");
    wide_registries_route_without_allocating();
    println!("test wide_registries_route_without_allocating ... ok");
    large_vocabularies_decide_without_allocating();
    println!("test large_vocabularies_decide_without_allocating ... ok\n");
    println!("test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n");
}

fn decisions_allocate_nothing() {
    let registry = Registry::global();
    let r = registry;
    let teams = [TeamId(7)];
    let member = Membership {
        organization: ORG,
        role_scopes: r.scope_set(["org:read", "member:read", "event:read"]),
        teams: &teams,
    };
    let other_team = Membership { teams: &[TeamId(8)], ..member };
    let events_only = Membership { role_scopes: r.scope_set(["event:read"]), ..member };
    let base = || OrganizationState::builder(r.config(), ORG).feature("organizations:session-replay", true);
    let open = base().build();
    let off = OrganizationState::builder(r.config(), ORG).build();
    let granular = base()
        .granular("replay", true)
        .allow_users("replay", [UserId(1)])
        .allow_teams("replay", [TeamId(7)])
        .build();
    let empty = base().granular("replay", true).build();
    let token = r.scope_set(["org:admin", "event:admin", "member:admin", "bogus"]);
    let alice = Principal::session(UserId(1));
    let bob = Principal::session(UserId(2));
    let bob_token = Principal::user_token(UserId(2), token);
    let superuser = Principal::active_superuser(UserId(3));
    let org_token = Principal::org_token(ORG, token);
    let foreign = Principal::integration(OrganizationId(2), token);
    let nobody = Principal::Anonymous;
    let segment = "/projects/acme/web/replays/r1/recording-segments/9/";
    let replays = "/organizations/acme/replays/";

    let writer = Membership { role_scopes: r.scope_set(["org:read", "org:write"]), ..member };
    // (request, expected status, expected code)
    let cases: Vec<(AccessRequest<'_>, u16, &str)> = vec![
        (
            AccessRequest::new(Method::Get, "/organizations/acme/", &alice)
                .with_membership(&member)
                .with_organization(&open),
            200,
            "allowed",
        ),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/members/me/", &bob_token)
                .with_membership(&member),
            200,
            "allowed",
        ),
        (AccessRequest::new(Method::Get, "/organizations/acme/members/42/", &superuser), 200, "allowed"),
        (AccessRequest::new(Method::Get, "/files/a/b/c.css", &nobody), 200, "allowed"),
        (
            AccessRequest::new(Method::Get, segment, &alice)
                .with_membership(&member)
                .with_organization(&granular),
            200,
            "allowed",
        ),
        (
            AccessRequest::new(Method::Get, segment, &bob)
                .with_membership(&member)
                .with_organization(&granular),
            200,
            "allowed",
        ),
        (AccessRequest::new(Method::Get, replays, &org_token).with_organization(&empty), 200, "allowed"),
        (AccessRequest::new(Method::Get, replays, &superuser).with_organization(&empty), 200, "allowed"),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/members/7/events/", &alice)
                .with_membership(&member),
            200,
            "allowed",
        ),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/members/7/events/", &bob_token)
                .with_membership(&member),
            200,
            "allowed",
        ),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/members/7/events/", &org_token)
                .with_organization(&open),
            200,
            "allowed",
        ),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/members/7/events/", &bob)
                .with_membership(&events_only),
            403,
            "missing_scope",
        ),
        // Relies on the exception (the plan, org:write, would refuse the read-only role): recorded.
        (
            AccessRequest::new(Method::Post, "/organizations/acme/dashboards/", &alice)
                .with_membership(&member)
                .with_organization(&open),
            200,
            "allowed",
        ),
        // Meets the plan too (org:admin implies org:write): not recorded.
        (
            AccessRequest::new(Method::Post, "/organizations/acme/dashboards/", &bob_token)
                .with_membership(&writer)
                .with_organization(&open),
            200,
            "allowed",
        ),
        (AccessRequest::new(Method::Get, "/organizations/acme/nope/", &alice), 404, "endpoint_not_found"),
        (AccessRequest::new(Method::Patch, "/organizations/acme/", &alice), 405, "method_not_allowed"),
        (AccessRequest::new(Method::Get, "/organizations/acme/", &nobody), 401, "no_credentials"),
        (AccessRequest::new(Method::Get, "/organizations/acme/", &bob), 403, "no_membership"),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/", &bob)
                .with_membership(&events_only)
                .with_organization(&open),
            403,
            "missing_scope",
        ),
        (
            AccessRequest::new(Method::Get, "/organizations/acme/", &foreign).with_organization(&open),
            403,
            "wrong_organization",
        ),
        (
            AccessRequest::new(Method::Get, replays, &alice).with_membership(&member).with_organization(&off),
            404,
            "feature_disabled",
        ),
        (AccessRequest::new(Method::Get, replays, &alice).with_membership(&member), 404, "feature_disabled"),
        (
            AccessRequest::new(Method::Get, segment, &bob)
                .with_membership(&other_team)
                .with_organization(&granular),
            403,
            "not_on_allowlist",
        ),
        (
            AccessRequest::new(Method::Get, replays, &alice)
                .with_membership(&member)
                .with_organization(&empty),
            403,
            "empty_allowlist",
        ),
    ];

    let run = |rounds: usize| {
        let mut checked = 0;
        for _ in 0..rounds {
            for (request, status, code) in &cases {
                let d = registry.authorize(request);
                assert!(
                    d.status() == *status && d.code() == *code,
                    "{} {}: {} {}",
                    request.method,
                    request.path,
                    d.status(),
                    d.code()
                );
                checked += 1;
            }
        }
        checked
    };

    // Warm up: the registry is built, tracing call sites are registered.
    run(2);
    let region = Region::new(ALLOCATOR);
    let checked = run(1_000);
    let stats = region.change();
    assert_eq!(checked, 1_000 * cases.len());
    assert_eq!((stats.allocations, stats.reallocations, stats.bytes_allocated), (0, 0, 0), "{stats:?}");
    // The shadow evaluation recorded exactly the requests that relied on the exception.
    let would_break = r.would_break_counts().find(|(e, _)| e.name() == "create_dashboard").map(|(_, n)| n);
    assert_eq!(would_break, Some(1_002));

    // With a subscriber that receives every denial event, the decision still allocates nothing.
    let counting = std::sync::Arc::new(Counting(AtomicUsize::new(0)));
    let dispatch = tracing::Dispatch::from(std::sync::Arc::clone(&counting));
    tracing::dispatcher::with_default(&dispatch, || {
        run(2);
        let before = counting.0.load(Ordering::Relaxed);
        let region = Region::new(ALLOCATOR);
        run(1_000);
        let stats = region.change();
        assert_eq!((stats.allocations, stats.reallocations, stats.bytes_allocated), (0, 0, 0), "{stats:?}");
        let denials = cases.iter().filter(|(_, status, _)| *status != 200).count();
        assert_eq!(counting.0.load(Ordering::Relaxed) - before, 1_000 * denials);
    });

    // The counter works: building a snapshot does allocate.
    let region = Region::new(ALLOCATOR);
    let state = base().allow_users("replay", [UserId(1)]).build();
    assert!(region.change().bytes_allocated > 0);
    drop(state);
}

/// 200 resources under one node (a hashed node), a chain of single literals (joined into one edge),
/// lookups, `route` with its parameters, and routed decisions allowed and denied.
fn wide_registries_route_without_allocating() {
    use scopegate::{Access, Config, Endpoint, Source};
    let record = |method: Method, path: String, scopes: &'static [&'static str]| -> &'static Endpoint {
        Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
            source: Source { file: "tests/zero_alloc.rs", line: 1 },
            ..scopegate::__private::Declaration::new(
                "wide::handler",
                method,
                Box::leak(path.into_boxed_str()),
                Access::Scopes(scopegate::Requirement::any(scopes)),
            )
        })))
    };
    let mut endpoints = Vec::new();
    for i in 0..200 {
        endpoints.push(record(
            Method::Get,
            format!("/api/0/organizations/{{org}}/res{i}/{{item_id}}/"),
            &["org:read"],
        ));
        endpoints.push(record(
            Method::Put,
            format!("/api/0/organizations/{{org}}/res{i}/{{item_id}}/"),
            &["org:admin"],
        ));
    }
    let registry = Registry::from_endpoints(Config::sentry(), endpoints).expect("valid records");
    let items: Vec<String> = (0..200).map(|i| (i * 7).to_string()).collect();
    let paths: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| format!("/api/0/organizations/acme/res{i}/{item}/"))
        .collect();
    let member = Membership { organization: ORG, role_scopes: registry.scope_set(["org:read"]), teams: &[] };
    let alice = Principal::session(UserId(1));
    let ids: Vec<_> = [Method::Get, Method::Put]
        .into_iter()
        .flat_map(|m| (0..200).map(move |i| (m, i)))
        .map(|(m, i)| {
            let template = format!("/api/0/organizations/{{org}}/res{i}/{{item_id}}/");
            registry.endpoint_id(m, &template).expect("registered")
        })
        .collect();
    let run = || {
        let mut found = 0;
        for (i, path) in paths.iter().enumerate() {
            found += usize::from(registry.lookup(Method::Get, path).is_some());
            let route = registry.route(Method::Put, path).expect("routed");
            assert_eq!(route.param("item_id"), Some(items[i].as_str()));
            assert!(
                registry.lookup(Method::Get, &path[..path.len() - 1]).is_none(),
                "no trailing slash: no route"
            );
            let get = AccessRequest::new(Method::Get, path, &alice).with_membership(&member);
            assert!(registry.authorize_endpoint(ids[i], &get).is_allowed());
            let put = AccessRequest::new(Method::Put, path, &alice).with_membership(&member);
            assert_eq!(registry.authorize_endpoint(ids[200 + i], &put).code(), "missing_scope");
        }
        found
    };
    assert_eq!(run(), 200);
    let region = Region::new(ALLOCATOR);
    for _ in 0..50 {
        assert_eq!(run(), 200);
    }
    let stats = region.change();
    assert_eq!((stats.allocations, stats.reallocations, stats.bytes_allocated), (0, 0, 0), "{stats:?}");
}

/// A vocabulary of 1,024 scopes (`s1023` implies `s0`): requirements within one window and
/// 1,000 bits apart (kept whole), any-of and all-of, allowed and denied.
fn large_vocabularies_decide_without_allocating() {
    use scopegate::{Access, Config, Endpoint, Requirement, Source, Vocabulary};
    let names: Vec<&'static str> = (0..1024).map(|i| &*Box::leak(format!("s{i}").into_boxed_str())).collect();
    let names: &'static [&'static str] = names.leak();
    let implies: &'static [(&'static str, &'static [&'static str])] =
        Box::leak(Box::new([(names[1023], &names[..1])]));
    let config: &'static Config =
        Box::leak(Box::new(Config::__new(Vocabulary::__new(names, &[], implies), &[])));
    let record = |method: Method, path: &'static str, requirement: Requirement| -> &'static Endpoint {
        Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
            source: Source { file: "tests/zero_alloc.rs", line: 1 },
            ..scopegate::__private::Declaration::new(
                "large::handler",
                method,
                path,
                Access::Scopes(requirement),
            )
        })))
    };
    let endpoints = vec![
        record(Method::Get, "/near/", Requirement::any(&["s700", "s701"])),
        record(Method::Post, "/near/", Requirement::all(&["s700", "s760"])),
        record(Method::Get, "/far/", Requirement::any(&["s3", "s1020"])),
        record(Method::Post, "/far/", Requirement::all(&["s0", "s1000"])),
    ];
    let registry = Registry::from_endpoints(config, endpoints).expect("valid records");
    let member = Membership { organization: ORG, role_scopes: registry.all_scopes(), teams: &[] };
    let near = Principal::user_token(UserId(1), registry.scope_set(["s700", "s760"]));
    let far = Principal::user_token(UserId(1), registry.scope_set(["s1023", "s1000"]));
    let neither = Principal::org_token(ORG, registry.scope_set(["s1", "s999"]));
    let cases = [
        (Method::Get, "/near/", &near, 200),
        (Method::Post, "/near/", &near, 200),
        (Method::Post, "/near/", &far, 403),
        (Method::Get, "/far/", &near, 403),
        (Method::Post, "/far/", &far, 200),
        (Method::Get, "/far/", &neither, 403),
        (Method::Post, "/far/", &neither, 403),
    ];
    let ids: Vec<_> = cases
        .iter()
        .map(|(method, path, _, _)| registry.endpoint_id(*method, path).expect("registered"))
        .collect();
    let run = |rounds: usize| {
        for _ in 0..rounds {
            for ((method, path, principal, status), id) in cases.iter().zip(&ids) {
                let request = AccessRequest::new(*method, path, principal).with_membership(&member);
                assert_eq!(registry.authorize(&request).status(), *status, "{method} {path}");
                assert_eq!(registry.authorize_endpoint(*id, &request).status(), *status, "{method} {path}");
            }
        }
    };
    run(2);
    let region = Region::new(ALLOCATOR);
    run(1_000);
    let stats = region.change();
    assert_eq!((stats.allocations, stats.reallocations, stats.bytes_allocated), (0, 0, 0), "{stats:?}");
}
