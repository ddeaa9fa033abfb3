//! Runs one benchmarked operation `N` times with nothing else, for profilers: `valgrind
//! --tool=callgrind` counts instructions deterministically, so running a mode with `N` and `2N`
//! iterations and subtracting gives the exact instructions per operation (`bench/callgrind.sh`
//! does this for every mode).
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin profile -- <mode> <N>`
//!
//! Modes: `decision-sentry` (allowed requests, Sentry-like set), `decision-10k`,
//! `routed-allow-sentry` / `routed-deny-sentry` (`authorize_endpoint`, the decision of a routed
//! request), `plain-sentry` (the Sentry-style check), `lookup-sentry`, `matchit-sentry`,
//! `lookup-10k`, `matchit-10k`, `build-10k`, `axum-plain`,
//! `axum-scopegate` (one in-process request each), `vocab-<size>-<form>-<outcome>` (routed decisions
//! over a vocabulary of `128` or `1024` scopes, or `far`: 1,024 with requirements 1,000 bits apart;
//! `any`/`all`; `allow`/`deny`).

use std::hint::black_box;
use std::process::ExitCode;

use scopegate::{Config, Method, Registry};
use scopegate_bench::endpoints::generated;
use scopegate_bench::scenario::Scenario;
use scopegate_bench::server::{
    DECLARED_PATH, FixedResolver, MemoryResolver, boxed, declared_router, enforced_router, from_fn_router,
    plain_router, request, twin_router,
};
use tower::ServiceExt;

const MODES: &str = "vocab-{128,1024,far}-{any,all}-{allow,deny} decision-sentry decision-10k routed-allow-sentry routed-deny-sentry routed-allow-10k routed-deny-10k plain-sentry lookup-sentry matchit-sentry lookup-10k matchit-10k build-10k axum-plain axum-from-fn axum-scopegate axum-scopegate-fixed axum-declared axum-declared-twin";

fn decisions(scenario: &Scenario, n: usize) {
    let access = scenario.access_requests(&scenario.allow);
    for i in 0..n {
        let _ = black_box(scenario.registry.authorize(black_box(&access[i % access.len()])));
    }
}

/// Which router the `axum-*` modes drive.
#[derive(Clone, Copy)]
enum Variant {
    Plain,
    FromFn,
    Scopegate,
    ScopegateFixed,
    /// One declared handler (its body takes the `Checked` proof), fixed caller.
    Declared,
    /// The same endpoint as a run-time record with a plain handler, fixed caller.
    DeclaredTwin,
}

fn axum(variant: Variant, n: usize) -> Result<(), String> {
    let scenario = Scenario::sentry_like();
    let app = match variant {
        Variant::Scopegate => boxed(enforced_router(
            &scenario.endpoints,
            scenario.registry,
            MemoryResolver::for_scenario(&scenario),
        )),
        Variant::ScopegateFixed => boxed(enforced_router(
            &scenario.endpoints,
            scenario.registry,
            FixedResolver::for_scenario(&scenario),
        )),
        Variant::Declared => boxed(declared_router(FixedResolver::for_scenario(&scenario))),
        Variant::DeclaredTwin => boxed(twin_router(FixedResolver::for_scenario(&scenario))),
        Variant::FromFn => boxed(from_fn_router(&scenario.endpoints)),
        Variant::Plain => boxed(plain_router(&scenario.endpoints)),
    };
    let requests = match variant {
        Variant::Declared | Variant::DeclaredTwin => {
            vec![request(Method::Get, DECLARED_PATH).map_err(|e| e.to_string())?]
        }
        _ => scenario
            .allow
            .iter()
            .map(|r| request(r.method, &r.path).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        for i in 0..n {
            let r = &requests[i % requests.len()];
            // Clone outside the measured difference as well: both modes pay the same for it.
            let mut req = axum::http::Request::new(axum::body::Body::empty());
            *req.method_mut() = r.method().clone();
            *req.uri_mut() = r.uri().clone();
            *req.headers_mut() = r.headers().clone();
            let Ok(response) = app.clone().oneshot(req).await;
            if !response.status().is_success() {
                return Err(format!("{} {}: {}", r.method(), r.uri(), response.status()));
            }
        }
        Ok(())
    })
}

fn vocabulary(mode: &str, n: usize) -> Result<(), String> {
    use scopegate_bench::vocabulary::{Spread, VocabularyScenario};
    let parts: Vec<&str> = mode.split('-').collect();
    let (scopes, spread) = match parts.get(1) {
        Some(&"128") => (128, Spread::Near),
        Some(&"1024") => (1024, Spread::Near),
        Some(&"far") => (1024, Spread::Far),
        _ => return Err(format!("unknown vocabulary in `{mode}`")),
    };
    let all = parts.get(2) == Some(&"all");
    let scenario = VocabularyScenario::new(1_000, scopes, all, spread);
    let calls = if parts.get(3) == Some(&"allow") { &scenario.allow } else { &scenario.deny };
    let requests = scenario.requests(calls);
    for i in 0..n {
        let (id, request) = &requests[i % requests.len()];
        let _ = black_box(scenario.registry.authorize_endpoint(black_box(*id), black_box(request)));
    }
    Ok(())
}

fn run(mode: &str, n: usize) -> Result<(), String> {
    match mode {
        vocab if vocab.starts_with("vocab-") => vocabulary(vocab, n)?,
        "decision-sentry" => decisions(&Scenario::sentry_like(), n),
        "decision-10k" => decisions(&Scenario::generated(10_000, 256), n),
        "routed-allow-sentry" | "routed-deny-sentry" | "routed-allow-10k" | "routed-deny-10k" => {
            let s = if mode.ends_with("10k") {
                Scenario::generated(10_000, 256)
            } else {
                Scenario::sentry_like()
            };
            let reqs = if mode.starts_with("routed-allow") { &s.allow } else { &s.deny };
            let access = s.access_requests(reqs);
            let routed: Vec<_> = access
                .iter()
                .map(|a| {
                    let e = s.registry.lookup(a.method, a.path).ok_or("unrouted request")?;
                    Ok((s.registry.endpoint_id(e.method(), e.path()).ok_or("unregistered")?, *a))
                })
                .collect::<Result<_, String>>()?;
            for i in 0..n {
                let (id, a) = &routed[i % routed.len()];
                let _ = black_box(s.registry.authorize_endpoint(black_box(*id), black_box(a)));
            }
        }
        "plain-sentry" => {
            let s = Scenario::sentry_like();
            for i in 0..n {
                let r = &s.allow[i % s.allow.len()];
                black_box(s.plain.decide(black_box(r.method.as_str()), black_box(&r.path), &s.caller));
            }
        }
        "lookup-sentry" | "matchit-sentry" | "lookup-10k" | "matchit-10k" => {
            let s = if mode.ends_with("10k") {
                Scenario::generated(10_000, 256)
            } else {
                Scenario::sentry_like()
            };
            let mut routers: [matchit::Router<usize>; 7] = Default::default();
            for (i, e) in s.endpoints.iter().enumerate() {
                routers[e.method().index()].insert(e.path(), i).map_err(|e| e.to_string())?;
            }
            for i in 0..n {
                let r = &s.allow[i % s.allow.len()];
                if mode.starts_with("lookup") {
                    black_box(s.registry.lookup(black_box(r.method), black_box(&r.path)));
                } else {
                    black_box(
                        routers[black_box(r.method).index()].at(black_box(&r.path)).ok().map(|m| *m.value),
                    );
                }
            }
        }
        "build-10k" => {
            let endpoints = generated(10_000);
            for _ in 0..n {
                let r = Registry::from_endpoints(Config::sentry(), black_box(&endpoints).iter().copied());
                black_box(r.map_err(|e| format!("{e:?}"))?);
            }
        }
        "axum-plain" => axum(Variant::Plain, n)?,
        "axum-from-fn" => axum(Variant::FromFn, n)?,
        "axum-scopegate" => axum(Variant::Scopegate, n)?,
        "axum-scopegate-fixed" => axum(Variant::ScopegateFixed, n)?,
        "axum-declared" => axum(Variant::Declared, n)?,
        "axum-declared-twin" => axum(Variant::DeclaredTwin, n)?,
        other => return Err(format!("unknown mode `{other}`; modes: {MODES}")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(n)) = (args.first(), args.get(1).and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: profile <mode> <iterations>\nmodes: {MODES}");
        return ExitCode::from(2);
    };
    match run(mode, n) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
