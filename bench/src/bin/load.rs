//! A loopback load run: a small HTTP/1.1 client (keep-alive connections, bounded request count
//! and time, 127.0.0.1 only) against axum servers with and without scopegate's enforcement layer.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin load -- [--requests N] [--seconds S]
//!     [--connections C] [--rounds R]
//! cargo run --release --manifest-path bench/Cargo.toml --features demo --bin load -- --demo
//! ```
//!
//! Targets (each served on its own thread with a one-thread tokio runtime; the client runs on
//! another, so each side has one of the machine's cores):
//! * `plain`: the trivial handler at every endpoint of the Sentry-like set;
//! * `scopegate`: the same handler at every endpoint served by scopegate's `ApiRouter`
//!   (in-memory resolver);
//! * with `--demo` (feature `demo`): the demo service as served (`ApiRouter`, SQLite-backed
//!   resolver, decision), on read-only endpoints with a member's user token.
//!
//! Rounds alternate the order of the targets; the figures are medians over rounds. Every response
//! must be 2xx: any other status is counted and makes the run fail.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::header::{AUTHORIZATION, HOST};
use hyper_util::rt::TokioIo;
use scopegate_bench::scenario::Scenario;
use scopegate_bench::server::{App, MemoryResolver, TOKEN, boxed, enforced_router, plain_router};
use scopegate_bench::{median, percentile};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

const USAGE: &str = "usage: load [--requests N] [--seconds S] [--connections C] [--rounds R] [--demo]
  --requests N      requests per target and round (default 100000)
  --seconds S       time limit per target and round (default 3)
  --connections C   concurrent keep-alive connections (default 16)
  --rounds R        measured rounds; one unmeasured warm-up round precedes them (default 5)
  --demo            also load the demo service (needs --features demo)";

#[derive(Debug, Clone)]
struct Args {
    requests: usize,
    seconds: f64,
    connections: usize,
    rounds: usize,
    demo: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { requests: 100_000, seconds: 3.0, connections: 16, rounds: 5, demo: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--requests" => args.requests = number(&value("--requests")?)?,
            "--seconds" => {
                let v = value("--seconds")?;
                args.seconds = v.parse().map_err(|_| format!("--seconds: `{v}` is not a number"))?;
            }
            "--connections" => args.connections = number(&value("--connections")?)?,
            "--rounds" => args.rounds = number(&value("--rounds")?)?,
            "--demo" => args.demo = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if args.requests == 0
        || args.connections == 0
        || args.rounds == 0
        || !args.seconds.is_finite()
        || args.seconds <= 0.0
    {
        return Err(format!("counts and time must be positive\n{USAGE}"));
    }
    Ok(args)
}

fn number(v: &str) -> Result<usize, String> {
    v.parse().map_err(|_| format!("`{v}` is not a whole number"))
}

/// One server to load: its router, the requests to send (rotating) and the credentials.
struct Target {
    name: &'static str,
    router: App,
    requests: Arc<Vec<(hyper::Method, String)>>,
    authorization: String,
}

/// A server on its own thread; dropping the handle stops it.
struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(router: App) -> Result<Server, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => return eprintln!("server runtime: {e}"),
        };
        runtime.block_on(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => return eprintln!("server listener: {e}"),
            };
            let shutdown = async move {
                let _ = stopped.await;
            };
            let make = tower::make::Shared::new(router);
            if let Err(e) = axum::serve(listener, make).with_graceful_shutdown(shutdown).await {
                eprintln!("server: {e}");
            }
        });
    });
    Ok(Server { addr, stop: Some(stop), thread: Some(thread) })
}

/// What one round against one target measured.
#[derive(Debug, Clone)]
struct Round {
    completed: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<u64>,
}

impl Round {
    fn throughput(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }
}

async fn connection(
    addr: SocketAddr,
    target: Arc<Vec<(hyper::Method, String)>>,
    authorization: Arc<str>,
    next: Arc<AtomicUsize>,
    total: usize,
    deadline: Instant,
) -> Result<(Vec<u64>, usize), String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut latencies = Vec::with_capacity(total / 8);
    let mut failed = 0;
    loop {
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= total || Instant::now() >= deadline {
            break;
        }
        let (method, path) = &target[n % target.len()];
        let request = Request::builder()
            .method(method.clone())
            .uri(path.as_str())
            .header(HOST, "127.0.0.1")
            .header(AUTHORIZATION, &*authorization)
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("request: {e}"))?;
        let start = Instant::now();
        sender.ready().await.map_err(|e| format!("connection: {e}"))?;
        let response = sender.send_request(request).await.map_err(|e| format!("send: {e}"))?;
        let ok = response.status().is_success();
        response.into_body().collect().await.map_err(|e| format!("body: {e}"))?;
        latencies.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
        if !ok {
            failed += 1;
        }
    }
    Ok((latencies, failed))
}

async fn drive(
    addr: SocketAddr,
    target: &Target,
    requests: usize,
    seconds: f64,
    connections: usize,
) -> Result<Round, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let authorization: Arc<str> = Arc::from(target.authorization.as_str());
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(connection(
                addr,
                Arc::clone(&target.requests),
                Arc::clone(&authorization),
                Arc::clone(&next),
                requests,
                deadline,
            ))
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut failed = 0;
    for task in tasks {
        let (l, f) = task.await.map_err(|e| format!("client task: {e}"))??;
        latencies.extend(l);
        failed += f;
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Ok(Round { completed: latencies.len(), failed, elapsed, latencies })
}

