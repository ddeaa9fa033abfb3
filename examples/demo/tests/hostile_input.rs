//! Hostile input on every available backend: identifiers and text fields with NUL or other
//! control characters are refused with a 4xx (400 for a field, "no such …" for an identifier, 401
//! before anything for a request without credentials), never a 5xx. PostgreSQL cannot store a NUL
//! in text; before the fix a NUL in an organization slug answered 500 to anyone, before the 401.
//!
//! * `the_reported_cases_are_refused_cleanly`: the cases of the report, one by one.
//! * `no_field_with_arbitrary_bytes_gets_a_5xx`: a property test (proptest) over path parameters,
//!   the `?project=` query and the JSON fields of every body, each arbitrary bytes or text
//!   (percent-encoded in the URL), with and without credentials, against both stores.

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use std::sync::Arc;

use common::stores::{TestStore, off_runtime, stores};
use percent_encoding::{NON_ALPHANUMERIC, percent_encode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use scopegate::Registry;
use scopegate_demo::{AppState, admin};
use serde_json::{Value, json};

/// One backend served in-process, with the owner's session.
struct Target {
    backend: &'static str,
    base: String,
    owner: String,
    _store: TestStore,
}

async fn serve(test: TestStore) -> Target {
    let store = Arc::clone(&test.store);
    let owner = off_runtime(|| admin::create_session(&*store, "owner", false)).unwrap();
    let service = scopegate_demo::service(AppState::with_registry(store, Registry::global()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    Target { backend: test.backend, base, owner: format!("Session {}", owner.as_str()), _store: test }
}

async fn send(
    http: &reqwest::Client,
    target: &Target,
    method: Method,
    path: &str,
    auth: bool,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = http.request(method, format!("{}{path}", target.base));
    if auth {
        request = request.header("authorization", &target.owner);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reported_cases_are_refused_cleanly() {
    let http = reqwest::Client::new();
    for test in off_runtime(stores) {
        let t = serve(test).await;
        let nul = "a\u{0}b";
        let cases: [(Method, &str, bool, Option<Value>, u16); 13] = [
            (Method::GET, "/organizations/%00/", false, None, 401),
            // No such organization: as for any unknown slug, nobody holds a scope there.
            (Method::GET, "/organizations/%00/", true, None, 403),
            (Method::GET, "/organizations/ac%00me/members/", true, None, 403),
            (Method::GET, "/organizations/acme/replays/?project=%00", true, None, 400),
            (Method::GET, "/projects/acme/%00/", true, None, 404),
            (Method::POST, "/organizations/acme/members/me/teams/%00/", true, None, 404),
            (Method::POST, "/organizations/acme/dashboards/", true, Some(json!({"title": nul})), 400),
            (
                Method::POST,
                "/organizations/acme/searches/",
                true,
                Some(json!({"name": nul, "query": "x"})),
                400,
            ),
            (
                Method::POST,
                "/organizations/acme/searches/",
                true,
                Some(json!({"name": "x", "query": nul})),
                400,
            ),
            (Method::POST, "/organizations/acme/org-auth-tokens/", true, Some(json!({"name": nul})), 400),
            (Method::PUT, "/organizations/acme/", true, Some(json!({"name": nul})), 400),
            (
                Method::POST,
                "/projects/acme/web/replays/jobs/delete/",
                true,
                Some(
                    json!({"rangeStart": "2025-01-01T00:00:00Z", "rangeEnd": "2026-01-01T00:00:00Z", "environments": [nul]}),
                ),
                400,
            ),
            (
                Method::POST,
                "/projects/acme/web/replays/jobs/delete/",
                true,
                Some(json!({"rangeStart": "2025-01-01\u{0}", "rangeEnd": "2026-01-01T00:00:00Z"})),
                400,
            ),
        ];
        for (method, path, auth, body, expected) in cases {
            let (status, answer) = send(&http, &t, method.clone(), path, auth, body.as_ref()).await;
            assert_eq!(status, expected, "{}: {method} {path} {body:?}: {answer}", t.backend);
        }
        // A NUL inside JSON that is stored as JSON (a widget) is kept as it was sent.
        let widgets = json!([{"title": nul, "displayType": "line", "query": ""}]);
        let (status, answer) = send(
            &http,
            &t,
            Method::POST,
            "/organizations/acme/dashboards/",
            true,
            Some(&json!({"title": "ok", "widgets": widgets})),
        )
        .await;
        assert!(status == 201 || status == 400, "{}: widget with a NUL: {status} {answer}", t.backend);
    }
}

/// A parameter: a seeded name or arbitrary bytes.
fn param(seeded: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![2 => Just(seeded.as_bytes().to_vec()), 1 => proptest::collection::vec(any::<u8>(), 0..8)]
}

/// A JSON text field: ordinary text, or text with control characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{1,8}",
        proptest::collection::vec(
            prop_oneof![Just('\u{0}'), Just('\n'), Just('\u{1b}'), any::<char>()],
            0..8
        )
        .prop_map(|chars| chars.into_iter().collect::<String>()),
    ]
}

#[derive(Clone, Debug)]
struct Case {
    endpoint: usize,
    org: Vec<u8>,
    second: Vec<u8>,
    third: Vec<u8>,
    fields: Vec<String>,
    auth: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ENDPOINTS,
        param("acme"),
        param("web"),
        param("frontend"),
        proptest::collection::vec(text(), 3),
        proptest::bool::weighted(0.8),
    )
        .prop_map(|(endpoint, org, second, third, fields, auth)| Case {
            endpoint,
            org,
            second,
            third,
            fields,
            auth,
        })
}

const ENDPOINTS: usize = 12;

/// The request of `case`: every parameter percent-encoded from its bytes.
fn request(case: &Case) -> (Method, String, Option<Value>) {
    let enc = |bytes: &[u8]| percent_encode(bytes, NON_ALPHANUMERIC).to_string();
    let (org, second, third) = (enc(&case.org), enc(&case.second), enc(&case.third));
    let f = &case.fields;
    match case.endpoint {
        0 => (Method::GET, format!("/organizations/{org}/"), None),
        1 => (Method::PUT, format!("/organizations/{org}/"), Some(json!({"name": f[0]}))),
        2 => (Method::GET, format!("/organizations/{org}/replays/?project={second}"), None),
        3 => (Method::GET, format!("/projects/{org}/{second}/"), None),
        4 => (Method::POST, format!("/organizations/{org}/members/me/teams/{third}/"), None),
        5 => (
            Method::POST,
            format!("/organizations/{org}/dashboards/"),
            Some(json!({"title": f[0], "widgets": [{"title": f[1]}]})),
        ),
        6 => (
            Method::POST,
            format!("/organizations/{org}/searches/"),
            Some(json!({"name": f[0], "query": f[1]})),
        ),
        7 => (Method::POST, format!("/organizations/{org}/org-auth-tokens/"), Some(json!({"name": f[0]}))),
        8 => (Method::GET, format!("/projects/{org}/{second}/replays/{third}/"), None),
        9 => (
            Method::POST,
            format!("/projects/{org}/{second}/replays/jobs/delete/"),
            Some(json!({"rangeStart": f[0], "rangeEnd": "2030-01-01T00:00:00Z", "environments": [f[1]]})),
        ),
        10 => (Method::DELETE, format!("/organizations/{org}/members/{second}/teams/{third}/"), None),
        _ => (Method::GET, format!("/organizations/{org}/dashboards/{second}/"), None),
    }
}

#[test]
fn no_field_with_arbitrary_bytes_gets_a_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let targets: Vec<Target> = stores().into_iter().map(|test| runtime.block_on(serve(test))).collect();
    let http = reqwest::Client::new();
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new());
    let result = runner.run(&case(), |case| {
        let (method, path, body) = request(&case);
        for target in &targets {
            let (status, answer) =
                runtime.block_on(send(&http, target, method.clone(), &path, case.auth, body.as_ref()));
            *statuses.lock().unwrap().entry(status).or_default() += 1;
            prop_assert!(status < 500, "{}: {method} {path} {body:?}: {status} {answer}", target.backend);
        }
        Ok(())
    });
    eprintln!("statuses over {} backends: {:?}", targets.len(), statuses.lock().unwrap());
    if let Err(e) = result {
        panic!("{e}");
    }
}
