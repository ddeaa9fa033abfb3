//! Durable revocations on PostgreSQL: every write that takes access away survives a crash of the
//! server right after it was acknowledged, even where the server (or the role) runs with
//! `synchronous_commit = off`.
//!
//! A server of the test's own ([`Cluster`]) runs with `synchronous_commit = off` and
//! `wal_writer_delay = 10s`: a commit that does not ask for a flush stays in the server's WAL
//! buffers for up to 10 s, and `pg_ctl stop -m immediate` (every server process quits at once)
//! loses it. For each kind of revocation the test sets the access up (committed synchronously),
//! revokes it through the API of an in-process service (or the store, for a feature, which only
//! the CLI turns off), and crashes the server as soon as the acknowledgement arrives; after the
//! restart the access must still be gone. (Sessions and user tokens, durable before, are covered
//! by the SQLite statement test and `tests/sessions.rs`.) `fsync = off`: the crash is the
//! server's, not the machine's, so what the server wrote to the operating system survives it.

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::cluster::Cluster;
use common::stores::off_runtime;
use reqwest::Method;
use scopegate::Registry;
use scopegate_demo::store::{Database, Store};
use scopegate_demo::{AppState, admin};
use serde_json::json;

const TRIALS: usize = 3;
const FEATURE: &str = "organizations:session-replay";

#[derive(Clone, Copy, Debug)]
enum Kind {
    OrgTokenDeleted,
    MemberRemoved,
    TeamMembershipRemoved,
    AllowlistEntriesRemoved,
    FeatureTurnedOff,
}

const KINDS: [Kind; 5] = [
    Kind::OrgTokenDeleted,
    Kind::MemberRemoved,
    Kind::TeamMembershipRemoved,
    Kind::AllowlistEntriesRemoved,
    Kind::FeatureTurnedOff,
];

/// Sets up what `kind` revokes, committed durably (and `member`, user 3, back in acme); returns
/// the id of the token it created.
fn grant(url: &str, kind: Kind, trial: usize) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(
        "SET synchronous_commit = on; \
         INSERT INTO members (id, organization_id, user_id, role) VALUES (3, 1, 3, 'member') ON CONFLICT DO NOTHING",
    )
    .unwrap();
    match kind {
        Kind::OrgTokenDeleted => c
            .query_one(
                "INSERT INTO org_auth_tokens (token_hash, token_last_characters, name, organization_id, scopes) \
                 VALUES ($1, 'wxyz', 'crash test', 1, 'org:ci') RETURNING id",
                &[&format!("crash-{trial}")],
            )
            .unwrap()
            .get(0),
        Kind::MemberRemoved => 0,
        Kind::TeamMembershipRemoved => {
            c.batch_execute("INSERT INTO team_members VALUES (1, 1, 3) ON CONFLICT DO NOTHING").unwrap();
            0
        }
        Kind::AllowlistEntriesRemoved => {
            c.batch_execute(
                "INSERT INTO replay_access_members VALUES (1, 3) ON CONFLICT DO NOTHING; \
                 INSERT INTO replay_access_teams VALUES (1, 1) ON CONFLICT DO NOTHING",
            )
            .unwrap();
            0
        }
        Kind::FeatureTurnedOff => {
            c.execute("INSERT INTO organization_features VALUES (1, $1) ON CONFLICT DO NOTHING", &[&FEATURE])
                .unwrap();
            0
        }
    }
}

