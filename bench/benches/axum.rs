//! Request overhead through axum: the same trivial handler, mounted at every endpoint of the
//! Sentry-like set, driven in-process with `tower::ServiceExt::oneshot`, without and with
//! scopegate's enforcement layer (in-memory resolver: a token → principal map). Building the
//! request and dropping the response are not timed.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench axum`

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scopegate_bench::scenario::{Req, Scenario};
use scopegate_bench::server::{MemoryResolver, enforced_router, plain_router, request};
use tower::ServiceExt;

fn build(r: &Req) -> Request<Body> {
    request(r.method, &r.path).expect("fixture paths are valid URIs")
}

fn overhead(c: &mut Criterion) {
    let scenario = Scenario::sentry_like();
    let plain = plain_router(&scenario.endpoints);
    let enforced =
        enforced_router(&scenario.endpoints, scenario.registry, MemoryResolver::for_scenario(&scenario));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");

    // Every allowed request reaches the handler through both routers; every denied one is refused.
    runtime.block_on(async {
        for r in &scenario.allow {
            for app in [&plain, &enforced] {
                let response = app.clone().oneshot(build(r)).await.expect("infallible");
                assert_eq!(response.status(), StatusCode::OK, "{r:?}");
            }
        }
        for r in &scenario.deny {
            let response = enforced.clone().oneshot(build(r)).await.expect("infallible");
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{r:?}");
        }
    });

    let mut group = c.benchmark_group("axum-oneshot");
    let rows: [(&str, &Router, &[Req]); 3] = [
        ("plain (allow)", &plain, &scenario.allow),
        ("scopegate (allow)", &enforced, &scenario.allow),
        ("scopegate (deny 403)", &enforced, &scenario.deny),
    ];
    for (name, app, reqs) in rows {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter_batched(
                || {
                    i = (i + 1) % reqs.len();
                    build(&reqs[i])
                },
                |req| app.clone().oneshot(req),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = overhead }
criterion_main!(benches);