fn synthetic_targets() -> Vec<Target> {
    let scenario = Scenario::sentry_like();
    let requests: Arc<Vec<(hyper::Method, String)>> = Arc::new(
        scenario
            .allow
            .iter()
            .filter_map(|r| {
                Some((hyper::Method::from_bytes(r.method.as_str().as_bytes()).ok()?, r.path.clone()))
            })
            .collect(),
    );
    let authorization = format!("Bearer {TOKEN}");
    vec![
        Target {
            name: "plain",
            router: boxed(plain_router(&scenario.endpoints)),
            requests: Arc::clone(&requests),
            authorization: authorization.clone(),
        },
        Target {
            name: "scopegate",
            router: boxed(enforced_router(
                &scenario.endpoints,
                scenario.registry,
                MemoryResolver::for_scenario(&scenario),
            )),
            requests,
            authorization,
        },
    ]
}

#[cfg(feature = "demo")]
fn demo_targets() -> Result<Vec<Target>, String> {
    use scopegate_demo::store::{SqliteStore, Store};
    use scopegate_demo::token::{Secret, TokenKind};

    let store = SqliteStore::open_in_memory().map_err(|e| format!("demo store: {e}"))?;
    let secret = Secret::generate(TokenKind::User).map_err(|e| format!("token: {e}"))?;
    // Mia Member (user 3) in Acme (organization 1), as seeded.
    let scopes: Vec<String> = ["org:read", "project:read", "team:read", "member:read", "event:read"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    store
        .create_user_token(3, 1, "load test", &scopes, &secret.hash(), &secret.last_characters())
        .map_err(|e| format!("demo token: {e}"))?;
    let state = scopegate_demo::AppState::new(store);
    let requests: Arc<Vec<(hyper::Method, String)>> = Arc::new(
        [
            "/api/0/organizations/acme/",
            "/api/0/organizations/acme/projects/",
            "/api/0/organizations/acme/dashboards/",
        ]
        .iter()
        .map(|p| (hyper::Method::GET, p.to_string()))
        .collect(),
    );
    let authorization = format!("Bearer {}", secret.as_str());
    // The demo has no unenforced form any more (its router is scopegate's ApiRouter), so only
    // the served service is loaded; the synthetic targets give the plain/scopegate comparison.
    Ok(vec![Target {
        name: "demo service (scopegate)",
        router: boxed(scopegate_demo::service(state)),
        requests,
        authorization,
    }])
}

#[cfg(not(feature = "demo"))]
fn demo_targets() -> Result<Vec<Target>, String> {
    Err("--demo needs the `demo` feature: add `--features demo`".to_string())
}

#[derive(Debug, Default)]
struct Summary {
    throughput: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    completed: usize,
    failed: usize,
}

fn micros(ns: Option<u64>) -> f64 {
    ns.map_or(f64::NAN, |n| n as f64 / 1000.0)
}

fn run(args: &Args) -> Result<bool, String> {
    let mut targets = synthetic_targets();
    if args.demo {
        targets.extend(demo_targets()?);
    }
    let servers: Vec<Server> = targets.iter().map(|t| serve(t.router.clone())).collect::<Result<_, _>>()?;
    let client =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let mut summaries: Vec<Summary> = targets.iter().map(|_| Summary::default()).collect();
    eprintln!(
        "{} targets, {} requests or {} s per target and round, {} connections, {} rounds (+1 warm-up)",
        targets.len(),
        args.requests,
        args.seconds,
        args.connections,
        args.rounds
    );
    for round in 0..=args.rounds {
        let mut order: Vec<usize> = (0..targets.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let warm_up = round == 0;
            let requests = if warm_up { (args.requests / 5).max(1) } else { args.requests };
            let r = client.block_on(drive(
                servers[i].addr,
                &targets[i],
                requests,
                args.seconds,
                args.connections,
            ))?;
            let s = &mut summaries[i];
            s.failed += r.failed;
            if warm_up {
                continue;
            }
            eprintln!(
                "round {round} {:<28} {:>9.0} req/s  p99 {:>8.1} µs  ({} requests, {} not 2xx)",
                targets[i].name,
                r.throughput(),
                micros(percentile(&r.latencies, 99.0)),
                r.completed,
                r.failed
            );
            s.throughput.push(r.throughput());
            s.p50.push(micros(percentile(&r.latencies, 50.0)));
            s.p99.push(micros(percentile(&r.latencies, 99.0)));
            s.completed += r.completed;
        }
    }
    drop(servers);

    println!("| target | requests/s (median) | p50 µs (median) | p99 µs (median) | requests | not 2xx |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut medians = Vec::new();
    for (t, s) in targets.iter().zip(&mut summaries) {
        let m = (
            median(&mut s.throughput).unwrap_or(f64::NAN),
            median(&mut s.p50).unwrap_or(f64::NAN),
            median(&mut s.p99).unwrap_or(f64::NAN),
        );
        println!("| {} | {:.0} | {:.1} | {:.1} | {} | {} |", t.name, m.0, m.1, m.2, s.completed, s.failed);
        medians.push(m);
    }
    println!();
    for pair in medians.chunks(2) {
        if let [base, enforced] = pair {
            println!(
                "ratio (enforced / unenforced): throughput {:.3}×, p50 {:.3}×, p99 {:.3}×",
                enforced.0 / base.0,
                enforced.1 / base.1,
                enforced.2 / base.2
            );
        }
    }
    Ok(summaries.iter().all(|s| s.failed == 0))
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: some responses were not 2xx (see the `not 2xx` column)");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
