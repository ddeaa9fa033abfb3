//! End to end: the demo service on 127.0.0.1:0 with a fresh seeded database, driven over HTTP.
//! Covers every row of the README's matrix, the owner's view of every read endpoint, and the
//! handlers' object-level rules.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use reqwest::Method;
use scopegate::Registry;
use scopegate_demo::store::SqliteStore;
use scopegate_demo::{AppState, admin, service};
use serde_json::{Value, json};

const REPLAY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

struct Demo {
    base: String,
    store: Arc<SqliteStore>,
    client: reqwest::Client,
}

impl Demo {
    async fn start() -> Demo {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let state = AppState::with_registry(store.clone(), Registry::global());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, service(state)).await.unwrap() });
        Demo { base: format!("http://{addr}/api/0"), store, client: reqwest::Client::new() }
    }

    fn session(&self, user: &str) -> String {
        format!("Session {}", admin::create_session(&*self.store, user, false).unwrap().as_str())
    }

    fn user_token(&self, org: &str, user: &str, scopes: &str) -> String {
        let secret = admin::create_user_token(&*self.store, Registry::global(), org, user, scopes).unwrap();
        format!("Bearer {}", secret.as_str())
    }

    fn org_token(&self, org: &str, scopes: &str) -> String {
        format!(
            "Bearer {}",
            admin::create_org_token(&*self.store, Registry::global(), org, scopes).unwrap().as_str()
        )
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
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

    async fn get(&self, path: &str, auth: Option<&str>) -> (u16, Value) {
        self.call(Method::GET, path, auth, None).await
    }

    async fn raw(&self, method: Method, path: &str, auth: Option<&str>) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send().await.unwrap()
    }
}

#[track_caller]
fn denied(result: &(u16, Value), status: u16, code: &str) {
    assert_eq!((result.0, result.1["error"].as_str()), (status, Some(code)), "{:?}", result.1);
}

