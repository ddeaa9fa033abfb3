//! Decision latency: scopegate's `Registry::authorize` against the plain Sentry-style check and
//! casbin, for allowed and denied requests, on the Sentry-like set and on 10,000 generated
//! endpoints. Each iteration decides one request; the requests rotate over the scenario's list.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench decision`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};
use scopegate::{AccessRequest, Membership, Principal, UserId};
use scopegate_bench::casbin_ref::Casbin;
use scopegate_bench::plain::Outcome;
use scopegate_bench::scenario::{MEMBER_ROLE, Req, Scenario, TOKEN_SCOPES};

/// Cycles over `items`, one per call.
fn cycle<'a, T>(items: &'a [T]) -> impl FnMut() -> &'a T {
    assert!(!items.is_empty(), "a benchmark needs at least one request");
    let mut i = 0;
    move || {
        i += 1;
        if i == items.len() {
            i = 0;
        }
        &items[i]
    }
}

fn casbin(scenario: &Scenario) -> Casbin {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("tokio runtime");
    runtime
        .block_on(Casbin::new(scopegate::Config::sentry(), &scenario.endpoints))
        .expect("casbin model and policy")
}

/// Every implementation must decide every request of the scenario as expected before it is timed
/// (casbin only the first `casbin_checks` of each list: it is slow on large policies).
fn check(scenario: &Scenario, casbin: &Casbin, casbin_checks: usize) {
    let (token, role) = scenario.caller_scopes();
    for (reqs, allowed) in [(&scenario.allow, true), (&scenario.deny, false)] {
        assert!(
            !reqs.is_empty(),
            "the scenario has no {} requests",
            if allowed { "allowed" } else { "denied" }
        );
        for (i, (r, a)) in reqs.iter().zip(scenario.access_requests(reqs)).enumerate() {
            assert_eq!(scenario.registry.authorize(&a).is_allowed(), allowed, "scopegate on {r:?}");
            let plain = scenario.plain.decide(r.method.as_str(), &r.path, &scenario.caller);
            assert_eq!(plain, if allowed { Outcome::Allow } else { Outcome::Forbidden }, "plain on {r:?}");
            if i < casbin_checks {
                assert_eq!(
                    casbin.decide(r.method.as_str(), &r.path, token, role),
                    allowed,
                    "casbin on {r:?}"
                );
            }
        }
    }
}

fn scopegate_rows(group: &mut BenchmarkGroup<'_, WallTime>, scenario: &Scenario, reqs: &[Req]) {
    let access = scenario.access_requests(reqs);
    let registry = scenario.registry;
    let mut next = cycle(&access);
    group.bench_function("scopegate", |b| b.iter(|| registry.authorize(black_box(next()))));

    // The decision alone, for a framework that has already routed the request (what the axum layer
    // calls with the route axum matched): `authorize_endpoint` skips the path lookup.
    let routed: Vec<_> = access
        .iter()
        .map(|a| {
            let endpoint = registry.lookup(a.method, a.path).expect("every benchmarked path is routed");
            (registry.endpoint_id(endpoint.method(), endpoint.path()).expect("registered"), *a)
        })
        .collect();
    for (id, a) in &routed {
        assert_eq!(registry.authorize_endpoint(*id, a), registry.authorize(a), "routed decision differs");
    }
    let mut next = cycle(&routed);
    group.bench_function("scopegate routed", |b| {
        b.iter(|| {
            let (id, a) = next();
            registry.authorize_endpoint(black_box(*id), black_box(a))
        })
    });

    // The same decisions, timed over the whole list per iteration and reported per decision: one
    // decision is a few nanoseconds, of the order of the harness's own cost per iteration (the
    // closure, the rotation, the 64-byte `Decision` through `black_box`), which this spreads over
    // the list. `harness floor (batch)` is the same loop around `Registry::endpoint` (an index lookup).
    let n = u32::try_from(routed.len()).expect("a few hundred requests");
    group.bench_function("scopegate routed (batch)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for (id, a) in &routed {
                    black_box(registry.authorize_endpoint(black_box(*id), black_box(a)).is_allowed());
                }
            }
            start.elapsed() / n
        })
    });
    group.bench_function("harness floor (batch)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for (id, a) in &routed {
                    black_box(a);
                    black_box(registry.endpoint(black_box(*id)).is_some());
                }
            }
            start.elapsed() / n
        })
    });

    // The same, parsing the token's and the role's scope names on every request (a service that
    // keeps names, not sets, in its session cache).
    let mut next = cycle(reqs);
    group.bench_function("scopegate+parse", |b| {
        b.iter(|| {
            let r = next();
            let token = registry.scope_set(black_box(TOKEN_SCOPES).iter().copied());
            let principal = Principal::user_token(UserId(7), token);
            let membership = Membership {
                organization: scenario.membership.organization,
                role_scopes: registry.scope_set(black_box(MEMBER_ROLE).iter().copied()),
                teams: &[],
            };
            let request = AccessRequest::new(r.method, &r.path, &principal)
                .with_membership(&membership)
                .with_organization(&scenario.organization);
            registry.authorize(&request).is_allowed()
        })
    });
}

