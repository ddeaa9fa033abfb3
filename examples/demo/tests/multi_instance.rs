//! Several `scopegate-demo serve` instances on one PostgreSQL database, each with its own
//! organization snapshot cache (`--cache-ttl`, 1 s by default, the stated propagation bound).
//!
//! * `propagation_between_two_instances`: allowlist changes (grants and revocations) and session
//!   revocations made through one instance, polled on the other until it enforces them; prints
//!   p50/p99/max and asserts p99 within the bound.
//! * `three_instances_under_load_with_a_crash`: three instances, a bounded load of mixed requests
//!   through random instances, live grants and revocations of replay access and of sessions, one
//!   instance killed with SIGKILL while a write is in flight to it and started again. Asserts no
//!   5xx answer, no lost acknowledged write, and no grant observed later than the bound after a
//!   revocation was acknowledged.
//!
//! Both run briefly in `cargo test` (reported as ignored without `SCOPEGATE_TEST_POSTGRES_URL`
//! outside CI, see the demo's `build.rs`). The long version sets `SCOPEGATE_MULTI_SECS` (load duration, default 6)
//! and `SCOPEGATE_PROPAGATION_CHANGES` (default 200); see the demo's README.

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use common::stores::{PgDatabase, required_postgres_server};
use common::{Server, call};
use reqwest::Method;
use serde_json::{Value, json};

/// The propagation bound the instances are started with (`--cache-ttl`).
const BOUND: Duration = Duration::from_secs(1);

const REPLAYS: &str = "/organizations/acme/replays/";
const ORG: &str = "/organizations/acme/";
/// `owner` (1) always stays on the allowlist; `member` (3) is granted and revoked.
const GRANTED: [i64; 2] = [1, 3];
const REVOKED: [i64; 1] = [1];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs a CLI command on the database and returns its last line (the secret, for `create`).
fn demo(db: &str, args: &[&str]) -> String {
    let output =
        Command::new(env!("CARGO_BIN_EXE_scopegate-demo")).args(args).args(["--db", db]).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().last().unwrap().to_owned()
}

fn start(db: &str) -> Server {
    let ttl = format!("{}ms", BOUND.as_millis());
    Server::start_with(db, &["--cache-ttl", &ttl])
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap()
}

/// A small xorshift generator: which instance, which request.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let (p50, p99, max) = (percentile(&samples, 0.5), percentile(&samples, 0.99), *samples.last().unwrap());
    eprintln!("{name}: {} changes, p50 {p50:?}, p99 {p99:?}, max {max:?}", samples.len());
    p99
}

