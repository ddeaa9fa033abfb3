//! Crash safety of the SQLite store: the `scopegate-demo` binary serves a database file while
//! writers change organization settings (a multi-row change: name, granular flag, both replay
//! allowlists), team memberships (grants), dashboards and organization auth tokens; it is killed
//! with SIGKILL in the middle of that, restarted on the same file, and checked:
//!
//! * every acknowledged write is there (WAL with `synchronous = NORMAL` survives a process crash);
//! * nothing is half-applied: the settings are exactly those of one version, the acknowledged one
//!   or the one in flight at the kill;
//! * the database passes `PRAGMA integrity_check`, and acknowledged tokens still authenticate.
//!
//! The loop runs a few times on the same file, each kill at a different moment.

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Server;
use scopegate_demo::admin;
use scopegate_demo::store::SqliteStore;
use serde_json::{Value, json};

/// The organizations whose settings are rewritten: id, name prefix, its members' user ids and
/// its team ids (the seeded data).
const ORGS: [(i64, &str, &[i64], &[i64]); 2] =
    [(1, "Acme v", &[1, 2, 3], &[1, 2]), (2, "Globex v", &[4], &[3])];

/// Version `n` of organization `org`'s settings: every field depends on `n`, so a mix of two
/// versions is visible.
fn settings(org: usize, n: u64) -> Value {
    let (_, prefix, users, teams) = ORGS[org];
    let bit = |i: usize| n >> i & 1 == 1;
    let members: Vec<i64> = users.iter().enumerate().filter(|(i, _)| bit(1 + i)).map(|(_, u)| *u).collect();
    let teams: Vec<i64> =
        teams.iter().enumerate().filter(|(i, _)| bit(1 + users.len() + i)).map(|(_, t)| *t).collect();
    json!({
        "name": format!("{prefix}{n}"),
        "hasGranularReplayPermissions": bit(0),
        "replayAccessMembers": members,
        "replayAccessTeams": teams,
    })
}

/// The settings version an organization's answer shows (0: never rewritten).
fn version_of(org: usize, details: &Value) -> u64 {
    details["name"].as_str().unwrap().strip_prefix(ORGS[org].1).map_or(0, |n| n.parse().unwrap())
}

/// What the writers know: acknowledged writes, and the write in flight when the server died.
#[derive(Debug, Default)]
struct Log {
    /// Per organization: highest acknowledged settings version, and the one sent without an answer.
    settings_acked: [u64; 2],
    settings_pending: [Option<u64>; 2],
    /// Acknowledged dashboards (id → title), titles sent without an answer, and titles of earlier
    /// rounds sent without an answer (each either stored or not, for good).
    dashboards: HashMap<String, String>,
    dashboards_pending: Vec<String>,
    dashboards_unanswered: Vec<String>,
    /// The same for tokens (name → secret).
    tokens: HashMap<String, String>,
    tokens_pending: Vec<String>,
    tokens_unanswered: Vec<String>,
    /// Team grants: (member id, team id) → in the team, as acknowledged; and the pending target.
    grants: HashMap<(i64, i64), bool>,
    grants_pending: HashMap<(i64, i64), bool>,
    /// Requests without an answer when the server was killed, per round.
    in_flight_at_kill: Vec<usize>,
    /// Of those: [not applied, applied] once the server was back.
    unanswered: [usize; 2],
    acknowledged: usize,
}

struct Client {
    http: reqwest::Client,
    base: String,
    /// The sessions of acme's owner and of globex's owner.
    owners: [String; 2],
}

impl Client {
    /// A request of acme's owner.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), ()> {
        self.send_as(0, method, path, body).await
    }

    /// A request of the owner of organization `org` (an index into [`ORGS`]).
    async fn send_as(
        &self,
        org: usize,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), ()> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", &self.owners[org]);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|_| ())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|_| ())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