#[tokio::test]
async fn readme_matrix() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");
    let member = demo.session("member");

    // 401 without credentials, and for a token nobody issued.
    denied(&demo.get("/organizations/acme/", None).await, 401, "no_credentials");
    denied(&demo.get("/organizations/acme/", Some("Bearer sgu_0000")).await, 401, "invalid_credentials");

    // 403: a member lacks org:write.
    let rename = Some(json!({"name": "Acme by Mia"}));
    denied(
        &demo.call(Method::PUT, "/organizations/acme/", Some(&member), rename.clone()).await,
        403,
        "missing_scope",
    );

    // 403: the owner's read-only token may not mutate, although the owner may.
    let read_only = demo.user_token("acme", "owner", "org:read,project:read,event:read");
    assert_eq!(demo.get("/organizations/acme/", Some(&read_only)).await.0, 200);
    denied(
        &demo.call(Method::PUT, "/organizations/acme/", Some(&read_only), rename).await,
        403,
        "missing_scope",
    );

    // 200 on the justified exception: a member edits the dashboard they created (org:read only)…
    let edit = Some(json!({"title": "Frontend health (v2)"}));
    let (status, body) =
        demo.call(Method::PUT, "/organizations/acme/dashboards/1/", Some(&member), edit.clone()).await;
    assert_eq!((status, body["title"].as_str()), (200, Some("Frontend health (v2)")));
    // …but not the owner's: the handler's creator rule.
    denied(
        &demo.call(Method::PUT, "/organizations/acme/dashboards/2/", Some(&member), edit).await,
        403,
        "not_dashboard_creator",
    );

    // 404 when the organization lacks the replay feature.
    admin::set_feature(&*demo.store, "acme", "organizations:session-replay", false).unwrap();
    denied(&demo.get("/organizations/acme/replays/", Some(&owner)).await, 404, "feature_disabled");
    admin::set_feature(&*demo.store, "acme", "organizations:session-replay", true).unwrap();
    assert_eq!(demo.get("/organizations/acme/replays/", Some(&member)).await.0, 200);

    // Granular replay access: only the owner is allowlisted, so the member is refused.
    let only_owner =
        json!({"hasGranularReplayPermissions": true, "replayAccessMembers": [1], "replayAccessTeams": []});
    let (status, body) = demo.call(Method::PUT, "/organizations/acme/", Some(&owner), Some(only_owner)).await;
    assert_eq!((status, &body["replayAccessMembers"]), (200, &json!([1])));
    assert_eq!(demo.get("/organizations/acme/replays/", Some(&owner)).await.0, 200);
    denied(&demo.get("/organizations/acme/replays/", Some(&member)).await, 403, "not_on_allowlist");

    // 200 via a team grant: the member belongs to `frontend` (team 1).
    let team = json!({"replayAccessTeams": [1]});
    assert_eq!(demo.call(Method::PUT, "/organizations/acme/", Some(&owner), Some(team)).await.0, 200);
    let (status, body) = demo.get("/organizations/acme/replays/", Some(&member)).await;
    assert_eq!((status, body["data"].as_array().map(Vec::len)), (200, Some(4)));

    // 404 for a route that does not exist, 405 for a method a registered path does not declare.
    denied(&demo.get("/organizations/acme/nothing-here/", Some(&owner)).await, 404, "endpoint_not_found");
    denied(
        &demo.call(Method::PATCH, "/organizations/acme/", Some(&owner), None).await,
        405,
        "method_not_allowed",
    );

    // Cross-organization: a member of acme only, and an acme organization token, in globex.
    denied(&demo.get("/organizations/globex/", Some(&member)).await, 403, "no_membership");
    let ci = demo.org_token("acme", "org:read");
    assert_eq!(demo.get("/organizations/acme/", Some(&ci)).await.0, 200);
    denied(&demo.get("/organizations/globex/", Some(&ci)).await, 403, "wrong_organization");
    // A user token bound to acme holds nothing in globex, even for a user who is a member there.
    let gina = demo.user_token("globex", "gina", "org:read");
    assert_eq!(demo.get("/organizations/globex/", Some(&gina)).await.0, 200);
    denied(&demo.get("/organizations/acme/", Some(&gina)).await, 403, "no_membership");
}

#[tokio::test]
async fn replay_gate_bypasses_and_empty_allowlist() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");
    let lockdown =
        json!({"hasGranularReplayPermissions": true, "replayAccessMembers": [], "replayAccessTeams": []});
    assert_eq!(demo.call(Method::PUT, "/organizations/acme/", Some(&owner), Some(lockdown)).await.0, 200);
    let details = format!("/projects/acme/web/replays/{REPLAY}/");

    // Granular mode with empty allowlists shuts everyone out, the owner included.
    denied(&demo.get(&details, Some(&owner)).await, 403, "empty_allowlist");
    // An organization token holding event:read bypasses the allowlists, as in Sentry…
    let integration = demo.org_token("acme", "project:read,event:read");
    assert_eq!(demo.get(&details, Some(&integration)).await.0, 200);
    // …one without it is no member, so it is refused before the allowlists are even read.
    denied(&demo.get(&details, Some(&demo.org_token("acme", "project:read"))).await, 403, "not_a_member");
    // So does an active superuser session, which needs no membership.
    let staff = format!("Session {}", admin::create_session(&*demo.store, "staff", true).unwrap().as_str());
    let (status, body) = demo.get(&details, Some(&staff)).await;
    assert_eq!((status, body["data"]["id"].as_str()), (200, Some(REPLAY)));
    // A plain session of the same superuser is just a non-member.
    denied(&demo.get(&details, Some(&demo.session("staff"))).await, 403, "no_membership");
}