fn plain_row(group: &mut BenchmarkGroup<'_, WallTime>, scenario: &Scenario, reqs: &[Req]) {
    let mut next = cycle(reqs);
    group.bench_function("plain", |b| {
        b.iter(|| {
            let r = next();
            scenario.plain.decide(black_box(r.method.as_str()), black_box(&r.path), &scenario.caller)
        })
    });
}

fn casbin_row(group: &mut BenchmarkGroup<'_, WallTime>, scenario: &Scenario, casbin: &Casbin, reqs: &[Req]) {
    let (token, role) = scenario.caller_scopes();
    let mut next = cycle(reqs);
    group.bench_function("casbin", |b| {
        b.iter(|| {
            let r = next();
            casbin.decide(black_box(r.method.as_str()), black_box(&r.path), token, role)
        })
    });
}

fn sentry_like(c: &mut Criterion) {
    let scenario = Scenario::sentry_like();
    let casbin = casbin(&scenario);
    check(&scenario, &casbin, usize::MAX);
    eprintln!(
        "sentry-like: {} endpoints, {} casbin policy lines, {} allowed and {} denied requests",
        scenario.endpoints.len(),
        casbin.policy_len(),
        scenario.allow.len(),
        scenario.deny.len()
    );
    for (name, reqs) in [("allow", &scenario.allow), ("deny", &scenario.deny)] {
        let mut group = c.benchmark_group(format!("decision-sentry/{name}"));
        scopegate_rows(&mut group, &scenario, reqs);
        plain_row(&mut group, &scenario, reqs);
        casbin_row(&mut group, &scenario, &casbin, reqs);
        group.finish();
    }
}

fn generated(c: &mut Criterion) {
    let scenario = Scenario::generated(10_000, 256);
    let casbin = casbin(&scenario);
    check(&scenario, &casbin, 16);
    eprintln!(
        "generated: {} endpoints, {} casbin policy lines, {} allowed and {} denied requests",
        scenario.endpoints.len(),
        casbin.policy_len(),
        scenario.allow.len(),
        scenario.deny.len()
    );
    for (name, reqs) in [("allow", &scenario.allow), ("deny", &scenario.deny)] {
        let mut group = c.benchmark_group(format!("decision-10k/{name}"));
        scopegate_rows(&mut group, &scenario, reqs);
        plain_row(&mut group, &scenario, reqs);
        // casbin scans every policy line per scope: milliseconds per decision, so few samples.
        group.sample_size(10);
        casbin_row(&mut group, &scenario, &casbin, reqs);
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = sentry_like, generated }
criterion_main!(benches);
