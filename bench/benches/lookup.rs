//! Routing and registry construction: scopegate's `Registry::lookup` of a `(method, concrete path)`
//! against `matchit` (axum's router) used directly, one router per method, on the Sentry-like set
//! and on 10,000 generated endpoints; and the time to build a registry of 10,000 endpoints.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench lookup`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use scopegate::{Config, Endpoint, Method, Registry};
use scopegate_bench::endpoints::{concrete_path, generated, sentry_like};
use scopegate_bench::scenario::Lcg;

fn matchit_routers(endpoints: &[&'static Endpoint]) -> [matchit::Router<usize>; 7] {
    let mut routers: [matchit::Router<usize>; 7] = Default::default();
    for (i, e) in endpoints.iter().enumerate() {
        routers[e.method().index()].insert(e.path(), i).expect("the fixtures are unambiguous");
    }
    routers
}

/// `count` requests to endpoints drawn at random (deterministically).
fn requests(endpoints: &[&'static Endpoint], count: usize) -> Vec<(Method, String)> {
    let mut rng = Lcg::new(0x10c4);
    (0..count)
        .map(|i| {
            let e = endpoints[rng.below(endpoints.len())];
            (e.method(), concrete_path(e.path(), i))
        })
        .collect()
}

fn lookup(c: &mut Criterion, name: &str, endpoints: Vec<&'static Endpoint>) {
    let registry =
        Registry::from_endpoints(Config::sentry(), endpoints.iter().copied()).expect("valid fixtures");
    let routers = matchit_routers(&endpoints);
    let reqs = requests(&endpoints, 1024);
    // Both must find the endpoint each request was made for.
    for (method, path) in &reqs {
        let ours = registry.lookup(*method, path).expect("scopegate routes every request");
        let theirs = routers[method.index()].at(path).expect("matchit routes every request");
        assert!(std::ptr::eq(ours, endpoints[*theirs.value]), "{method} {path}: the routers disagree");
    }
    let mut group = c.benchmark_group(format!("lookup-{name}"));
    let mut i = 0;
    group.bench_function("scopegate", |b| {
        b.iter(|| {
            i = (i + 1) % reqs.len();
            let (method, path) = &reqs[i];
            registry.lookup(black_box(*method), black_box(path))
        })
    });
    let mut i = 0;
    group.bench_function("matchit", |b| {
        b.iter(|| {
            i = (i + 1) % reqs.len();
            let (method, path) = &reqs[i];
            routers[black_box(*method).index()].at(black_box(path)).ok().map(|m| *m.value)
        })
    });
    group.finish();
}

fn lookups(c: &mut Criterion) {
    lookup(c, "sentry", sentry_like().to_vec());
    lookup(c, "10k", generated(10_000));
}

fn build(c: &mut Criterion) {
    let endpoints = generated(10_000);
    let mut group = c.benchmark_group("build-10k");
    group.bench_function("scopegate Registry::from_endpoints", |b| {
        b.iter_with_large_drop(|| {
            Registry::from_endpoints(Config::sentry(), black_box(&endpoints).iter().copied())
                .expect("valid fixtures")
        })
    });
    group.bench_function("matchit insert only", |b| {
        b.iter_with_large_drop(|| matchit_routers(black_box(&endpoints)))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = lookups, build }
criterion_main!(benches);