/// The writers, until the server stops answering. Each runs its own sequence of writes.
async fn write_until_killed(client: Arc<Client>, log: Arc<Mutex<Log>>, round: u64) {
    let dead = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();

    // Settings of each organization: one version after another.
    for (org, &(id, ..)) in ORGS.iter().enumerate() {
        let (c, l, d) = (client.clone(), log.clone(), dead.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = l.lock().unwrap().settings_acked[org];
            let path = format!("/organizations/{id}/");
            while !d.load(Ordering::SeqCst) {
                n += 1;
                l.lock().unwrap().settings_pending[org] = Some(n);
                match c.send_as(org, reqwest::Method::PUT, &path, Some(settings(org, n))).await {
                    Ok((200, _)) => {
                        let mut l = l.lock().unwrap();
                        l.settings_acked[org] = n;
                        l.settings_pending[org] = None;
                        l.acknowledged += 1;
                    }
                    Ok((status, body)) => panic!("settings of {path} v{n}: {status} {body}"),
                    Err(()) => break,
                }
            }
            d.store(true, Ordering::SeqCst);
        }));
    }

    // Dashboards and tokens: new rows.
    for kind in ["dashboard", "token"] {
        let (c, l, d) = (client.clone(), log.clone(), dead.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                if d.load(Ordering::SeqCst) {
                    break;
                }
                let name = format!("crash-{kind}-{round}-{i}");
                let (path, body) = if kind == "dashboard" {
                    let widgets =
                        json!([{"title": name, "displayType": "line", "query": format!("round:{round}")}]);
                    ("/organizations/acme/dashboards/", json!({"title": name, "widgets": widgets}))
                } else {
                    ("/organizations/acme/org-auth-tokens/", json!({"name": name}))
                };
                {
                    let mut l = l.lock().unwrap();
                    if kind == "dashboard" { &mut l.dashboards_pending } else { &mut l.tokens_pending }
                        .push(name.clone());
                }
                match c.send(reqwest::Method::POST, path, Some(body)).await {
                    Ok((201, body)) => {
                        let mut l = l.lock().unwrap();
                        l.acknowledged += 1;
                        if kind == "dashboard" {
                            l.dashboards_pending.retain(|n| *n != name);
                            l.dashboards.insert(body["id"].as_str().unwrap().to_string(), name);
                        } else {
                            l.tokens_pending.retain(|n| *n != name);
                            l.tokens.insert(name, body["token"].as_str().unwrap().to_string());
                        }
                    }
                    Ok((status, body)) => panic!("{kind} {name}: {status} {body}"),
                    Err(()) => break,
                }
            }
            d.store(true, Ordering::SeqCst);
        }));
    }

    // Team grants: two memberships toggled on and off.
    for (member, team) in [(2_i64, 1_i64), (3, 2)] {
        let (c, l, d) = (client.clone(), log.clone(), dead.clone());
        tasks.push(tokio::spawn(async move {
            let path = format!("/organizations/acme/members/{member}/teams/{team}/");
            while !d.load(Ordering::SeqCst) {
                let joined = l.lock().unwrap().grants[&(member, team)];
                l.lock().unwrap().grants_pending.insert((member, team), !joined);
                let method = if joined { reqwest::Method::DELETE } else { reqwest::Method::POST };
                match c.send(method, &path, None).await {
                    Ok((201 | 204, _)) => {
                        let mut l = l.lock().unwrap();
                        l.grants.insert((member, team), !joined);
                        l.grants_pending.remove(&(member, team));
                        l.acknowledged += 1;
                    }
                    Ok((status, body)) => panic!("grant {member}/{team} → {}: {status} {body}", !joined),
                    Err(()) => break,
                }
            }
            d.store(true, Ordering::SeqCst);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Checks the restarted server's data against the log.
async fn verify(client: &Client, log: &Log, db: &Path) {
    // Settings: one whole version, the acknowledged one or the one in flight.
    for (i, (id, ..)) in ORGS.iter().enumerate() {
        let path = format!("/organizations/{id}/");
        let (status, org) = client.send_as(i, reqwest::Method::GET, &path, None).await.unwrap();
        assert_eq!(status, 200, "{org}");
        let version = version_of(i, &org);
        let allowed = [Some(log.settings_acked[i]), log.settings_pending[i]];
        assert!(allowed.contains(&Some(version)), "{path}: v{version}, acknowledged {allowed:?}");
        if version > 0 {
            let expected = settings(i, version);
            for field in ["hasGranularReplayPermissions", "replayAccessMembers", "replayAccessTeams"] {
                assert_eq!(org[field], expected[field], "{path} v{version} half-applied: {field} in {org}");
            }
        }
    }

    // Dashboards: every acknowledged one, whole; others only from writes in flight.
    let (_, list) = client.send(reqwest::Method::GET, "/organizations/acme/dashboards/", None).await.unwrap();
    let stored: HashMap<String, &Value> =
        list.as_array().unwrap().iter().map(|d| (d["id"].as_str().unwrap().to_string(), d)).collect();
    for (id, title) in &log.dashboards {
        let d = stored.get(id).unwrap_or_else(|| panic!("acknowledged dashboard {id} ({title}) lost"));
        assert_eq!(d["title"], json!(title));
        assert_eq!(d["widgets"][0]["title"], json!(title), "{d}");
    }
    for d in stored.values() {
        let title = d["title"].as_str().unwrap();
        if title.starts_with("crash-") && !log.dashboards.values().any(|t| t == title) {
            let sent = log.dashboards_pending.iter().chain(&log.dashboards_unanswered).any(|p| p == title);
            assert!(sent, "dashboard {title} never sent");
        }
    }

    // Tokens: every acknowledged one listed and still a valid credential (org:ci: 403, not 401).
    let (_, list) =
        client.send(reqwest::Method::GET, "/organizations/acme/org-auth-tokens/", None).await.unwrap();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for name in log.tokens.keys() {
        assert!(names.contains(&name.as_str()), "acknowledged token {name} lost");
    }
    for name in names.iter().filter(|n| n.starts_with("crash-")) {
        assert!(
            log.tokens.contains_key(*name)
                || log.tokens_pending.iter().chain(&log.tokens_unanswered).any(|p| p == name),
            "token {name} never sent"
        );
    }
    let mut sample: Vec<&String> = log.tokens.values().collect();
    sample.sort();
    for secret in sample.iter().rev().take(5) {
        let response = client
            .http
            .get(format!("{}/organizations/acme/", client.base))
            .header("authorization", format!("Bearer {secret}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "an acknowledged token no longer authenticates");
    }

    // Grants: the acknowledged state, or the pending one.
    let (_, members) = client.send(reqwest::Method::GET, "/organizations/acme/members/", None).await.unwrap();
    for (&(member, team), &joined) in &log.grants {
        let m = members.as_array().unwrap().iter().find(|m| m["id"] == json!(member.to_string())).unwrap();
        let slug = if team == 1 { "frontend" } else { "backend" };
        let is_in = m["teams"].as_array().unwrap().contains(&json!(slug));
        let pending = log.grants_pending.get(&(member, team)).copied();
        assert!(
            is_in == joined || Some(is_in) == pending,
            "member {member} team {team}: {is_in}, acknowledged {joined}"
        );
    }

    // The file itself.
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let fk: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(fk.is_empty(), "foreign key violations in {fk:?}");
}

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scopegate-demo-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[test]
fn sigkill_mid_write_loses_no_acknowledged_write_and_applies_nothing_by_halves() {
    const ROUNDS: u64 = 40;
    let db = temp_db();
    // Create and seed the file, and open the owners' sessions in it.
    let owners = {
        let store = SqliteStore::open(&db).unwrap();
        ["owner", "gina"]
            .map(|u| format!("Session {}", admin::create_session(&store, u, false).unwrap().as_str()))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let log = Arc::new(Mutex::new(Log {
        // Seeded: member 3 is in frontend (1), member 2 in backend (2).
        grants: HashMap::from([((2, 1), false), ((3, 2), false)]),
        ..Log::default()
    }));
    let started = Instant::now();
    let mut server = Server::start(&db);
    for round in 0..ROUNDS {
        let client = Arc::new(Client {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            owners: owners.clone(),
        });
        let writers = runtime.spawn(write_until_killed(client, log.clone(), round));
        // Kill at a different moment each round, while the writers are busy.
        std::thread::sleep(Duration::from_millis(20 + round * 7 % 41));
        let in_flight = {
            let l = log.lock().unwrap();
            l.settings_pending.iter().flatten().count()
                + l.dashboards_pending.len()
                + l.tokens_pending.len()
                + l.grants_pending.len()
        };
        server.kill();
        log.lock().unwrap().in_flight_at_kill.push(in_flight);
        runtime.block_on(writers).unwrap();

        server = Server::start(&db);
        let client =
            Client { http: reqwest::Client::new(), base: server.base.clone(), owners: owners.clone() };
        let snapshot = std::mem::take(&mut *log.lock().unwrap());
        runtime.block_on(verify(&client, &snapshot, &db));
        // Unanswered writes are settled now: keep what the restarted server has, and count how
        // many of them had been committed before the kill.
        let mut next = snapshot;
        let get_as = |org: usize, path: &str| {
            runtime.block_on(client.send_as(org, reqwest::Method::GET, path, None)).unwrap().1
        };
        let get = |path: &str| get_as(0, path);
        for (i, (id, ..)) in ORGS.iter().enumerate() {
            let version = version_of(i, &get_as(i, &format!("/organizations/{id}/")));
            if let Some(pending) = next.settings_pending[i].take() {
                next.unanswered[usize::from(version == pending)] += 1;
            }
            next.settings_acked[i] = version;
        }
        let members = get("/organizations/acme/members/");
        for (&(member, team), joined) in next.grants.iter_mut() {
            let slug = if team == 1 { "frontend" } else { "backend" };
            let m =
                members.as_array().unwrap().iter().find(|m| m["id"] == json!(member.to_string())).unwrap();
            let now = m["teams"].as_array().unwrap().contains(&json!(slug));
            if let Some(target) = next.grants_pending.remove(&(member, team)) {
                next.unanswered[usize::from(now == target)] += 1;
            }
            *joined = now;
        }
        let titles = |list: Value, key: &str| -> Vec<String> {
            list.as_array().unwrap().iter().map(|d| d[key].as_str().unwrap().to_string()).collect()
        };
        let dashboards = titles(get("/organizations/acme/dashboards/"), "title");
        let tokens = titles(get("/organizations/acme/org-auth-tokens/"), "name");
        for (pending, stored) in
            [(&mut next.dashboards_pending, &dashboards), (&mut next.tokens_pending, &tokens)]
        {
            for name in pending.iter() {
                next.unanswered[usize::from(stored.contains(name))] += 1;
            }
        }
        let (dashboards, tokens) =
            (std::mem::take(&mut next.dashboards_pending), std::mem::take(&mut next.tokens_pending));
        next.dashboards_unanswered.extend(dashboards);
        next.tokens_unanswered.extend(tokens);
        *log.lock().unwrap() = next;
    }
    drop(server);
    let log = log.lock().unwrap();
    eprintln!(
        "{ROUNDS} kills in {:.1} s: {} acknowledged writes, in flight at each kill: {:?}; of those, \
         {} were not applied and {} were (committed, answer lost)",
        started.elapsed().as_secs_f64(),
        log.acknowledged,
        log.in_flight_at_kill,
        log.unanswered[0],
        log.unanswered[1]
    );
    assert!(log.acknowledged >= 20, "too few writes to mean anything: {log:?}");
    assert!(log.in_flight_at_kill.iter().any(|n| *n > 0), "no kill hit a write in flight: {log:?}");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
