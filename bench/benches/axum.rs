//! Request overhead through axum: the same trivial handler, mounted at every endpoint of the
//! Sentry-like set, driven in-process with `tower::ServiceExt::oneshot`: plain axum, axum with an
//! empty `axum::middleware::from_fn` layer (the floor of any axum middleware), and scopegate's
//! `ApiRouter` (each handler behind the decision for its endpoint), once with a resolver that
//! returns a fixed caller (scopegate's own cost) and once with an in-memory token → principal map
//! (a service's lookup added). Building the request and dropping the response are not timed.
//!
//! `cargo bench --manifest-path bench/Cargo.toml --bench axum`

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, criterion_group, criterion_main};
use scopegate_bench::scenario::{Req, Scenario};
use scopegate_bench::server::{
    DECLARED_PATH, FixedResolver, MemoryResolver, declared_router, enforced_router, from_fn_router,
    plain_router, request, twin_router,
};
use tower::{Service, ServiceExt};

fn build(r: &Req) -> Request<Body> {
    request(r.method, &r.path).expect("fixture paths are valid URIs")
}

fn row<A>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    app: &A,
    reqs: &[Req],
) where
    A: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    let mut i = 0;
    group.bench_function(name, |b| {
        b.to_async(runtime).iter_batched(
            || {
                i = (i + 1) % reqs.len();
                build(&reqs[i])
            },
            |req| app.clone().oneshot(req),
            BatchSize::SmallInput,
        )
    });
}

async fn status<A>(app: &A, r: &Req) -> StatusCode
where
    A: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    let Ok(response) = app.clone().oneshot(build(r)).await;
    response.status()
}

fn overhead(c: &mut Criterion) {
    let scenario = Scenario::sentry_like();
    let plain = plain_router(&scenario.endpoints);
    let floor = from_fn_router(&scenario.endpoints);
    let enforced =
        enforced_router(&scenario.endpoints, scenario.registry, MemoryResolver::for_scenario(&scenario));
    let fixed =
        enforced_router(&scenario.endpoints, scenario.registry, FixedResolver::for_scenario(&scenario));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");

    // Every allowed request reaches the handler through every router; every denied one is refused.
    runtime.block_on(async {
        for r in &scenario.allow {
            assert_eq!(status(&plain, r).await, StatusCode::OK, "{r:?}");
            assert_eq!(status(&floor, r).await, StatusCode::OK, "{r:?}");
            assert_eq!(status(&enforced, r).await, StatusCode::OK, "{r:?}");
            assert_eq!(status(&fixed, r).await, StatusCode::OK, "{r:?}");
        }
        for r in &scenario.deny {
            assert_eq!(status(&enforced, r).await, StatusCode::FORBIDDEN, "{r:?}");
        }
    });

    let mut group = c.benchmark_group("axum-oneshot");
    row(&mut group, &runtime, "plain (allow)", &plain, &scenario.allow);
    row(&mut group, &runtime, "empty from_fn (allow)", &floor, &scenario.allow);
    row(&mut group, &runtime, "scopegate ApiRouter, fixed caller (allow)", &fixed, &scenario.allow);
    row(&mut group, &runtime, "scopegate ApiRouter, token map (allow)", &enforced, &scenario.allow);
    row(&mut group, &runtime, "scopegate ApiRouter, token map (deny 403)", &enforced, &scenario.deny);
    // One endpoint: a declared handler (its body takes the `Checked` proof) against the same
    // endpoint as a run-time record with a plain handler.
    let declared = declared_router(FixedResolver::for_scenario(&scenario));
    let twin = twin_router(FixedResolver::for_scenario(&scenario));
    let one = [Req { method: scopegate::Method::Get, path: DECLARED_PATH.to_string() }];
    runtime.block_on(async {
        assert_eq!(status(&declared, &one[0]).await, StatusCode::OK);
        assert_eq!(status(&twin, &one[0]).await, StatusCode::OK);
    });
    row(&mut group, &runtime, "scopegate ApiRouter, declared handler (allow)", &declared, &one);
    row(&mut group, &runtime, "scopegate ApiRouter, record twin (allow)", &twin, &one);
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = overhead }
criterion_main!(benches);
