//! End to end on PostgreSQL: the `scopegate-demo` binary serves a fresh database over HTTP, its
//! CLI creates the credentials and toggles the replay feature on the same `--db` URL, and a few
//! rows of the README's matrix answer as they do on SQLite (`tests/e2e.rs` covers them all there).
//! A restart on the same database keeps what was written. Reported as ignored without
//! `SCOPEGATE_TEST_POSTGRES_URL` (outside CI; see the demo's `build.rs`).

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Server;
use common::stores::{PgDatabase, required_postgres_server};
use reqwest::Method;
use serde_json::{Value, json};

/// Runs a CLI command on the database and returns its last line (the secret, for `create`).
fn demo(db: &str, args: &[&str]) -> String {
    let output =
        Command::new(env!("CARGO_BIN_EXE_scopegate-demo")).args(args).args(["--db", db]).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().last().unwrap().to_owned()
}

async fn call(
    base: &str,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

#[track_caller]
fn denied(result: &(u16, Value), status: u16, code: &str) {
    assert_eq!((result.0, result.1["error"].as_str()), (status, Some(code)), "{:?}", result.1);
}

#[tokio::test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
async fn the_matrix_over_http_on_postgres() {
    let server = required_postgres_server();
    let db = PgDatabase::create(&server);
    let url = db.url.as_str();
    // The CLI migrates and seeds the empty database on first use.
    let owner = format!("Session {}", demo(url, &["session", "create", "--user", "owner"]));
    let member = format!("Session {}", demo(url, &["session", "create", "--user", "member"]));
    let read_only = format!(
        "Bearer {}",
        demo(
            url,
            &["token", "create", "--org", "acme", "--user", "owner", "--scopes", "org:read,event:read"]
        )
    );
    let app = Server::start(url);
    let base = app.base.as_str();

    // 1: no credentials; 2: a member lacks org:write; 3: a read-only token reads but may not mutate.
    denied(&call(base, Method::GET, "/organizations/acme/", None, None).await, 401, "no_credentials");
    let rename = Some(json!({"name": "Acme by Mia"}));
    denied(
        &call(base, Method::PUT, "/organizations/acme/", Some(&member), rename.clone()).await,
        403,
        "missing_scope",
    );
    assert_eq!(call(base, Method::GET, "/organizations/acme/", Some(&read_only), None).await.0, 200);
    denied(
        &call(base, Method::PUT, "/organizations/acme/", Some(&read_only), rename).await,
        403,
        "missing_scope",
    );

    // 4: the justified exception — a member edits the dashboard they created, not the owner's.
    let edit = Some(json!({"title": "Frontend health (v2)"}));
    let (status, body) =
        call(base, Method::PUT, "/organizations/acme/dashboards/1/", Some(&member), edit.clone()).await;
    assert_eq!((status, body["title"].as_str()), (200, Some("Frontend health (v2)")));
    denied(
        &call(base, Method::PUT, "/organizations/acme/dashboards/2/", Some(&member), edit).await,
        403,
        "not_dashboard_creator",
    );

    // 5: the replay feature, turned off and on by the CLI while the server runs: the server
    // enforces it once the CLI's notification arrives, within its cache TTL (1 s) at most.
    demo(url, &["feature", "disable", "--org", "acme", "organizations:session-replay"]);
    let disabled = Instant::now();
    let answer = loop {
        let answer = call(base, Method::GET, "/organizations/acme/replays/", Some(&owner), None).await;
        if answer.0 != 200 || disabled.elapsed() > Duration::from_secs(1) {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    denied(&answer, 404, "feature_disabled");
    demo(url, &["feature", "enable", "--org", "acme", "organizations:session-replay"]);

    // 6 and 7: only the owner on the allowlist, then the member's team.
    let only_owner =
        json!({"hasGranularReplayPermissions": true, "replayAccessMembers": [1], "replayAccessTeams": []});
    let (status, body) =
        call(base, Method::PUT, "/organizations/acme/", Some(&owner), Some(only_owner)).await;
    assert_eq!((status, &body["replayAccessMembers"]), (200, &json!([1])));
    denied(
        &call(base, Method::GET, "/organizations/acme/replays/", Some(&member), None).await,
        403,
        "not_on_allowlist",
    );
    let team = json!({"replayAccessTeams": [1]});
    assert_eq!(call(base, Method::PUT, "/organizations/acme/", Some(&owner), Some(team)).await.0, 200);
    let (status, body) = call(base, Method::GET, "/organizations/acme/replays/", Some(&member), None).await;
    assert_eq!((status, body["data"].as_array().map(Vec::len)), (200, Some(4)));

    // 8: an unknown route and an undeclared method.
    denied(
        &call(base, Method::GET, "/organizations/acme/nothing-here/", Some(&owner), None).await,
        404,
        "endpoint_not_found",
    );
    denied(
        &call(base, Method::PATCH, "/organizations/acme/", Some(&owner), None).await,
        405,
        "method_not_allowed",
    );
    // A conflict from the database is a 409, not a 500.
    denied(
        &call(base, Method::PUT, "/organizations/acme/", Some(&owner), Some(json!({"slug": "globex"}))).await,
        409,
        "conflict",
    );

    // A restart on the same database: the writes and the credentials are still there.
    app.kill();
    let app = Server::start(url);
    let base = app.base.as_str();
    let (status, body) =
        call(base, Method::GET, "/organizations/acme/dashboards/1/", Some(&member), None).await;
    assert_eq!((status, body["title"].as_str()), (200, Some("Frontend health (v2)")));
    let (status, body) = call(base, Method::GET, "/organizations/acme/", Some(&owner), None).await;
    assert_eq!((status, &body["replayAccessTeams"]), (200, &json!([1])), "{body}");
    drop(app);
}