async fn set_allowlist(
    http: &reqwest::Client,
    base: &str,
    owner: &str,
    users: &[i64],
) -> Result<u16, String> {
    let body = json!({"hasGranularReplayPermissions": true, "replayAccessMembers": users});
    call(http, base, Method::PUT, ORG, owner, Some(body)).await.map(|(status, _)| status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
async fn propagation_between_two_instances() {
    let server = required_postgres_server();
    let db = PgDatabase::create(&server);
    let url = db.url.clone();
    let (owner, member, a, b) = tokio::task::spawn_blocking(move || {
        let owner = format!("Session {}", demo(&url, &["session", "create", "--user", "owner"]));
        let member = format!("Session {}", demo(&url, &["session", "create", "--user", "member"]));
        (owner, member, start(&url), start(&url))
    })
    .await
    .unwrap();
    let http = http();
    let changes = env_number("SCOPEGATE_PROPAGATION_CHANGES", 200) as usize;

    // Allowlist changes through A, polled on B: a grant is seen when B answers 200, a revocation
    // when it answers 403.
    let (mut grants, mut revocations) = (Vec::new(), Vec::new());
    for i in 0..changes {
        let grant = i % 2 == 0;
        let users: &[i64] = if grant { &GRANTED } else { &REVOKED };
        assert_eq!(set_allowlist(&http, &a.base, &owner, users).await, Ok(200));
        let acknowledged = Instant::now();
        let expected = if grant { 200 } else { 403 };
        loop {
            let (status, _) = call(&http, &b.base, Method::GET, REPLAYS, &member, None).await.unwrap();
            if status == expected {
                break;
            }
            assert!(acknowledged.elapsed() < 10 * BOUND, "change {i} not enforced by the other instance");
        }
        if grant { &mut grants } else { &mut revocations }.push(acknowledged.elapsed());
    }
    let mut all = grants.clone();
    all.extend(&revocations);
    let p99 = summary("allowlist changes (A → B)", all);
    summary("  of which grants", grants);
    summary("  of which revocations", revocations);
    assert!(p99 <= BOUND, "p99 {p99:?} beyond the stated bound {BOUND:?}");

    // Session revocations through A, polled on B until 401.
    let sessions = (changes / 10).max(5);
    let mut lags = Vec::new();
    for _ in 0..sessions {
        let url = db.url.clone();
        let session = tokio::task::spawn_blocking(move || {
            format!("Session {}", demo(&url, &["session", "create", "--user", "member"]))
        })
        .await
        .unwrap();
        assert_eq!(call(&http, &b.base, Method::GET, ORG, &session, None).await.unwrap().0, 200);
        assert_eq!(call(&http, &a.base, Method::DELETE, "/auth/", &session, None).await.unwrap().0, 204);
        let acknowledged = Instant::now();
        while call(&http, &b.base, Method::GET, ORG, &session, None).await.unwrap().0 != 401 {
            assert!(
                acknowledged.elapsed() < 10 * BOUND,
                "a revoked session still works on the other instance"
            );
        }
        lags.push(acknowledged.elapsed());
    }
    let p99 = summary("session revocations (A → B)", lags);
    assert!(p99 <= BOUND);
    drop((a, b));
}

/// What the controller did to `member`'s replay access, in order.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// A grant was sent at this instant (it may apply from then on).
    GrantSent(Instant),
    /// A revocation was acknowledged at this instant.
    Revoked(Instant),
}

/// A reader's observation of `member` on the replays: when the request was sent, when the answer
/// came, and the status.
type Observation = (Instant, Instant, u16);

/// A grant observed after the bound: an allowed request sent later than `bound` after a
/// revocation was acknowledged, with no grant sent since. Returns the lateness of each.
fn stale_grants(timeline: &[Access], observed: &[Observation], bound: Duration) -> Vec<Duration> {
    let mut stale = Vec::new();
    for &(sent, answered, status) in observed {
        if status != 200 {
            continue;
        }
        // The last event before the request was sent…
        let last = timeline.iter().rev().find(|e| match e {
            Access::GrantSent(at) | Access::Revoked(at) => *at <= sent,
        });
        let Some(Access::Revoked(revoked)) = last else { continue };
        // …a revocation, and no grant sent before the answer came.
        let regranted =
            timeline.iter().any(|e| matches!(e, Access::GrantSent(at) if at > revoked && *at <= answered));
        if !regranted && sent.duration_since(*revoked) > bound {
            stale.push(sent.duration_since(*revoked));
        }
    }
    stale
}

#[test]
fn stale_grants_are_those_sent_past_the_bound_after_a_revocation() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let timeline = [Access::GrantSent(ms(0)), Access::Revoked(ms(100)), Access::GrantSent(ms(2000))];
    let bound = Duration::from_millis(1000);
    let observed = [
        (ms(50), ms(60), 200),     // granted
        (ms(900), ms(910), 200),   // within the bound
        (ms(1200), ms(1210), 403), // denied
        (ms(1500), ms(1510), 200), // stale: 1.4 s after the revocation
        (ms(1990), ms(2010), 200), // a grant was sent meanwhile
        (ms(2500), ms(2510), 200), // granted again
    ];
    assert_eq!(stale_grants(&timeline, &observed, bound), vec![Duration::from_millis(1400)]);
}

/// The instances' base URLs; `None` while one is down.
type Bases = Arc<RwLock<Vec<Option<String>>>>;

fn pick(bases: &Bases, rng: &mut Rng) -> (usize, String) {
    loop {
        let live: Vec<(usize, String)> =
            bases.read().unwrap().iter().enumerate().filter_map(|(i, b)| b.clone().map(|b| (i, b))).collect();
        if !live.is_empty() {
            let (i, b) = &live[rng.below(live.len())];
            return (*i, b.clone());
        }
    }
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    server_errors: Mutex<Vec<String>>,
    unanswered: AtomicU64,
}

