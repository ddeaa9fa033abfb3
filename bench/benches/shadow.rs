//! The cost of evaluating planned policies beside the real ones (`scopegate::shadow`), same run:
//! a routed decision on an endpoint without policy debt, on one with a plan the request meets
//! (the plan is evaluated, nothing recorded), and on one where the request relies on the read-only
//! exception (evaluated and recorded: a counter and one ring slot). Then the drain: events recorded
//! and moved to a sink, per event.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench shadow`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use scopegate::shadow::{UsageSink, WouldBreak};
use scopegate::{
    Access, AccessRequest, Config, Endpoint, Membership, Method, OrganizationId, OrganizationState,
    Principal, Registry, Requirement, Source, UserId,
};

fn record(
    handler: &'static str,
    method: Method,
    path: &'static str,
    scopes: &'static [&'static str],
    exception: bool,
) -> &'static Endpoint {
    let readonly: &'static [&'static str] = if exception { &["org:read"] } else { &[] };
    Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
        readonly,
        readonly_exception: exception.then_some("Members may create dashboards."),
        planned: exception.then_some(Requirement::any(&["org:write"])),
        source: Source { file: "shadow.rs", line: 1 },
        ..scopegate::__private::Declaration::new(
            handler,
            method,
            path,
            Access::Scopes(Requirement::any(scopes)),
        )
    })))
}

struct Counting(std::sync::atomic::AtomicU64);

impl UsageSink for Counting {
    fn record(&self, events: &[WouldBreak], dropped: u64) {
        self.0.fetch_add(events.len() as u64 + dropped, std::sync::atomic::Ordering::Relaxed);
        black_box(events);
    }
}

fn decisions(c: &mut Criterion) {
    let endpoints = vec![
        record(
            "shadow::plain",
            Method::Post,
            "/organizations/{organization_id_or_slug}/projects/",
            &["org:write"],
            false,
        ),
        record(
            "shadow::planned",
            Method::Post,
            "/organizations/{organization_id_or_slug}/dashboards/",
            &["org:read", "org:write"],
            true,
        ),
    ];
    let registry: &'static Registry =
        Box::leak(Box::new(Registry::from_endpoints(Config::sentry(), endpoints).expect("valid")));
    let organization = OrganizationState::builder(registry.config(), OrganizationId(1)).build();
    let member = Membership {
        organization: OrganizationId(1),
        role_scopes: registry.scope_set(["org:read", "org:write"]),
        teams: &[],
    };
    let writer = Principal::user_token(UserId(7), registry.scope_set(["org:write"]));
    let reader = Principal::user_token(UserId(8), registry.scope_set(["org:read"]));
    let plain = registry
        .endpoint_id(Method::Post, "/organizations/{organization_id_or_slug}/projects/")
        .expect("registered");
    let planned = registry
        .endpoint_id(Method::Post, "/organizations/{organization_id_or_slug}/dashboards/")
        .expect("registered");
    let rows = [
        ("no plan", plain, "/organizations/acme/projects/", &writer),
        ("plan, met", planned, "/organizations/acme/dashboards/", &writer),
        ("plan, relies on the exception (recorded)", planned, "/organizations/acme/dashboards/", &reader),
    ];
    let sink = Counting(Default::default());
    let mut group = c.benchmark_group("shadow/routed allow");
    for (name, id, path, principal) in rows {
        let request = AccessRequest::new(Method::Post, path, principal)
            .with_membership(&member)
            .with_organization(&organization);
        assert!(registry.authorize_endpoint(id, &request).is_allowed(), "{name}");
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(registry.authorize_endpoint(black_box(id), black_box(&request)).is_allowed());
                }
                let elapsed = start.elapsed();
                // Keep the ring from filling between samples (not timed).
                registry.drain_would_break(&sink);
                elapsed
            })
        });
    }
    group.finish();

    // The drain: 1M events recorded (through decisions) and drained every 4,096, timed together
    // and per event; the decisions alone are the row above.
    let mut group = c.benchmark_group("shadow/drain");
    group.sample_size(10);
    let request = AccessRequest::new(Method::Post, "/organizations/acme/dashboards/", &reader)
        .with_membership(&member)
        .with_organization(&organization);
    group.bench_function("1M events recorded and drained, per event", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                for chunk in 0..(1_000_000 / 4_000) {
                    for _ in 0..4_000 {
                        black_box(registry.authorize_endpoint(planned, &request).is_allowed());
                    }
                    black_box(chunk);
                    registry.drain_would_break(&sink);
                }
                total += start.elapsed() / 1_000_000;
            }
            total
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = decisions }
criterion_main!(benches);