#[tokio::test]
async fn owner_reads_every_read_endpoint() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");
    let (status, root) = demo.get("/", Some(&owner)).await;
    assert_eq!(
        (status, root["auth"].as_str(), root["user"]["username"].as_str()),
        (200, Some("session"), Some("owner"))
    );

    let (_, org) = demo.get("/organizations/1/", Some(&owner)).await;
    assert_eq!(org["slug"], "acme", "organizations are addressed by id or slug");
    assert!(org["access"].as_array().unwrap().contains(&json!("org:admin")));

    let reads = [
        "/organizations/acme/members/",
        "/organizations/acme/teams/",
        "/organizations/acme/projects/",
        "/projects/acme/web/",
        "/organizations/acme/dashboards/",
        "/organizations/acme/dashboards/1/",
        "/organizations/acme/searches/",
        "/organizations/acme/org-auth-tokens/",
        "/organizations/acme/replays/?project=web",
        &format!("/organizations/acme/replays/{REPLAY}/"),
        &format!("/projects/acme/web/replays/{REPLAY}/"),
        &format!("/projects/acme/web/replays/{REPLAY}/recording-segments/"),
        &format!("/projects/acme/web/replays/{REPLAY}/recording-segments/2/"),
        &format!("/projects/acme/web/replays/{REPLAY}/viewed-by/"),
        "/projects/acme/web/replays/jobs/delete/",
    ];
    for path in reads {
        let (status, body) = demo.get(path, Some(&owner)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, members) = demo.get("/organizations/acme/members/", Some(&owner)).await;
    assert_eq!(members[2]["teams"], json!(["frontend"]));
    let (_, segments) =
        demo.get(&format!("/projects/acme/web/replays/{REPLAY}/recording-segments/"), Some(&owner)).await;
    assert_eq!(segments["data"].as_array().map(Vec::len), Some(3));
    let (_, web) = demo.get("/organizations/acme/replays/?project=web", Some(&owner)).await;
    assert_eq!(web["data"].as_array().map(Vec::len), Some(3));
    // The UUID form of a replay id is accepted.
    let dashed = "/projects/acme/web/replays/A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90/";
    assert_eq!(demo.get(dashed, Some(&owner)).await.0, 200);

    // Objects that do not exist here are 404 from the handlers.
    for path in [
        "/projects/acme/web/replays/00000000000000000000000000000000/".to_owned(),
        "/projects/acme/web/replays/not-a-replay/".to_owned(),
        "/projects/acme/shop/".to_owned(),
        "/projects/acme/api/replays/a1b2c3d4e5f60718293a4b5c6d7e8f90/".to_owned(),
        format!("/projects/acme/web/replays/{REPLAY}/recording-segments/9/"),
        "/organizations/acme/dashboards/3/".to_owned(),
        "/organizations/acme/dashboards/x/".to_owned(),
        "/projects/acme/web/replays/jobs/delete/1/".to_owned(),
    ] {
        denied(&demo.get(&path, Some(&owner)).await, 404, "not_found");
    }
    // An organization that does not exist is refused like one you are not in.
    denied(&demo.get("/organizations/initech/", Some(&owner)).await, 403, "no_membership");
    let staff = format!("Session {}", admin::create_session(&*demo.store, "staff", true).unwrap().as_str());
    denied(&demo.get("/organizations/initech/", Some(&staff)).await, 404, "not_found");
}