impl Tally {
    fn record(&self, what: &str, answer: &Result<(u16, Value), String>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match answer {
            Ok((status, body)) if *status >= 500 => {
                self.server_errors.lock().unwrap().push(format!("{what}: {status} {body}"));
            }
            Ok(_) => {}
            Err(_) => {
                self.unanswered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
async fn three_instances_under_load_with_a_crash() {
    let server = required_postgres_server();
    let db = PgDatabase::create(&server);
    let seconds = env_number("SCOPEGATE_MULTI_SECS", 6);
    let url = db.url.clone();
    let (owner, member, servers) = tokio::task::spawn_blocking(move || {
        let owner = format!("Session {}", demo(&url, &["session", "create", "--user", "owner"]));
        let member = format!("Session {}", demo(&url, &["session", "create", "--user", "member"]));
        (owner, member, vec![start(&url), start(&url), start(&url)])
    })
    .await
    .unwrap();
    let http = http();
    let bases: Bases = Arc::new(RwLock::new(servers.iter().map(|s| Some(s.base.clone())).collect()));
    let servers = Arc::new(Mutex::new(servers.into_iter().map(Some).collect::<Vec<_>>()));
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    // Writes in flight per instance, so that the kill lands in the middle of one.
    let in_flight: Arc<Vec<AtomicUsize>> = Arc::new((0..3).map(|_| AtomicUsize::new(0)).collect());

    // Revoked at first, so the first event is a grant.
    let first = bases.read().unwrap()[0].clone().unwrap();
    assert_eq!(set_allowlist(&http, &first, &owner, &REVOKED).await, Ok(200));
    let timeline = Arc::new(Mutex::new(vec![Access::Revoked(Instant::now())]));
    let last_acked: Arc<Mutex<&'static [i64]>> = Arc::new(Mutex::new(&REVOKED));

    let mut tasks = Vec::new();
    // The controller: grants and revokes `member`'s replay access through random instances; a
    // revocation is held longer than the bound, so late grants would show.
    tasks.push(tokio::spawn({
        let (http, bases, tally, stop, timeline, last_acked, owner, in_flight) = (
            http.clone(),
            Arc::clone(&bases),
            Arc::clone(&tally),
            Arc::clone(&stop),
            Arc::clone(&timeline),
            Arc::clone(&last_acked),
            owner.clone(),
            Arc::clone(&in_flight),
        );
        async move {
            let mut rng = Rng::new(1);
            let mut grant = true;
            while !stop.load(Ordering::Relaxed) {
                let users: &'static [i64] = if grant { &GRANTED } else { &REVOKED };
                if grant {
                    timeline.lock().unwrap().push(Access::GrantSent(Instant::now()));
                }
                // Retried through another instance until acknowledged (the PUT is idempotent).
                loop {
                    let (i, base) = pick(&bases, &mut rng);
                    in_flight[i].fetch_add(1, Ordering::SeqCst);
                    let answer = set_allowlist(&http, &base, &owner, users).await;
                    in_flight[i].fetch_sub(1, Ordering::SeqCst);
                    tally.record("PUT allowlist", &answer.clone().map(|s| (s, Value::Null)));
                    match answer {
                        Ok(200) => break,
                        Ok(status) if status >= 500 => break,
                        Ok(status) => panic!("PUT allowlist answered {status}"),
                        Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
                if !grant {
                    timeline.lock().unwrap().push(Access::Revoked(Instant::now()));
                }
                *last_acked.lock().unwrap() = users;
                let hold = if grant {
                    20 + rng.below(200)
                } else {
                    BOUND.as_millis() as usize + 200 + rng.below(300)
                };
                tokio::time::sleep(Duration::from_millis(hold as u64)).await;
                grant = !grant;
            }
        }
    }));

    // Readers: `member` on the replays (observed against the timeline), mixed with other reads.
    let observed: Arc<Mutex<Vec<Observation>>> = Arc::default();
    for reader in 0..4u64 {
        let (http, bases, tally, stop, observed, owner, member) = (
            http.clone(),
            Arc::clone(&bases),
            Arc::clone(&tally),
            Arc::clone(&stop),
            Arc::clone(&observed),
            owner.clone(),
            member.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(100 + reader);
            const OTHERS: [&str; 5] = [
                "/organizations/acme/",
                "/organizations/acme/members/",
                "/organizations/acme/dashboards/",
                "/projects/acme/web/",
                "/organizations/acme/replays/a1b2c3d4e5f60718293a4b5c6d7e8f90/",
            ];
            while !stop.load(Ordering::Relaxed) {
                let (_, base) = pick(&bases, &mut rng);
                if rng.below(2) == 0 {
                    let sent = Instant::now();
                    let answer = call(&http, &base, Method::GET, REPLAYS, &member, None).await;
                    tally.record("GET replays as member", &answer);
                    if let Ok((status, _)) = answer {
                        observed.lock().unwrap().push((sent, Instant::now(), status));
                    }
                } else {
                    let path = OTHERS[rng.below(OTHERS.len())];
                    let who = if rng.below(2) == 0 { &owner } else { &member };
                    let answer = call(&http, &base, Method::GET, path, who, None).await;
                    tally.record(path, &answer);
                }
            }
        }));
    }

    // Writers: dashboards through random instances; every acknowledged one must survive.
    let acked_dashboards: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    for writer in 0..2u64 {
        let (http, bases, tally, stop, acked, owner, in_flight) = (
            http.clone(),
            Arc::clone(&bases),
            Arc::clone(&tally),
            Arc::clone(&stop),
            Arc::clone(&acked_dashboards),
            owner.clone(),
            Arc::clone(&in_flight),
        );
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(200 + writer);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let (i, base) = pick(&bases, &mut rng);
                n += 1;
                let body = json!({"title": format!("writer {writer} dashboard {n}")});
                in_flight[i].fetch_add(1, Ordering::SeqCst);
                let answer =
                    call(&http, &base, Method::POST, "/organizations/acme/dashboards/", &owner, Some(body))
                        .await;
                in_flight[i].fetch_sub(1, Ordering::SeqCst);
                tally.record("POST dashboard", &answer);
                if let Ok((201, body)) = &answer {
                    acked.lock().unwrap().insert(body["id"].as_str().unwrap().to_owned());
                } else if let Ok((status, body)) = &answer {
                    assert!(*status >= 500, "POST dashboard answered {status} {body}");
                }
            }
        }));
    }

