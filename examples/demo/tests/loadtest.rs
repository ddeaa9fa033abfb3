//! A loopback load test of the `scopegate-demo` binary: clients of every principal kind
//! (anonymous, sessions, user tokens, organization tokens, an active superuser) read and mark
//! replays while an admin keeps changing granular replay access and both allowlists through the
//! API. It checks that
//!
//! * no answer is a 5xx (and every request is answered);
//! * every decision agrees with the reference model (`scopegate::testing::reference`) for the
//!   settings in force when the request was served. The admin numbers its changes: before sending
//!   version `v` it publishes `started = v`, after the answer `committed = v`. A client reads
//!   `committed` before its request and `started` after the answer; the settings it met are one of
//!   the versions in between, so a request that overlapped no change must match exactly one
//!   version, and one that overlapped changes any of them;
//! * the server's memory is steady (`VmRSS` of its process, from `/proc/<pid>/status`).
//!
//! Bounded in time and in requests, on 127.0.0.1 only. `cargo test` runs a short version (3 s);
//! the full run is, for example:
//!
//! ```text
//! SCOPEGATE_LOADTEST_SECS=300 SCOPEGATE_LOADTEST_CLIENTS=32 \
//!     cargo test --release -p scopegate-demo --test loadtest -- --nocapture
//! ```

#![allow(clippy::unwrap_used)]
#![cfg(target_os = "linux")]

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Server;
use scopegate::testing::reference::{self, Caller, Case, Member, Organization};
use scopegate::{Method, Registry};
use scopegate_demo::admin;
use scopegate_demo::model::Role;
use scopegate_demo::roles;
use scopegate_demo::store::SqliteStore;
use serde_json::{Value, json};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The demo's endpoints register themselves through `inventory`; referencing `app` keeps them
/// linked into this test binary.
fn registry() -> &'static Registry {
    let _ = std::hint::black_box(scopegate_demo::routes as fn() -> _);
    Registry::global()
}

// ---------------------------------------------------------------------------------------------
// The replay access settings the admin cycles through.

#[derive(Clone, Debug, PartialEq, Eq)]
struct Access {
    granular: bool,
    members: Vec<u64>,
    teams: Vec<u64>,
}

