//! Sessions end: over HTTP, on every available backend (see `common/stores.rs`), a caller revokes
//! the credential they present (`DELETE /auth/`) or every session of their user
//! (`DELETE /users/me/sessions/`), and the next request with a revoked credential is 401; sessions
//! expire when idle or old (active superuser sessions after minutes), and each use renews the idle
//! timeout.

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use std::sync::Arc;
use std::time::Duration;

use common::stores::{TestStore, off_runtime, stores};
use reqwest::Method;
use scopegate::Registry;
use scopegate_demo::model::Credential;
use scopegate_demo::store::{
    SESSION_IDLE_TIMEOUT, SESSION_TOUCH_INTERVAL, SUPERUSER_SESSION_LIFETIME, Store,
};
use scopegate_demo::token::{Secret, TokenKind};
use scopegate_demo::{AppState, admin, service};
use serde_json::{Value, json};

struct Demo {
    base: String,
    store: Arc<dyn Store>,
    client: reqwest::Client,
}

impl Demo {
    async fn start(test: &TestStore) -> Demo {
        let state = AppState::with_registry(test.store.clone(), Registry::global());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, service(state)).await.unwrap() });
        Demo {
            base: format!("http://{addr}/api/0"),
            store: Arc::clone(&test.store),
            client: reqwest::Client::new(),
        }
    }

    /// Runs `f` on the store off the async runtime (the PostgreSQL client must not run on it).
    fn with_store<T: Send>(&self, f: impl FnOnce(&dyn Store) -> T + Send) -> T {
        let store = Arc::clone(&self.store);
        off_runtime(move || f(&*store))
    }

    fn session(&self, user: &str, superuser: bool) -> Secret {
        self.with_store(|s| admin::create_session(s, user, superuser).unwrap())
    }

    fn user_token(&self, user: &str) -> Secret {
        self.with_store(|s| {
            admin::create_user_token(s, Registry::global(), "acme", user, "org:read").unwrap()
        })
    }

    async fn call(&self, method: Method, path: &str, auth: Option<&str>) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
    }

    /// The status of `GET /organizations/acme/` with `auth`.
    async fn acme(&self, auth: &str) -> u16 {
        self.call(Method::GET, "/organizations/acme/", Some(auth)).await.0
    }
}

fn session_header(secret: &Secret) -> String {
    format!("Session {}", secret.as_str())
}

fn bearer(secret: &Secret) -> String {
    format!("Bearer {}", secret.as_str())
}

#[track_caller]
fn denied(result: &(u16, Value), status: u16, code: &str) {
    assert_eq!((result.0, result.1["error"].as_str()), (status, Some(code)), "{:?}", result.1);
}

async fn revocations(test: &TestStore) {
    let demo = Demo::start(test).await;
    let (s1, s2) = (demo.session("member", false), demo.session("member", false));
    let owner = demo.session("owner", false);
    let token = demo.user_token("member");
    let org_token =
        demo.with_store(|s| admin::create_org_token(s, Registry::global(), "acme", "org:read").unwrap());
    for auth in [session_header(&s1), session_header(&s2), bearer(&token), bearer(&org_token)] {
        assert_eq!(demo.acme(&auth).await, 200);
    }

    // Signing out: the presented user token, then it is refused.
    assert_eq!(demo.call(Method::DELETE, "/auth/", Some(&bearer(&token))).await.0, 204);
    denied(
        &demo.call(Method::GET, "/organizations/acme/", Some(&bearer(&token))).await,
        401,
        "invalid_credentials",
    );
    denied(&demo.call(Method::DELETE, "/auth/", None).await, 401, "no_credentials");
    // An organization token is deleted through its organization, not here.
    denied(&demo.call(Method::DELETE, "/auth/", Some(&bearer(&org_token))).await, 400, "invalid_request");
    assert_eq!(demo.acme(&bearer(&org_token)).await, 200);

    // Signing out everywhere takes a session, not a token; it ends every session of the user only.
    let other_token = bearer(&demo.user_token("member"));
    denied(
        &demo.call(Method::DELETE, "/users/me/sessions/", Some(&other_token)).await,
        403,
        "session_required",
    );
    let (status, body) = demo.call(Method::DELETE, "/users/me/sessions/", Some(&session_header(&s1))).await;
    assert_eq!((status, &body), (200, &json!({"revoked": 2})));
    for session in [&s1, &s2] {
        denied(
            &demo.call(Method::GET, "/organizations/acme/", Some(&session_header(session))).await,
            401,
            "invalid_credentials",
        );
    }
    assert_eq!(demo.acme(&session_header(&owner)).await, 200, "other users keep their sessions");
    assert_eq!(demo.acme(&other_token).await, 200, "tokens are not sessions");
    assert_eq!(demo.call(Method::DELETE, "/auth/", Some(&session_header(&owner))).await.0, 204);
    assert_eq!(demo.acme(&session_header(&owner)).await, 401);
}

async fn expiry(test: &TestStore) {
    let demo = Demo::start(test).await;
    let member = demo.session("member", false);
    let hash = member.hash();
    let needs_touch = |demo: &Demo, hash: String| {
        demo.with_store(move |s| match s.credential(TokenKind::Session, &hash).unwrap() {
            Some(Credential::Session { needs_touch, .. }) => Some(needs_touch),
            _ => None,
        })
    };
    // A request records the use of a session last used a while ago, renewing its idle timeout.
    test.backdate_session(&hash, 2 * SESSION_TOUCH_INTERVAL, 2 * SESSION_TOUCH_INTERVAL);
    assert_eq!(needs_touch(&demo, hash.clone()), Some(true));
    assert_eq!(demo.acme(&session_header(&member)).await, 200);
    assert_eq!(needs_touch(&demo, hash.clone()), Some(false), "the request recorded its use");
    // Idle too long: refused.
    test.backdate_session(
        &hash,
        SESSION_IDLE_TIMEOUT + SESSION_TOUCH_INTERVAL,
        SESSION_IDLE_TIMEOUT + SESSION_TOUCH_INTERVAL,
    );
    denied(
        &demo.call(Method::GET, "/organizations/acme/", Some(&session_header(&member))).await,
        401,
        "invalid_credentials",
    );
    // An active superuser session is refused after minutes.
    let staff = demo.session("staff", true);
    assert_eq!(demo.acme(&session_header(&staff)).await, 200);
    test.backdate_session(
        &staff.hash(),
        SUPERUSER_SESSION_LIFETIME + Duration::from_secs(60),
        Duration::ZERO,
    );
    denied(
        &demo.call(Method::GET, "/organizations/acme/", Some(&session_header(&staff))).await,
        401,
        "invalid_credentials",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_revoked_over_http() {
    for test in stores() {
        eprintln!("backend: {}", test.backend);
        revocations(&test).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_over_http() {
    for test in stores() {
        eprintln!("backend: {}", test.backend);
        expiry(&test).await;
    }
}