    // Sessions: opened, used on one instance, revoked through another, then probed on every live
    // instance; any answer but 401 after the acknowledgement is a stale credential.
    let stale_sessions: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let session_revocations = Arc::new(AtomicU64::new(0));
    tasks.push(tokio::spawn({
        let (http, bases, tally, stop, stale, revocations, url) = (
            http.clone(),
            Arc::clone(&bases),
            Arc::clone(&tally),
            Arc::clone(&stop),
            Arc::clone(&stale_sessions),
            Arc::clone(&session_revocations),
            db.url.clone(),
        );
        async move {
            let mut rng = Rng::new(300);
            while !stop.load(Ordering::Relaxed) {
                let url = url.clone();
                let session = tokio::task::spawn_blocking(move || {
                    format!("Session {}", demo(&url, &["session", "create", "--user", "member"]))
                })
                .await
                .unwrap();
                let (_, base) = pick(&bases, &mut rng);
                let answer = call(&http, &base, Method::GET, ORG, &session, None).await;
                tally.record("GET organization with a new session", &answer);
                let (_, base) = pick(&bases, &mut rng);
                let answer = call(&http, &base, Method::DELETE, "/auth/", &session, None).await;
                tally.record("DELETE auth", &answer);
                let Ok((204, _)) = answer else { continue };
                let acknowledged = Instant::now();
                revocations.fetch_add(1, Ordering::Relaxed);
                let live: Vec<String> = bases.read().unwrap().iter().flatten().cloned().collect();
                for base in live {
                    let sent = Instant::now();
                    let answer = call(&http, &base, Method::GET, ORG, &session, None).await;
                    tally.record("GET organization with a revoked session", &answer);
                    if let Ok((status, _)) = answer
                        && status != 401
                    {
                        stale.lock().unwrap().push(sent.duration_since(acknowledged));
                    }
                }
            }
        }
    }));

