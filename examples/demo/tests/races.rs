//! Writes are checked against the database, never against a request's snapshot, on every
//! available backend.
//!
//! An admin (`team:write`, no `org:write`) may add members to a team unless the team is on the
//! replay allowlist; a member may add themself to a team only while membership is open. The owner
//! changes either through instance A, and right after the acknowledgement the admin (or member)
//! asks instance B. B decides the request on its organization snapshot, which may predate the
//! owner's change for up to its TTL (the stated bound: a notification may be late or lost); the
//! write itself must still be refused, because the store checks the allowlist and the membership
//! setting again in the transaction that inserts, under the organization's lock.
//!
//! * `a_change_made_elsewhere_is_never_overtaken_by_a_stale_snapshot`: B's notifications never
//!   arrive (its cache counts as listening but hears nothing), so every trial decides on the
//!   snapshot from before the change: each join must be refused.
//! * `racing_an_allowlist_edit_never_admits_a_later_join`: the two writers race on real
//!   instances (PostgreSQL: two instances, each with its invalidation listener; SQLite: the one
//!   instance a file supports), the join sent at staggered moments around the owner's edit; no
//!   join sent after the edit was acknowledged may succeed.

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::call;
use common::stores::{TestStore, off_runtime, stores};
use reqwest::Method;
use scopegate::Registry;
use scopegate_demo::model::OrganizationUpdate;
use scopegate_demo::store::{CachedStore, ServiceStore, SnapshotCache};
use scopegate_demo::{AppState, admin};
use serde_json::json;

const ACME: i64 = 1;
const FRONTEND: i64 = 1;
const BACKEND: i64 = 2;
/// `admin`'s membership (in backend, not in frontend) and `member`'s (in frontend, not in backend).
const ADMIN_MEMBER: i64 = 2;
const MEMBER_MEMBER: i64 = 3;
const ORG: &str = "/organizations/acme/";
const ADMIN_JOINS_FRONTEND: &str = "/organizations/acme/members/2/teams/frontend/";
const MEMBER_JOINS_BACKEND: &str = "/organizations/acme/members/me/teams/backend/";