#[tokio::test]
async fn owner_mutations() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");

    // Dashboards.
    let (status, created) = demo
        .call(Method::POST, "/organizations/acme/dashboards/", Some(&owner), Some(json!({"title": "Ops"})))
        .await;
    assert_eq!((status, created["createdBy"].as_i64()), (201, Some(1)));
    let path = format!("/organizations/acme/dashboards/{}/", created["id"].as_str().unwrap());
    assert_eq!(demo.call(Method::DELETE, &path, Some(&owner), None).await.0, 204);
    assert_eq!(demo.get(&path, Some(&owner)).await.0, 404);

    // Organization auth tokens: the secret is shown once and works (org:ci only).
    let (status, token) = demo
        .call(
            Method::POST,
            "/organizations/acme/org-auth-tokens/",
            Some(&owner),
            Some(json!({"name": "deploy"})),
        )
        .await;
    assert_eq!((status, &token["scopes"]), (201, &json!(["org:ci"])));
    let secret = format!("Bearer {}", token["token"].as_str().unwrap());
    denied(&demo.get("/organizations/acme/", Some(&secret)).await, 403, "missing_scope");
    let (_, list) = demo.get("/organizations/acme/org-auth-tokens/", Some(&owner)).await;
    assert!(list.as_array().unwrap().iter().all(|t| t.get("token").is_none()), "secrets are never listed");
    let path = format!("/organizations/acme/org-auth-tokens/{}/", token["id"].as_str().unwrap());
    assert_eq!(demo.call(Method::DELETE, &path, Some(&owner), None).await.0, 204);
    denied(&demo.get("/organizations/acme/", Some(&secret)).await, 401, "invalid_credentials");

    // Replays: mark viewed, delete one, then a deletion job for the rest of a range.
    let viewed = format!("/projects/acme/web/replays/{REPLAY}/viewed-by/");
    assert_eq!(demo.call(Method::POST, &viewed, Some(&demo.session("member")), None).await.0, 204);
    let (_, viewers) = demo.get(&viewed, Some(&owner)).await;
    assert_eq!(viewers["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        demo.call(Method::DELETE, &format!("/projects/acme/web/replays/{REPLAY}/"), Some(&owner), None)
            .await
            .0,
        204
    );
    assert_eq!(demo.get(&viewed, Some(&owner)).await.0, 404);
    let job = json!({"rangeStart": "2025-06-01T00:00:00Z", "rangeEnd": "2025-07-01T00:00:00Z", "environments": ["staging"]});
    let (status, done) =
        demo.call(Method::POST, "/projects/acme/web/replays/jobs/delete/", Some(&owner), Some(job)).await;
    assert_eq!((status, done["data"]["countDeleted"].as_i64()), (201, Some(1)));
    let detail = format!("/projects/acme/web/replays/jobs/delete/{}/", done["data"]["id"].as_str().unwrap());
    assert_eq!(demo.get(&detail, Some(&owner)).await.1["data"]["status"], "completed");
    let bad = json!({"rangeStart": "soon", "rangeEnd": "2025-07-01T00:00:00Z"});
    denied(
        &demo.call(Method::POST, "/projects/acme/web/replays/jobs/delete/", Some(&owner), Some(bad)).await,
        400,
        "invalid_request",
    );

    // Settings are validated: a non-member on the allowlist, a taken slug, an unknown field.
    let cases = [
        (json!({"replayAccessMembers": [4]}), 400, "invalid_request"),
        (json!({"replayAccessTeams": [3]}), 400, "invalid_request"),
        (json!({"slug": "globex"}), 409, "conflict"),
        (json!({"slug": "123"}), 400, "invalid_request"),
        (json!({"colour": "red"}), 422, "invalid_request"),
    ];
    for (body, status, code) in cases {
        denied(&demo.call(Method::PUT, "/organizations/acme/", Some(&owner), Some(body)).await, status, code);
    }
    // A body that is not JSON at all.
    let response = demo
        .client
        .put(format!("{}/organizations/acme/", demo.base))
        .header("authorization", &owner)
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
}