    // Halfway: SIGKILL an instance while a write to it is in flight, and start it again.
    let victim = 1;
    tokio::time::sleep_until((started + Duration::from_secs(seconds) / 2).into()).await;
    let kill_deadline = Instant::now() + Duration::from_secs(5);
    while in_flight[victim].load(Ordering::SeqCst) == 0 && Instant::now() < kill_deadline {
        tokio::task::yield_now().await;
    }
    let writes_in_flight_at_kill = in_flight[victim].load(Ordering::SeqCst);
    let killed = servers.lock().unwrap()[victim].take().unwrap();
    bases.write().unwrap()[victim] = None;
    tokio::task::spawn_blocking(move || killed.kill()).await.unwrap();
    let url = db.url.clone();
    let restarted = tokio::task::spawn_blocking(move || start(&url)).await.unwrap();
    bases.write().unwrap()[victim] = Some(restarted.base.clone());
    servers.lock().unwrap()[victim] = Some(restarted);

    tokio::time::sleep_until(deadline.into()).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }

    // Nothing acknowledged was lost: every dashboard, and the last allowlist.
    let base = bases.read().unwrap()[0].clone().unwrap();
    let (status, listed) =
        call(&http, &base, Method::GET, "/organizations/acme/dashboards/", &owner, None).await.unwrap();
    assert_eq!(status, 200);
    let stored: BTreeSet<String> =
        listed.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect();
    let acked = acked_dashboards.lock().unwrap().clone();
    let lost: Vec<&String> = acked.difference(&stored).collect();
    let (_, details) = call(&http, &base, Method::GET, ORG, &owner, None).await.unwrap();
    let allowlist: Vec<i64> = details["replayAccessMembers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().map_or_else(|| u.as_i64().unwrap(), |s| s.parse().unwrap()))
        .collect();

    let timeline = timeline.lock().unwrap().clone();
    let observed = observed.lock().unwrap().clone();
    let stale = stale_grants(&timeline, &observed, BOUND);
    let revocations = timeline.iter().filter(|e| matches!(e, Access::Revoked(_))).count() - 1;
    // How long after each acknowledged revocation `member` was still seen allowed (sent time).
    let mut lags: Vec<Duration> = Vec::new();
    // The first revocation is the set-up, before any load.
    for (i, event) in timeline.iter().enumerate().skip(1) {
        let Access::Revoked(revoked) = event else { continue };
        let next_grant = timeline[i + 1..].iter().find_map(|e| match e {
            Access::GrantSent(at) => Some(*at),
            Access::Revoked(_) => None,
        });
        let last_allowed = observed
            .iter()
            .filter(|(sent, answered, status)| {
                *status == 200 && sent >= revoked && next_grant.is_none_or(|g| *answered < g)
            })
            .map(|(sent, _, _)| sent.duration_since(*revoked))
            .max()
            .unwrap_or_default();
        lags.push(last_allowed);
    }
    let server_errors = tally.server_errors.lock().unwrap().clone();
    let stale_sessions = stale_sessions.lock().unwrap().clone();
    eprintln!(
        "{seconds} s, 3 instances: {} requests ({} unanswered while an instance was down), {} server errors; \
         {} dashboards acknowledged, {} lost; {revocations} replay revocations, {} stale grants; {} session \
         revocations, {} stale; {writes_in_flight_at_kill} write(s) in flight at the kill",
        tally.requests.load(Ordering::Relaxed),
        tally.unanswered.load(Ordering::Relaxed),
        server_errors.len(),
        acked.len(),
        lost.len(),
        stale.len(),
        session_revocations.load(Ordering::Relaxed),
        stale_sessions.len(),
    );
    if !lags.is_empty() {
        summary("last grant seen after a revocation was acknowledged", lags);
    }
    assert!(server_errors.is_empty(), "server errors: {server_errors:?}");
    assert!(lost.is_empty(), "acknowledged dashboards lost: {lost:?}");
    assert_eq!(allowlist, *last_acked.lock().unwrap(), "the last acknowledged allowlist");
    assert!(stale.is_empty(), "grants observed later than {BOUND:?} after a revocation: {stale:?}");
    assert!(stale_sessions.is_empty(), "revoked sessions still accepted: {stale_sessions:?}");
    assert!(revocations >= 1 && !observed.is_empty(), "the load ran");
    assert!(writes_in_flight_at_kill > 0, "the kill landed while a write was in flight");
}