/// Version 0 is the seeded state; later versions come from a fixed pseudo-random schedule, so
/// both outcomes of the allowlists are common.
fn version(v: u64) -> Access {
    if v == 0 {
        return Access { granular: false, members: vec![], teams: vec![] };
    }
    let bits = v.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    Access {
        granular: !bits.is_multiple_of(4),
        members: [1, 2, 3].into_iter().filter(|m| bits >> (2 + m) & 1 == 1).collect(),
        teams: [1, 2].into_iter().filter(|t| bits >> (6 + t) & 1 == 1).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Principals and what the model knows about them.

#[derive(Clone, Debug)]
enum Who {
    Anonymous,
    Session { user: u64, superuser: bool },
    UserToken { user: u64, org: u64, scopes: &'static str },
    OrgToken { org: u64, scopes: &'static str },
}

/// The seeded memberships: role and teams of a user in an organization.
fn seeded_member(user: u64, org: u64) -> Option<(Role, Vec<u64>)> {
    match (user, org) {
        (1, 1) => Some((Role::Owner, vec![])),
        (2, 1) => Some((Role::Admin, vec![2])),
        (3, 1) => Some((Role::Member, vec![1])),
        (4, 2) => Some((Role::Owner, vec![3])),
        _ => None,
    }
}

const REPLAY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// The requests the clients make: (method, path, organization the path names).
fn targets() -> Vec<(Method, String, u64)> {
    vec![
        (Method::Get, "/api/0/organizations/acme/replays/".into(), 1),
        (Method::Get, format!("/api/0/projects/acme/web/replays/{REPLAY}/"), 1),
        (Method::Get, format!("/api/0/organizations/acme/replays/{REPLAY}/"), 1),
        (Method::Post, format!("/api/0/projects/acme/web/replays/{REPLAY}/viewed-by/"), 1),
        (Method::Get, "/api/0/organizations/acme/".into(), 1),
        (Method::Get, "/api/0/organizations/globex/replays/".into(), 2),
    ]
}

/// The declared path a served path stands for: declarations do not repeat the base path.
fn declared(path: &str) -> &str {
    path.strip_prefix(scopegate_demo::BASE_PATH).unwrap_or(path)
}

fn model(method: Method, path: &str, org: u64, who: &Who, access: &Access) -> reference::Outcome {
    let r = registry();
    let set = |s: &str| s.split(',').map(str::to_string).collect::<HashSet<String>>();
    let (caller, member_user) = match who {
        Who::Anonymous => (Caller::Anonymous, None),
        Who::Session { user, superuser } => {
            (Caller::User { id: *user, token: None, active_superuser: *superuser }, Some(*user))
        }
        Who::UserToken { user, org: bound, scopes } => (
            Caller::User { id: *user, token: Some(set(scopes)), active_superuser: false },
            Some(*user).filter(|_| *bound == org),
        ),
        Who::OrgToken { org, scopes } => (Caller::OrgToken { organization: *org, scopes: set(scopes) }, None),
    };
    let member = member_user.and_then(|user| {
        seeded_member(user, org).map(|(role, teams)| Member {
            organization: org,
            role: roles::scopes(role).iter().map(|s| s.to_string()).collect(),
            teams: teams.into_iter().collect(),
        })
    });
    // Only acme's settings change; globex keeps the seeded ones.
    let access = if org == 1 { access.clone() } else { version(0) };
    let organization = Organization {
        id: org,
        features: HashSet::from(["organizations:session-replay".to_string()]),
        granular: if access.granular { HashSet::from(["replay".to_string()]) } else { HashSet::new() },
        users: HashMap::from([("replay".to_string(), access.members.iter().copied().collect())]),
        teams: HashMap::from([("replay".to_string(), access.teams.iter().copied().collect())]),
    };
    let case =
        Case { method, path: declared(path).to_string(), caller, member, organization: Some(organization) };
    reference::decide(r.config(), r.endpoints(), &case)
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    exact: usize,
    overlapped: usize,
    allowed: usize,
    by_code: HashMap<String, usize>,
    server_errors: Vec<String>,
    disagreements: Vec<String>,
    latencies_us: Vec<u32>,
}

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scopegate-demo-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[test]
fn decisions_follow_concurrent_access_changes_under_load() {
    let seconds = env_number("SCOPEGATE_LOADTEST_SECS", 3);
    let clients = env_number("SCOPEGATE_LOADTEST_CLIENTS", 8) as usize;
    let max_requests = env_number("SCOPEGATE_LOADTEST_MAX_REQUESTS", 5_000_000) as usize;

    let db = temp_db();
    let r = registry();
    let (admin_session, principals) = {
        let store = SqliteStore::open(&db).unwrap();
        let session = |user: &str, superuser: bool| {
            format!("Session {}", admin::create_session(&store, user, superuser).unwrap().as_str())
        };
        let user_token = |org: &str, user: &str, scopes: &str| {
            format!("Bearer {}", admin::create_user_token(&store, r, org, user, scopes).unwrap().as_str())
        };
        let org_token = |org: &str, scopes: &str| {
            format!("Bearer {}", admin::create_org_token(&store, r, org, scopes).unwrap().as_str())
        };
        let mut p: Vec<(Who, Option<String>)> = vec![(Who::Anonymous, None)];
        for (name, user) in [("owner", 1), ("admin", 2), ("member", 3), ("gina", 4), ("staff", 5)] {
            p.push((Who::Session { user, superuser: false }, Some(session(name, false))));
        }
        p.push((Who::Session { user: 5, superuser: true }, Some(session("staff", true))));
        for (org, org_id, name, user, scopes) in [
            ("acme", 1, "member", 3, "org:read,event:read,project:read"),
            ("acme", 1, "owner", 1, "org:read,event:read"),
            ("acme", 1, "admin", 2, "project:read,event:read,org:read"),
            ("globex", 2, "gina", 4, "org:read,event:read"),
        ] {
            p.push((Who::UserToken { user, org: org_id, scopes }, Some(user_token(org, name, scopes))));
        }
        for (org, org_id, scopes) in [
            ("acme", 1, "event:read,project:read,org:read"),
            ("acme", 1, "project:read,org:read"),
            ("acme", 1, "org:ci"),
            ("globex", 2, "event:read,org:read"),
        ] {
            p.push((Who::OrgToken { org: org_id, scopes }, Some(org_token(org, scopes))));
        }
        (session("owner", false), p)
    };

    let server = Server::start(&db);
    let base = server.base.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients + 2).build().unwrap();
    let started = Arc::new(AtomicU64::new(0));
    let committed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let principals = Arc::new(principals);
    let targets = Arc::new(targets());

    // Memory: the server's RSS every 100 ms.
    let samples = Arc::new(Mutex::new(Vec::<u64>::new()));
    let sampler = {
        let (samples, stop) = (samples.clone(), stop.clone());
        let pid = server.child.id();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                if let Some(kib) = status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
                {
                    samples.lock().unwrap().push(kib);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    // The admin: one change after another, each published before it is sent and after it is
    // acknowledged.
    let admin_task = {
        let (http, base, started, committed, stop) =
            (http.clone(), base.clone(), started.clone(), committed.clone(), stop.clone());
        runtime.spawn(async move {
            let mut changes = 0u64;
            for v in 1.. {
                if stop.load(Ordering::SeqCst) || Instant::now() >= deadline {
                    break;
                }
                let a = version(v);
                let body = json!({
                    "hasGranularReplayPermissions": a.granular,
                    "replayAccessMembers": a.members,
                    "replayAccessTeams": a.teams,
                });
                started.store(v, Ordering::SeqCst);
                let response = http
                    .put(format!("{base}/organizations/1/"))
                    .header("authorization", &admin_session)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let answer: Value = response.json().await.unwrap_or(Value::Null);
                assert_eq!(status, 200, "admin change v{v}: {answer}");
                assert_eq!(answer["hasGranularReplayPermissions"], json!(a.granular), "v{v}");
                committed.store(v, Ordering::SeqCst);
                changes += 1;
                // Let some requests meet each version whole.
                tokio::time::sleep(Duration::from_millis(20 + v % 40)).await;
            }
            changes
        })
    };

    let client_tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (http, base, started, committed, stop, sent, tally, principals, targets) = (
                http.clone(),
                base.clone(),
                started.clone(),
                committed.clone(),
                stop.clone(),
                sent.clone(),
                tally.clone(),
                principals.clone(),
                targets.clone(),
            );
            runtime.spawn(async move {
                let mut local = Tally::default();
                let mut state = 0x1234_5678_u64 ^ (c as u64) << 32;
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    if sent.fetch_add(1, Ordering::SeqCst) >= max_requests {
                        break;
                    }
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    let (who, header) = &principals[(state >> 33) as usize % principals.len()];
                    let (method, path, org) = &targets[(state >> 17) as usize % targets.len()];
                    let mut request = http.request(
                        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
                        format!("{base}{}", path.trim_start_matches("/api/0")),
                    );
                    if let Some(h) = header {
                        request = request.header("authorization", h);
                    }
                    let lo = committed.load(Ordering::SeqCst);
                    let t0 = Instant::now();
                    let response = request.send().await;
                    let (status, body) = match response {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            (status, response.bytes().await.unwrap_or_default())
                        }
                        Err(e) => {
                            local.server_errors.push(format!("{method} {path}: no answer: {e}"));
                            continue;
                        }
                    };
                    local.latencies_us.push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    let hi = started.load(Ordering::SeqCst);
                    local.requests += 1;
                    if status >= 500 {
                        local.server_errors.push(format!("{method} {path} as {who:?}: {status}"));
                        continue;
                    }
                    let code = serde_json::from_slice::<Value>(&body)
                        .ok()
                        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
                    let matches = |v: u64| {
                        let expected = model(*method, path, *org, who, &version(v));
                        if expected.status == 200 {
                            // Allowed: the handler answers. Marking a replay viewed needs a user,
                            // which an organization token is not (400 from the handler).
                            (200..300).contains(&status)
                                || (*method == Method::Post
                                    && status == 400
                                    && code.as_deref() == Some("invalid_request"))
                        } else {
                            status == expected.status && code.as_deref() == Some(expected.code)
                        }
                    };
                    if !(lo..=hi).any(matches) {
                        let wanted: Vec<String> =
                            (lo..=hi).map(|v| model(*method, path, *org, who, &version(v)).code.to_string()).collect();
                        local.disagreements.push(format!(
                            "{method} {path} as {who:?}: {status} {code:?}, versions {lo}..={hi} say {wanted:?}"
                        ));
                    }
                    if lo == hi { local.exact += 1 } else { local.overlapped += 1 }
                    if (200..300).contains(&status) {
                        local.allowed += 1;
                    }
                    *local.by_code.entry(code.unwrap_or_else(|| status.to_string())).or_default() += 1;
                }
                let mut t = tally.lock().unwrap();
                t.requests += local.requests;
                t.exact += local.exact;
                t.overlapped += local.overlapped;
                t.allowed += local.allowed;
                for (k, v) in local.by_code {
                    *t.by_code.entry(k).or_default() += v;
                }
                t.server_errors.extend(local.server_errors);
                t.disagreements.extend(local.disagreements);
                t.latencies_us.extend(local.latencies_us);
            })
        })
        .collect();

    for task in client_tasks {
        runtime.block_on(task).unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    let changes = runtime.block_on(admin_task).unwrap();
    sampler.join().unwrap();
    let final_rss = server.rss_kib();
    drop(server);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());

    let mut t = std::mem::take(&mut *tally.lock().unwrap());
    t.latencies_us.sort_unstable();
    let pct =
        |p: usize| t.latencies_us.get(t.latencies_us.len().saturating_sub(1) * p / 100).copied().unwrap_or(0);
    let samples = samples.lock().unwrap().clone();
    let quarter = |q: usize| {
        let n = samples.len();
        let part = &samples[n * q / 4..(n * (q + 1) / 4).max(n * q / 4 + 1).min(n)];
        part.iter().sum::<u64>() / part.len().max(1) as u64
    };
    let mut codes: Vec<(String, usize)> = t.by_code.iter().map(|(k, v)| (k.clone(), *v)).collect();
    codes.sort();
    eprintln!(
        "load test: {seconds} s, {clients} clients, {} requests ({:.0}/s), {changes} access changes; \
         {} met one version, {} overlapped a change; {} allowed; answers {codes:?}; \
         latency p50 {} µs, p99 {} µs, max {} µs; server RSS KiB: {} samples, min {}, max {}, \
         quarter averages {:?}, final {final_rss:?}; {} server errors, {} disagreements",
        t.requests,
        t.requests as f64 / seconds.max(1) as f64,
        t.exact,
        t.overlapped,
        t.allowed,
        pct(50),
        pct(99),
        t.latencies_us.last().copied().unwrap_or(0),
        samples.len(),
        samples.iter().min().copied().unwrap_or(0),
        samples.iter().max().copied().unwrap_or(0),
        (0..4).map(quarter).collect::<Vec<_>>(),
        t.server_errors.len(),
        t.disagreements.len(),
    );
    assert!(
        t.server_errors.is_empty(),
        "{} server errors, e.g. {:?}",
        t.server_errors.len(),
        &t.server_errors[..t.server_errors.len().min(5)]
    );
    assert!(
        t.disagreements.is_empty(),
        "{} disagreements, e.g. {:#?}",
        t.disagreements.len(),
        &t.disagreements[..t.disagreements.len().min(5)]
    );
    // Not vacuous: many requests, many changes, both outcomes, most requests met a single version.
    assert!(t.requests >= 200 && changes >= 10, "{} requests, {changes} changes", t.requests);
    assert!(
        t.allowed * 10 >= t.requests && t.allowed * 10 <= t.requests * 9,
        "{} of {} allowed",
        t.allowed,
        t.requests
    );
    assert!(t.exact * 2 >= t.requests, "only {} of {} requests met a single version", t.exact, t.requests);
    // Memory steady: after warm-up (the first quarter), the last quarter's average RSS is within
    // 25% (and 16 MiB) of the second quarter's.
    if samples.len() >= 8 {
        let (warm, last) = (quarter(1), quarter(3));
        assert!(last <= warm + warm / 4 + 16 * 1024, "RSS grew from {warm} KiB to {last} KiB: {samples:?}");
    }
}