#[tokio::test]
async fn member_object_level_rules() {
    let demo = Demo::start().await;
    let member = demo.session("member");

    // Read-only exceptions, narrowed by the handlers.
    let (status, _) = demo
        .call(
            Method::POST,
            "/organizations/acme/searches/",
            Some(&member),
            Some(json!({"name": "Mine", "query": "is:unresolved"})),
        )
        .await;
    assert_eq!(status, 201);
    let shared = json!({"name": "For all", "query": "is:unresolved", "visibility": "organization"});
    denied(
        &demo.call(Method::POST, "/organizations/acme/searches/", Some(&member), Some(shared)).await,
        403,
        "organization_search_restricted",
    );
    denied(
        &demo.call(Method::DELETE, "/organizations/acme/searches/1/", Some(&member), None).await,
        403,
        "organization_search_restricted",
    );
    assert_eq!(
        demo.call(Method::DELETE, "/organizations/acme/searches/2/", Some(&member), None).await.0,
        204
    );
    let (status, _) = demo
        .call(
            Method::POST,
            "/organizations/acme/org-auth-tokens/",
            Some(&member),
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(status, 201, "members create org:ci tokens, as in Sentry");
    denied(
        &demo.call(Method::DELETE, "/organizations/acme/org-auth-tokens/1/", Some(&member), None).await,
        403,
        "missing_scope",
    );

    // Teams: a member may leave and (with open membership) rejoin, but not move others.
    let frontend = "/organizations/acme/members/me/teams/frontend/";
    assert_eq!(demo.call(Method::DELETE, frontend, Some(&member), None).await.0, 204);
    assert_eq!(demo.call(Method::POST, frontend, Some(&member), None).await.0, 201);
    assert_eq!(demo.call(Method::POST, frontend, Some(&member), None).await.0, 204);
    denied(
        &demo.call(Method::POST, "/organizations/acme/members/2/teams/frontend/", Some(&member), None).await,
        403,
        "team_membership_restricted",
    );
    denied(
        &demo.call(Method::DELETE, "/organizations/acme/members/2/teams/backend/", Some(&member), None).await,
        403,
        "team_membership_restricted",
    );

    // A team on the replay allowlist carries replay access: joining it (open membership) or being
    // added to it by someone with team:write needs org:write, what editing the list needs.
    let owner_for_teams = demo.session("owner");
    let backend_only =
        json!({"hasGranularReplayPermissions": true, "replayAccessMembers": [], "replayAccessTeams": [2]});
    assert_eq!(
        demo.call(Method::PUT, "/organizations/acme/", Some(&owner_for_teams), Some(backend_only)).await.0,
        200
    );
    denied(&demo.get("/organizations/acme/replays/", Some(&member)).await, 403, "not_on_allowlist");
    let backend = "/organizations/acme/members/me/teams/backend/";
    denied(&demo.call(Method::POST, backend, Some(&member), None).await, 403, "allowlisted_team_restricted");
    let reader = demo.user_token("acme", "member", "org:read,event:read,team:read");
    denied(&demo.call(Method::POST, backend, Some(&reader), None).await, 403, "allowlisted_team_restricted");
    denied(&demo.get("/organizations/acme/replays/", Some(&member)).await, 403, "not_on_allowlist");
    let admin = demo.session("admin");
    denied(
        &demo.call(Method::POST, "/organizations/acme/members/3/teams/backend/", Some(&admin), None).await,
        403,
        "allowlisted_team_restricted",
    );
    // The owner (org:write) may still add members to it; teams off the list stay open.
    assert_eq!(
        demo.call(Method::POST, "/organizations/acme/members/3/teams/backend/", Some(&owner_for_teams), None)
            .await
            .0,
        201
    );
    assert_eq!(demo.get("/organizations/acme/replays/", Some(&member)).await.0, 200);

    // Members: nobody but an admin removes others; the only owner stays.
    denied(
        &demo.call(Method::DELETE, "/organizations/acme/members/2/", Some(&member), None).await,
        403,
        "not_your_membership",
    );
    let owner = demo.session("owner");
    denied(
        &demo.call(Method::DELETE, "/organizations/acme/members/me/", Some(&owner), None).await,
        403,
        "last_owner",
    );
    assert_eq!(
        demo.call(Method::DELETE, "/organizations/acme/members/me/", Some(&member), None).await.0,
        204
    );
    denied(&demo.get("/organizations/acme/", Some(&member)).await, 403, "no_membership");
}

#[tokio::test]
async fn every_endpoint_is_mounted() {
    let state = AppState::new(SqliteStore::open_in_memory().unwrap());
    let registry = state.registry();
    assert!(registry.len() >= 25, "{} endpoints", registry.len());
    assert_eq!(scopegate_demo::api(&state).unmounted(), Vec::<&scopegate::Endpoint>::new());
    assert_eq!(scopegate_demo::routes().len(), registry.len());
}

/// Matrix row 9: a path no `#[scopegate::endpoint]` declares is refused, even for the organization
/// owner. The router has no way to mount an undeclared handler (`scopegate::routes!` only takes
/// declared ones), so the closest thing — a request to such a path — is a 404.
#[tokio::test]
async fn undeclared_path_is_refused() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");
    denied(&demo.get("/organizations/acme/debug-dump/", Some(&owner)).await, 404, "endpoint_not_found");
    denied(&demo.get("/organizations/acme/debug-dump/", None).await, 404, "endpoint_not_found");
    assert_eq!(demo.get("/organizations/acme/", Some(&owner)).await.0, 200);
}