/// Serves `store` as `scopegate-demo serve` does, on a free loopback port of this runtime.
async fn serve(store: Arc<dyn ServiceStore>) -> String {
    let service = scopegate_demo::service(AppState::with_registry(store, Registry::global()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    format!("http://{addr}/api/0")
}

struct Sessions {
    owner: String,
    admin: String,
    member: String,
}

fn sessions(store: &dyn ServiceStore) -> Sessions {
    let open = |user| format!("Session {}", admin::create_session(store, user, false).unwrap().as_str());
    Sessions { owner: open("owner"), admin: open("admin"), member: open("member") }
}

/// The seeded state around each trial: nothing allowlisted, open membership, `admin` out of
/// frontend and `member` out of backend. Through instance A, which evicts (SQLite) or notifies
/// (PostgreSQL) as it writes.
fn reset(store: &dyn ServiceStore) {
    let update = OrganizationUpdate {
        replay_access_teams: Some(vec![]),
        open_membership: Some(true),
        ..Default::default()
    };
    store.update_organization(ACME, &update).unwrap();
    store.remove_team_member(ACME, FRONTEND, ADMIN_MEMBER).unwrap();
    store.remove_team_member(ACME, BACKEND, MEMBER_MEMBER).unwrap();
}

/// Instance B of `test`, whose cache never hears of other instances' writes: it decides on the
/// snapshot it has for up to `ttl`.
fn deaf_instance(test: &TestStore, ttl: Duration) -> Arc<CachedStore> {
    let inner = off_runtime(|| test.database.open()).unwrap();
    Arc::new(CachedStore::new(inner, Arc::new(SnapshotCache::new(ttl, true))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_elsewhere_is_never_overtaken_by_a_stale_snapshot() {
    const TRIALS: usize = 10;
    for test in off_runtime(stores) {
        let a = test.instance(Duration::from_secs(1));
        let b = deaf_instance(&test, Duration::from_secs(60));
        let who = off_runtime(|| sessions(&*test.store));
        let (base_a, base_b) = (serve(a.clone()).await, serve(b.clone()).await);
        let http = reqwest::Client::new();
        let mut admitted = Vec::new();
        for trial in 0..TRIALS {
            off_runtime(|| reset(&*a));
            // B reads and keeps the snapshot from before the owner's change.
            b.cache().flush();
            assert_eq!(call(&http, &base_b, Method::GET, ORG, &who.admin, None).await.unwrap().0, 200);
            assert_eq!(call(&http, &base_b, Method::GET, ORG, &who.member, None).await.unwrap().0, 200);

            // The team goes on the allowlist; the admin then adds themself to it through B.
            let allow = json!({"replayAccessTeams": [FRONTEND]});
            assert_eq!(call(&http, &base_a, Method::PUT, ORG, &who.owner, Some(allow)).await.unwrap().0, 200);
            let (status, body) =
                call(&http, &base_b, Method::POST, ADMIN_JOINS_FRONTEND, &who.admin, None).await.unwrap();
            if status != 403 {
                admitted.push(format!("trial {trial}: allowlisted team joined: {status} {body}"));
            } else {
                assert_eq!(body["error"], "allowlisted_team_restricted", "{body}");
            }

            // Membership closes; the member then adds themself to a team through B.
            let close = json!({"openMembership": false});
            assert_eq!(call(&http, &base_a, Method::PUT, ORG, &who.owner, Some(close)).await.unwrap().0, 200);
            let (status, body) =
                call(&http, &base_b, Method::POST, MEMBER_JOINS_BACKEND, &who.member, None).await.unwrap();
            if status != 403 {
                admitted.push(format!("trial {trial}: joined under closed membership: {status} {body}"));
            } else {
                assert_eq!(body["error"], "team_membership_restricted", "{body}");
            }
        }
        // Nothing was written behind the refusals.
        let admin = off_runtime(|| test.store.member(ACME, ADMIN_MEMBER)).unwrap().unwrap();
        let member = off_runtime(|| test.store.member(ACME, MEMBER_MEMBER)).unwrap().unwrap();
        assert!(
            admitted.is_empty() && !admin.teams.contains(&FRONTEND) && !member.teams.contains(&BACKEND),
            "{}: {} of {} joins decided on a stale snapshot were written: {admitted:#?}",
            test.backend,
            admitted.len(),
            2 * TRIALS
        );
        eprintln!("{}: {} joins on a stale snapshot, all refused", test.backend, 2 * TRIALS);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_an_allowlist_edit_never_admits_a_later_join() {
    const TRIALS: u64 = 60;
    for test in off_runtime(stores) {
        let a = test.instance(Duration::from_secs(1));
        // PostgreSQL: a second instance with its own listener; SQLite serves from one process.
        let b = if test.backend == "postgres" { test.instance(Duration::from_secs(1)) } else { a.clone() };
        let who = Arc::new(off_runtime(|| sessions(&*test.store)));
        let (base_a, base_b) = (serve(a.clone()).await, serve(b).await);
        let http = reqwest::Client::new();
        let (mut after_ack, mut violations) = (0, Vec::new());
        for trial in 0..TRIALS {
            off_runtime(|| reset(&*a));
            // Let the reset's notifications land, then warm B's snapshot.
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(call(&http, &base_b, Method::GET, ORG, &who.admin, None).await.unwrap().0, 200);
            let started = Instant::now();
            let edit = {
                let (http, base, who) = (http.clone(), base_a.clone(), Arc::clone(&who));
                tokio::spawn(async move {
                    let allow = json!({"replayAccessTeams": [FRONTEND]});
                    let (status, _) =
                        call(&http, &base, Method::PUT, ORG, &who.owner, Some(allow)).await.unwrap();
                    assert_eq!(status, 200);
                    started.elapsed()
                })
            };
            // The join goes out 0 to 11 ms after the edit, around its acknowledgement.
            tokio::time::sleep(Duration::from_micros(trial % 12 * 1000)).await;
            let sent = started.elapsed();
            let (status, body) =
                call(&http, &base_b, Method::POST, ADMIN_JOINS_FRONTEND, &who.admin, None).await.unwrap();
            let acked = edit.await.unwrap();
            if sent > acked {
                after_ack += 1;
                if status != 403 {
                    violations.push(format!(
                        "trial {trial}: join sent {:.1} ms after the edit's acknowledgement: {status} {body}",
                        (sent - acked).as_secs_f64() * 1000.0
                    ));
                }
            } else {
                assert!([201, 403].contains(&status), "{status} {body}");
            }
        }
        eprintln!(
            "{}: {TRIALS} races, {after_ack} joins sent after the edit was acknowledged, {} admitted",
            test.backend,
            violations.len()
        );
        assert!(after_ack > 0, "{}: no join was sent after an acknowledgement", test.backend);
        assert!(violations.is_empty(), "{}: {violations:#?}", test.backend);
    }
}
