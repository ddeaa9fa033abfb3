//! Routed decisions over vocabularies of 128 and 1,024 scopes, any-of and all-of, allowed and
//! denied; and registry builds of 10,000 endpoints over 128 and 1,024 scopes beside matchit's
//! insertion of the same templates. Timed over the whole request list per iteration and reported
//! per decision, like `decision`'s batch rows, with the same harness floor.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench vocabulary`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use scopegate::Registry;
use scopegate_bench::vocabulary::{Spread, VocabularyScenario, config, endpoints};

fn decisions(c: &mut Criterion) {
    let shapes = [("128", 128, Spread::Near), ("1024", 1024, Spread::Near), ("1024 far", 1024, Spread::Far)];
    for (size, scopes, spread) in shapes {
        for (form, all) in [("any", false), ("all", true)] {
            let scenario = VocabularyScenario::new(1_000, scopes, all, spread);
            let mut group = c.benchmark_group(format!("vocabulary-{size}/{form}"));
            for (outcome, calls, expected) in [("allow", &scenario.allow, 200), ("deny", &scenario.deny, 403)]
            {
                let requests = scenario.requests(calls);
                for (id, request) in &requests {
                    let decision = scenario.registry.authorize_endpoint(*id, request);
                    assert_eq!(
                        decision.status(),
                        expected,
                        "{} {}: {:?}",
                        request.method,
                        request.path,
                        decision
                    );
                }
                let n = u32::try_from(requests.len()).expect("a thousand requests");
                group.bench_function(format!("routed {outcome} (batch)"), |b| {
                    b.iter_custom(|iters| {
                        let start = Instant::now();
                        for _ in 0..iters {
                            for (id, request) in &requests {
                                black_box(
                                    scenario
                                        .registry
                                        .authorize_endpoint(black_box(*id), black_box(request))
                                        .is_allowed(),
                                );
                            }
                        }
                        start.elapsed() / n
                    })
                });
            }
            group.finish();
        }
    }
}

fn builds(c: &mut Criterion) {
    let mut group = c.benchmark_group("vocabulary-build-10k");
    for scopes in [128, 1024] {
        let config = config(scopes);
        let records = endpoints(10_000, scopes, scopes == 1024, Spread::Near);
        group.bench_function(format!("scopegate Registry::from_endpoints, {scopes} scopes"), |b| {
            b.iter_with_large_drop(|| {
                Registry::from_endpoints(config, black_box(&records).iter().copied()).expect("valid fixtures")
            })
        });
        if scopes == 128 {
            group.bench_function("matchit insert only", |b| {
                b.iter_with_large_drop(|| {
                    let mut routers: [matchit::Router<usize>; 2] = Default::default();
                    for (i, e) in black_box(&records).iter().enumerate() {
                        let router = &mut routers[usize::from(e.method() != scopegate::Method::Get)];
                        router.insert(e.path(), i).expect("distinct templates");
                    }
                    routers
                })
            });
        }
    }
    group.finish();
}

fn config_criterion() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config_criterion(); targets = decisions, builds }
criterion_main!(benches);