/// `HEAD` on a `GET` endpoint is decided and served as `GET`; a declared path asked with a method
/// it does not declare is 405 with `Allow`, as axum answers.
#[tokio::test]
async fn head_and_method_not_allowed() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");
    assert_eq!(demo.call(Method::HEAD, "/organizations/acme/", Some(&owner), None).await.0, 200);
    assert_eq!(demo.call(Method::HEAD, "/organizations/acme/", None, None).await.0, 401);
    let answer = demo.raw(Method::PATCH, "/organizations/acme/", Some(&owner)).await;
    assert_eq!(answer.status(), 405);
    assert_eq!(answer.headers()["allow"], "GET, HEAD, PUT");
}

/// A path parameter that is not UTF-8 does not hide the organization the path names: the owner's
/// membership there still counts, so the request passes the check and the handler refuses the
/// malformed parameter (400), instead of a 403 as if the owner were no member.
#[tokio::test]
async fn an_undecodable_parameter_does_not_hide_the_organization() {
    let demo = Demo::start().await;
    let owner = demo.session("owner");
    for path in ["/projects/acme/%ff/", "/organizations/acme/dashboards/%ff%fe/"] {
        assert_eq!(demo.raw(Method::GET, path, Some(&owner)).await.status(), 400, "{path}");
    }
}

/// Denials speak HTTP auth: every 401 names the schemes the demo accepts (RFC 9110 §11.6.1); a
/// bearer token missing a scope is told which would be accepted (RFC 6750 §3.1); a signed-in caller
/// with no standing in the organization is told that, not a list of scopes.
#[tokio::test]
async fn denials_speak_http_auth() {
    let demo = Demo::start().await;
    let challenge =
        |r: &reqwest::Response| r.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
    let expected = r#"Bearer realm="scopegate-demo", Session realm="scopegate-demo""#;
    // 401 no_credentials (the router) and 401 invalid_credentials (the demo's resolver).
    for auth in [None, Some("Bearer sgu_0000"), Some("Basic dXNlcjpwYXNz")] {
        let answer = demo.raw(Method::GET, "/organizations/acme/", auth).await;
        assert_eq!(answer.status(), 401, "{auth:?}");
        assert_eq!(challenge(&answer).as_deref(), Some(expected), "{auth:?}");
    }
    // A read-only token on a mutation: told what would be accepted.
    let read_only = demo.user_token("acme", "owner", "org:read");
    let answer = demo.raw(Method::PUT, "/organizations/acme/", Some(&read_only)).await;
    assert_eq!(answer.status(), 403);
    assert_eq!(
        challenge(&answer).as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="org:write org:admin""#)
    );
    // A session lacking a scope is no bearer request: the body says it, no bearer challenge.
    let member = demo.session("member");
    let answer = demo.raw(Method::PUT, "/organizations/acme/", Some(&member)).await;
    assert_eq!((answer.status().as_u16(), challenge(&answer)), (403, None));
    // No standing in the target organization.
    denied(&demo.get("/organizations/globex/", Some(&member)).await, 403, "no_membership");
}

/// The app the demo serves answers every declared endpoint that needs credentials with its check
/// (401 without credentials): nothing outside the API shadows a declared path.
#[tokio::test]
async fn the_served_app_checks_every_endpoint() {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let state = AppState::with_registry(store, Registry::global());
    scopegate::testing::assert_app_checks_every_endpoint(service(state), Registry::global(), "/api/0").await;
}
