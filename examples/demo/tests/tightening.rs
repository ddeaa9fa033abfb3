//! Paying the debt down, end to end over HTTP, on SQLite and (when configured) PostgreSQL: the
//! walk-through of the README's "Paying the debt down", run with the real `scopegate-demo` binary.
//!
//! A read-only token creates a dashboard through the read-only exception — answered with
//! `Deprecation` and `Sunset`, which a request that meets the plan does not get; `serve` drains
//! what it recorded into the rollups (every second and at a graceful shutdown), and
//! `tighten-report` names that token's user as whom removing the exception would break, while an
//! exception nobody used is `safe`. Members use the replay area, and the access preview (the API
//! and `gate-preview`) lists the one a proposed allowlist would lock out. `/metrics` on the metrics
//! address counts the decisions.

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::Server;
use common::stores::{PgDatabase, TempDir, required_postgres_server};
use reqwest::Method;
use serde_json::{Value, json};

const HANDLER: &str = "scopegate_demo::api::dashboards::create_dashboard";

fn run(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scopegate-demo")).args(args).args(["--db", db]).output().unwrap()
}

/// A CLI command that must succeed: its standard output.
fn demo(db: &str, args: &[&str]) -> String {
    let output = run(db, args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A CLI command that must fail cleanly: its error message.
fn refused(db: &str, args: &[&str]) -> String {
    let output = run(db, args);
    assert_eq!(output.status.code(), Some(1), "{args:?} should fail");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    stderr
}

fn secret(db: &str, args: &[&str]) -> String {
    demo(db, args).lines().last().unwrap().to_owned()
}

async fn call(
    http: &reqwest::Client,
    url: &str,
    method: Method,
    auth: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http.request(method, url).header("authorization", auth);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The walk-through on the database `db` (a SQLite file or a PostgreSQL URL).
async fn walk_through(db: &str) {
    let owner = format!("Session {}", secret(db, &["session", "create", "--user", "owner"]));
    let member = format!("Session {}", secret(db, &["session", "create", "--user", "member"]));
    let admin = format!("Session {}", secret(db, &["session", "create", "--user", "admin"]));
    // The owner's (user 1) token with only org:read: its effective scopes are org:read.
    let read_only = format!(
        "Bearer {}",
        secret(db, &["token", "create", "--org", "acme", "--user", "owner", "--scopes", "org:read"])
    );
    let app = Server::start_with(db, &["--metrics-addr", "127.0.0.1:0"]);
    let base = app.base.clone();
    let http = reqwest::Client::new();
    let dashboards = format!("{base}/organizations/acme/dashboards/");

    // The read-only token gets in through the exception, and is told it ends.
    let (status, headers, body) =
        call(&http, &dashboards, Method::POST, &read_only, Some(json!({"title": "Read-only made"}))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(headers["deprecation"], "@1814313600", "RFC 9745: the sunset date, 2027-06-30");
    assert_eq!(headers["sunset"], "Wed, 30 Jun 2027 00:00:00 GMT");
    // The owner's session holds org:admin: it meets the plan, and is told nothing.
    let (status, headers, _) =
        call(&http, &dashboards, Method::POST, &owner, Some(json!({"title": "Owner made"}))).await;
    assert_eq!(status, 201);
    assert!(!headers.contains_key("deprecation") && !headers.contains_key("sunset"), "{headers:?}");

    // Two members use the replay area.
    for who in [&member, &admin] {
        let (status, _, _) =
            call(&http, &format!("{base}/organizations/acme/replays/"), Method::GET, who, None).await;
        assert_eq!(status, 200);
    }
    // Only owners preview (org:admin); the preview is answered whatever the allowlist says. The
    // uses are written in the background: wait for both.
    let preview_url =
        format!("{base}/organizations/acme/replays/access-preview/?granular=true&users=1&teams=2");
    let started = Instant::now();
    let preview = loop {
        let (status, _, body) = call(&http, &preview_url, Method::GET, &owner, None).await;
        assert_eq!(status, 200, "{body}");
        if body["usedBy"] == 2 || started.elapsed() > Duration::from_secs(10) {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(preview["usedBy"], 2, "{preview}");
    assert_eq!(
        preview["proposed"],
        json!({"hasGranularReplayPermissions": true, "replayAccessMembers": [1], "replayAccessTeams": [2]})
    );
    // The admin is on team 2 (backend) and keeps access; the member is not on the allowlist.
    let losing = preview["losingAccess"].as_array().unwrap();
    assert_eq!(losing.len(), 1, "{preview}");
    assert_eq!((&losing[0]["id"], &losing[0]["username"]), (&json!(3), &json!("member")));
    assert_eq!(losing[0]["reason"], "not_on_allowlist");
    let (status, _, body) = call(&http, &preview_url, Method::GET, &member, None).await;
    assert_eq!((status, &body["error"]), (403, &json!("missing_scope")));
    for bad in ["users=1,abc", "granular=maybe", "since=0d", "teams=99", "users=4", "colour=red"] {
        let url = format!("{base}/organizations/acme/replays/access-preview/?{bad}");
        let (status, _, body) = call(&http, &url, Method::GET, &owner, None).await;
        assert_eq!((status, &body["error"]), (400, &json!("invalid_request")), "{bad}: {body}");
    }

    // The metrics listener counts the decisions, without credentials; the would-break counter
    // follows the drain (every second).
    let metrics_url = app.metrics.clone().expect("serve printed its metrics address");
    let started = Instant::now();
    let metrics = loop {
        let text = http.get(&metrics_url).send().await.unwrap().text().await.unwrap();
        let drained = text.lines().any(|l| {
            l.starts_with("scopegate_would_break_total{") && l.contains(HANDLER) && l.ends_with(" 1")
        });
        if drained || started.elapsed() > Duration::from_secs(10) {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let decisions: Vec<&str> =
        metrics.lines().filter(|l| l.starts_with("scopegate_decisions_total{")).collect();
    assert!(
        decisions
            .iter()
            .any(|l| l.contains(HANDLER) && l.contains(r#"outcome="allow""#) && l.ends_with(" 2")),
        "{metrics}"
    );
    assert!(decisions.iter().any(|l| l.contains(r#"reason="missing_scope""#)), "{metrics}");
    assert!(
        metrics.lines().any(|l| l.starts_with("scopegate_would_break_total{")
            && l.contains(HANDLER)
            && l.ends_with(" 1")),
        "{metrics}"
    );

    // Once more through the exception, then a graceful shutdown: its last drain keeps it.
    let (status, _, _) =
        call(&http, &dashboards, Method::POST, &read_only, Some(json!({"title": "Just before"}))).await;
    assert_eq!(status, 201);
    assert!(app.terminate(), "serve exits 0 on SIGTERM");

    let report: Value = serde_json::from_str(&demo(db, &["tighten-report", "--since", "7d"])).unwrap();
    let plans = report["plans"].as_array().unwrap();
    let plan = |handler: &str, method: &str| {
        plans
            .iter()
            .find(|p| p["handler"] == handler && p["method"] == method)
            .unwrap_or_else(|| panic!("{handler}"))
    };
    let create = plan(HANDLER, "POST");
    assert_eq!(create["verdict"], "would_break", "{create}");
    assert_eq!(create["requests"], 2);
    assert_eq!(create["principals"], 1);
    assert_eq!(
        create["top_principals"],
        json!([{"kind": "user_token", "id": "1", "requests": 2, "last_seen": create["last_seen"]}])
    );
    assert_eq!(
        (&create["organizations"], &create["planned_scopes"]),
        (&json!(1), &json!(["org:write", "org:admin"]))
    );
    let join = plan("scopegate_demo::api::members::join_team", "POST");
    assert_eq!((&join["verdict"], &join["requests"]), (&json!("safe"), &json!(0)), "{join}");
    assert_eq!(join["planned_scopes"], json!(["team:write"]));
    assert!(plans.iter().filter(|p| p["handler"] != HANDLER).all(|p| p["verdict"] == "safe"), "{report}");

    let markdown = demo(db, &["tighten-report", "--format", "markdown"]);
    let section = markdown
        .split("\n### ")
        .find(|s| s.starts_with("`POST` `/organizations/{organization_id_or_slug}/dashboards/`"))
        .unwrap_or_else(|| panic!("no section for creating a dashboard: {markdown}"));
    assert!(section.contains("Verdict: **would break**"), "{section}");
    assert!(section.contains("| `user_token` | `1` | 2 |"), "{section}");

    let preview: Value = serde_json::from_str(&demo(
        db,
        &["gate-preview", "--org", "acme", "--granular", "--users", "1", "--teams", "2"],
    ))
    .unwrap();
    assert_eq!(
        preview["losingAccess"].as_array().map(|l| l.iter().map(|u| u["id"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(3)])
    );
    // Without a proposal nothing changes, and nobody loses anything.
    let unchanged: Value = serde_json::from_str(&demo(db, &["gate-preview", "--org", "1"])).unwrap();
    assert_eq!((&unchanged["usedBy"], &unchanged["losingAccess"]), (&json!(2), &json!([])));

    assert!(refused(db, &["tighten-report", "--since", "365d"]).contains("90 days"));
    if !db.starts_with("postgres") {
        let missing = format!("{db}.missing");
        let error = refused(&missing, &["tighten-report"]);
        assert!(error.contains("no such database"), "{error}");
        assert!(!std::path::Path::new(&missing).exists(), "a report creates no database");
    }
    assert!(refused(db, &["gate-preview", "--org", "nowhere"]).contains("no organization"));
    assert!(refused(db, &["gate-preview", "--org", "acme", "--teams", "1,x"]).contains("--teams"));
    assert!(refused(db, &["gate-preview", "--org", "acme", "--users", "4"]).contains("not members"));
}

#[tokio::test]
async fn the_walk_through_on_sqlite() {
    let dir = TempDir::new("tightening");
    walk_through(dir.0.join("demo.sqlite3").to_str().unwrap()).await;
}

#[tokio::test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
async fn the_walk_through_on_postgres() {
    let server = required_postgres_server();
    let db = PgDatabase::create(&server);
    walk_through(&db.url).await;
}

/// Only members count as users of the replay area: a request that was allowed, to a gated
/// endpoint, by a session or user token of a member of the organization. Not an active
/// superuser or an organization token (they bypass the allowlists, so a preview has nothing to
/// tell about them), not a denied request, not the (ungated) preview itself.
#[tokio::test]
async fn only_members_allowed_into_the_area_count_as_its_users() {
    use std::sync::Arc;

    use scopegate::{Date, Registry};
    use scopegate_demo::model::OrganizationUpdate;
    use scopegate_demo::store::{DataStore, OrganizationWrites, SqliteStore};
    use scopegate_demo::{AppState, admin, service};

    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let state = AppState::with_registry(store.clone(), Registry::global());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, service(state)).await.unwrap() });
    let session = |user: &str, superuser: bool| {
        format!("Session {}", admin::create_session(&*store, user, superuser).unwrap().as_str())
    };
    let (member, admin_user, owner, staff) =
        (session("member", false), session("admin", false), session("owner", false), session("staff", true));
    let org_token = format!(
        "Bearer {}",
        admin::create_org_token(&*store, Registry::global(), "acme", "org:read,event:read").unwrap().as_str()
    );
    let http = reqwest::Client::new();
    let replays = format!("{base}/organizations/acme/replays/");

    // Granular access on, with only the owner allowed: the admin is refused.
    let only_owner = OrganizationUpdate {
        granular_replay: Some(true),
        replay_access_members: Some(vec![1]),
        ..OrganizationUpdate::default()
    };
    store.update_organization(1, &only_owner).unwrap();
    for (who, expected) in [(&admin_user, 403), (&staff, 200), (&org_token, 200), (&owner, 200)] {
        let (status, _, body) = call(&http, &replays, Method::GET, who, None).await;
        assert_eq!(status, expected, "{body}");
    }
    let preview = format!("{base}/organizations/acme/replays/access-preview/");
    assert_eq!(call(&http, &preview, Method::GET, &owner, None).await.0, 200);
    // The member is refused too, then allowed once on the list.
    assert_eq!(call(&http, &replays, Method::GET, &member, None).await.0, 403);
    let with_member =
        OrganizationUpdate { replay_access_members: Some(vec![1, 3]), ..OrganizationUpdate::default() };
    store.update_organization(1, &with_member).unwrap();
    assert_eq!(call(&http, &replays, Method::GET, &member, None).await.0, 200);

    let started = Instant::now();
    let users = loop {
        let users: Vec<i64> =
            store.gate_users_since(1, "replay", Date::today()).unwrap().iter().map(|u| u.user_id).collect();
        if users.len() >= 2 || started.elapsed() > Duration::from_secs(10) {
            break users;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Give a wrongly recorded use the time to land too.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again: Vec<i64> =
        store.gate_users_since(1, "replay", Date::today()).unwrap().iter().map(|u| u.user_id).collect();
    assert_eq!((users, again), (vec![1, 3], vec![1, 3]), "the owner and the member, no one else");
}
