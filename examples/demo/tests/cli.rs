//! The `scopegate-demo` binary's commands, run as a user would.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scopegate-demo")).args(args).arg("--db").arg(db).output().unwrap()
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scopegate-demo-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn last_line(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap().lines().last().unwrap().to_owned()
}

#[test]
fn credentials_print_the_secret_last() {
    let db = temp_db("credentials");
    let user = last_line(&demo(
        &db,
        &["token", "create", "--org", "acme", "--user", "member", "--scopes", "org:read"],
    ));
    assert!(user.starts_with("sgu_") && user.len() == 68, "{user}");
    let org =
        last_line(&demo(&db, &["token", "create", "--org", "acme", "--org-token", "--scopes", "org:ci"]));
    assert!(org.starts_with("sgo_"), "{org}");
    let session = last_line(&demo(&db, &["session", "create", "--user", "staff", "--superuser"]));
    assert!(session.starts_with("sgs_"), "{session}");
    let stored = std::fs::read(&db).unwrap();
    let wal = std::fs::read(format!("{}-wal", db.display())).unwrap_or_default();
    for secret in [&user, &org, &session] {
        let needle = secret.as_bytes();
        assert!(
            !stored.windows(needle.len()).chain(wal.windows(needle.len())).any(|w| w == needle),
            "stored in clear"
        );
    }
}

#[test]
fn mistakes_are_reported_not_panicked() {
    let db = temp_db("mistakes");
    for (args, message) in [
        (
            &["token", "create", "--org", "globex", "--user", "member", "--scopes", "org:read"][..],
            "not a member",
        ),
        (&["token", "create", "--org", "acme", "--user", "member", "--scopes", "org:raed"], "unknown scope"),
        (&["token", "create", "--org", "nowhere", "--org-token", "--scopes", "org:ci"], "no organization"),
        (&["session", "create", "--user", "member", "--superuser"], "not a superuser"),
        (&["feature", "enable", "--org", "acme", "Not A Flag"], "feature names"),
    ] {
        let output = demo(&db, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: ") && stderr.contains(message), "{args:?}: {stderr}");
    }
    let output = demo(&db, &["token", "create", "--org", "acme", "--scopes", "org:read"]);
    assert_eq!(output.status.code(), Some(2), "clap: --user or --org-token is required");
}

#[test]
fn a_postgres_url_that_does_not_work_is_a_clear_error() {
    for (db, message) in [
        // Nothing listens on port 1: refused at once, with the driver's reason.
        (
            "postgres://scopegate@127.0.0.1:1/demo",
            "cannot connect to PostgreSQL at postgres://scopegate@127.0.0.1:1/demo",
        ),
        (
            "postgresql://app:s3cret@127.0.0.1:1/demo",
            "postgresql://app:***@127.0.0.1:1/demo: error connecting",
        ),
        ("postgres://127.0.0.1:99999/demo", "invalid connection string"),
    ] {
        for args in [
            &["session", "create", "--user", "owner"][..],
            &["feature", "enable", "--org", "acme", "organizations:session-replay"],
            &["serve", "--addr", "127.0.0.1:0"],
        ] {
            let output = Command::new(env!("CARGO_BIN_EXE_scopegate-demo"))
                .args(args)
                .args(["--db", db])
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(1), "{args:?} {db}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.starts_with("error: ") && stderr.contains(message), "{args:?} {db}: {stderr}");
            assert!(!stderr.contains("s3cret") && !stderr.contains("panicked"), "{stderr}");
        }
    }
}

#[test]
fn sessions_and_user_tokens_are_revoked() {
    use scopegate_demo::store::{DataStore, SqliteStore};
    use scopegate_demo::token::{TokenKind, hash};

    let db = temp_db("revoke");
    let create_session = |user: &str| last_line(&demo(&db, &["session", "create", "--user", user]));
    let (first, second, owner) =
        (create_session("member"), create_session("member"), create_session("owner"));
    let token = last_line(&demo(
        &db,
        &["token", "create", "--org", "acme", "--user", "member", "--scopes", "org:read"],
    ));

    assert_eq!(last_line(&demo(&db, &["session", "revoke", "--secret", &first])), "Revoked the session.");
    assert_eq!(
        last_line(&demo(&db, &["session", "revoke", "--user", "member"])),
        "Revoked 1 session of member."
    );
    assert_eq!(last_line(&demo(&db, &["token", "revoke", "--secret", &token])), "Revoked the user token.");
    assert_eq!(
        last_line(&demo(&db, &["token", "revoke", "--user", "owner"])),
        "Revoked 0 user tokens of owner."
    );
    for (args, message) in [
        (&["session", "revoke", "--secret", &first][..], "no such session"),
        (&["token", "revoke", "--secret", &owner], "not a user token"),
        (&["session", "revoke", "--user", "nobody"], "no user"),
    ] {
        let output = demo(&db, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: ") && stderr.contains(message), "{args:?}: {stderr}");
    }
    for args in [&["session", "revoke"][..], &["token", "revoke", "--user", "member", "--secret", &token]] {
        assert_eq!(demo(&db, args).status.code(), Some(2), "clap: exactly one of --secret and --user");
    }

    let store = SqliteStore::open(&db).unwrap();
    for session in [&first, &second] {
        assert!(store.credential(TokenKind::Session, &hash(session)).unwrap().is_none());
    }
    assert!(store.credential(TokenKind::User, &hash(&token)).unwrap().is_none());
    assert!(store.credential(TokenKind::Session, &hash(&owner)).unwrap().is_some());
}

#[test]
fn features_toggle() {
    let db = temp_db("features");
    let off = demo(&db, &["feature", "disable", "--org", "acme", "organizations:session-replay"]);
    assert_eq!(last_line(&off), "organizations:session-replay is off for acme.");
    let again = demo(&db, &["feature", "disable", "--org", "acme", "organizations:session-replay"]);
    assert!(last_line(&again).ends_with("(it already was)."));
}

#[test]
fn registry_and_audit_are_scopegates() {
    let output = Command::new(env!("CARGO_BIN_EXE_scopegate-demo"))
        .args(["registry", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let dump: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let endpoints = dump["endpoints"].as_array().unwrap();
    assert!(endpoints.len() >= 25);
    let replays: Vec<&serde_json::Value> =
        endpoints.iter().filter(|e| e["path"].as_str().unwrap().contains("/replays/")).collect();
    // Every replay endpoint is gated but the access preview, `gate_exempt`: it serves no replay
    // data, and owners whom the current allowlist leaves out must reach it.
    let exempt = "scopegate_demo::api::replays::replay_access_preview";
    assert!(!replays.is_empty() && replays.iter().all(|e| e["gate"] == "replay" || e["handler"] == exempt));
    assert!(replays.iter().any(|e| e["handler"] == exempt && e["gate"].is_null()));

    let output = Command::new(env!("CARGO_BIN_EXE_scopegate-demo"))
        .args(["registry", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "scopegate's usage errors pass through");

    // OpenAPI knows the base path the API is served under; `--server` overrides it.
    let openapi = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_scopegate-demo"))
            .args(["registry", "--format", "openapi"])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let doc = openapi(&[]);
    assert_eq!(doc["servers"], serde_json::json!([{"url": "/api/0"}]));
    assert_eq!(doc["info"]["title"], "scopegate demo API");
    assert!(doc["paths"].as_object().unwrap().keys().all(|p| !p.starts_with("/api/0")));
    let doc = openapi(&["--server", "https://sentry.example/api/0"]);
    assert_eq!(doc["servers"], serde_json::json!([{"url": "https://sentry.example/api/0"}]));
}