/// How many rows of what `kind` revoked the (restarted) server still has.
fn remaining(url: &str, kind: Kind, token: i64) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let (sql, args): (&str, Vec<&(dyn postgres::types::ToSql + Sync)>) = match kind {
        Kind::OrgTokenDeleted => ("SELECT count(*) FROM org_auth_tokens WHERE id = $1", vec![&token]),
        Kind::MemberRemoved => ("SELECT count(*) FROM members WHERE id = 3", vec![]),
        Kind::TeamMembershipRemoved => ("SELECT count(*) FROM team_members WHERE member_id = 3", vec![]),
        Kind::AllowlistEntriesRemoved => (
            "SELECT (SELECT count(*) FROM replay_access_members) + (SELECT count(*) FROM replay_access_teams)",
            vec![],
        ),
        Kind::FeatureTurnedOff => (
            "SELECT count(*) FROM organization_features WHERE organization_id = 1 AND feature = $1",
            vec![&FEATURE],
        ),
    };
    c.query_one(sql, &args).unwrap().get(0)
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn every_revocation_survives_a_server_crash_right_after_its_acknowledgement() {
    let mut cluster = Cluster::start(&[
        "synchronous_commit=off",
        "wal_writer_delay=10s",
        "fsync=off",
        "checkpoint_timeout=1h",
    ]);
    let database = Database::Postgres(cluster.url.clone());
    // Migrate and seed, open the owner's session, and make all of it durable.
    let owner = {
        let store = database.open().unwrap();
        format!("Session {}", admin::create_session(&*store, "owner", false).unwrap().as_str())
    };
    postgres::Client::connect(&cluster.url, postgres::NoTls).unwrap().batch_execute("CHECKPOINT").unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut restarts = Vec::new();
    let mut came_back = Vec::new();
    for trial in 0..TRIALS {
        for kind in KINDS {
            let token = grant(&cluster.url, kind, trial);
            assert!(remaining(&cluster.url, kind, token) > 0, "{kind:?}: granted");
            let store: Arc<dyn Store> = off_runtime(|| database.open()).unwrap();
            let state = AppState::with_registry(store.clone(), Registry::global());
            let (base, server) = runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let base = format!("http://{}/api/0", listener.local_addr().unwrap());
                let service = scopegate_demo::service(state);
                (base, tokio::spawn(async move { axum::serve(listener, service).await }))
            });
            let (method, path, body) = match kind {
                Kind::OrgTokenDeleted => {
                    (Method::DELETE, format!("/organizations/acme/org-auth-tokens/{token}/"), None)
                }
                Kind::MemberRemoved => (Method::DELETE, "/organizations/acme/members/3/".into(), None),
                Kind::TeamMembershipRemoved => {
                    (Method::DELETE, "/organizations/acme/members/3/teams/frontend/".into(), None)
                }
                Kind::AllowlistEntriesRemoved => (
                    Method::PUT,
                    "/organizations/acme/".into(),
                    Some(json!({"replayAccessMembers": [], "replayAccessTeams": []})),
                ),
                Kind::FeatureTurnedOff => (Method::GET, String::new(), None),
            };
            // The revocation, acknowledged; then the crash at once.
            let status = if path.is_empty() {
                assert!(off_runtime(|| store.set_feature(1, FEATURE, false)).unwrap());
                200
            } else {
                runtime.block_on(async {
                    let mut request =
                        http.request(method, format!("{base}{path}")).header("authorization", &owner);
                    if let Some(body) = body {
                        request = request.json(&body);
                    }
                    request.send().await.unwrap().status().as_u16()
                })
            };
            cluster.crash();
            assert!([200, 204].contains(&status), "{kind:?}: {status}");
            server.abort();
            off_runtime(|| drop(store));

            let restart = Instant::now();
            cluster.start_again();
            cluster.wait_ready();
            restarts.push(restart.elapsed());
            let left = remaining(&cluster.url, kind, token);
            if left > 0 {
                came_back.push(format!("trial {trial}: {kind:?}: {left} revoked rows back after the crash"));
            }
        }
    }
    let total = TRIALS * KINDS.len();
    eprintln!(
        "{total} crashes right after an acknowledged revocation ({} kinds × {TRIALS}) in {:.1} s, restart p50 {:?}: \
         {} came back",
        KINDS.len(),
        started.elapsed().as_secs_f64(),
        {
            restarts.sort();
            restarts[restarts.len() / 2]
        },
        came_back.len()
    );
    assert!(
        came_back.is_empty(),
        "{} of {total} revocations lost in a crash: {came_back:#?}",
        came_back.len()
    );
}
