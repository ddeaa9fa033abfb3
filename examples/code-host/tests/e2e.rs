//! The code-host API over real HTTP on 127.0.0.1: all-of requirements (`all(...)`) beside any-of
//! ones, the hierarchy applied to the token's scopes, and the registry of a 156-scope vocabulary.

#![allow(clippy::unwrap_used)]

use reqwest::Method;
use scopegate::ScopeMatch;
use scopegate_example_code_host::{OWNER, Service, TRIAGER, app, registry};
use serde_json::{Value, json};

struct Api {
    base: String,
    client: reqwest::Client,
    service: Service,
}

/// An answer: status, `WWW-Authenticate` and the JSON body.
struct Answer {
    status: u16,
    challenge: Option<String>,
    body: Value,
}

impl Answer {
    fn error(&self) -> (u16, &str) {
        (self.status, self.body["error"].as_str().unwrap_or(""))
    }

    /// A 403 `missing_scope`, and how the endpoint matches its scopes.
    fn missing_scope(&self) -> (u16, &str, &str) {
        (
            self.status,
            self.body["error"].as_str().unwrap_or(""),
            self.body["scope_match"].as_str().unwrap_or(""),
        )
    }
}

impl Api {
    async fn start() -> Api {
        let service = Service::seeded();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let api = app(service.clone());
        tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });
        Api { base: format!("http://{addr}"), client: reqwest::Client::new(), service }
    }

    /// A token of `user` holding exactly `scopes`.
    fn token(&self, user: u64, scopes: &[&str]) -> String {
        self.service.issue_token(user, scopes).unwrap()
    }

    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
        let text = response.text().await.unwrap();
        Answer { status, challenge, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Creates a repository `name` from the template.
    async fn generate(&self, token: &str, name: &str) -> Answer {
        let body = Some(json!({"name": name}));
        self.call(Method::POST, "/repos/service-template/generate/", Some(token), body).await
    }
}

#[tokio::test]
async fn creating_from_a_template_needs_both_permissions() {
    let api = Api::start().await;
    // One of the two is not enough, whichever it is.
    let admin = api.token(OWNER, &["administration:write"]);
    let denied = api.generate(&admin, "a").await;
    assert_eq!(denied.missing_scope(), (403, "missing_scope", "all"));
    assert_eq!(denied.body["accepted_scopes"], json!(["contents:read", "administration:write"]));
    // RFC 6750: the scope a request needs is every scope of the `all(...)`, space-separated.
    assert_eq!(
        denied.challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="contents:read administration:write""#)
    );
    let reader = api.token(OWNER, &["contents:read"]);
    assert_eq!(api.generate(&reader, "a").await.missing_scope(), (403, "missing_scope", "all"));
    // Reading contents and administering beside it, without the write: still not both.
    let both_reads = api.token(OWNER, &["contents:read", "administration:read"]);
    assert_eq!(api.generate(&both_reads, "a").await.missing_scope(), (403, "missing_scope", "all"));

    let both = api.token(OWNER, &["contents:read", "administration:write"]);
    assert_eq!(api.generate(&both, "a").await.status, 201);
    // The hierarchy applies to the token: contents:write implies contents:read.
    let writer = api.token(OWNER, &["contents:write", "administration:write"]);
    assert_eq!(api.generate(&writer, "b").await.status, 201);
    // The handler ran: the repositories exist now.
    let names: Vec<Value> =
        api.get("/repos/", &api.token(OWNER, &["metadata:read"])).await.body.as_array().unwrap().clone();
    assert!(names.contains(&json!({"name": "b", "template": false})), "{names:?}");

    // The token holds both, the triager's standing holds no administration:write: the effective
    // scopes are the token's ∩ the standing's, and they miss one.
    let triager = api.token(TRIAGER, &["contents:read", "administration:write"]);
    assert_eq!(api.generate(&triager, "c").await.missing_scope(), (403, "missing_scope", "all"));
}

#[tokio::test]
async fn adding_a_repository_to_a_team_needs_both_permissions() {
    let api = Api::start().await;
    let put = "/teams/web/repos/website/";
    for scopes in
        [&["administration:write"][..], &["members:read"], &["members:write", "administration:read"]]
    {
        let answer = api.call(Method::PUT, put, Some(&api.token(OWNER, scopes)), None).await;
        assert_eq!(answer.missing_scope(), (403, "missing_scope", "all"), "{scopes:?}");
    }
    for scopes in [["members:read", "administration:write"], ["members:write", "administration:write"]] {
        let answer = api.call(Method::PUT, put, Some(&api.token(OWNER, &scopes)), None).await;
        assert_eq!(answer.status, 204, "{scopes:?}");
    }
    // A token holding every scope passes, and the handler's own 404s come after the decision.
    let answer = api.call(Method::PUT, "/teams/nobody/repos/website/", Some("tok-owner"), None).await;
    assert_eq!(answer.error(), (404, "not_found"));
}

#[tokio::test]
async fn issues_accept_any_one_scope() {
    let api = Api::start().await;
    let list = "/repos/website/issues/";
    assert_eq!(api.get(list, &api.token(OWNER, &["issues:read"])).await.status, 200);
    // issues:write implies issues:read.
    let writer = api.token(OWNER, &["issues:write"]);
    assert_eq!(api.get(list, &writer).await.body, json!(["The logo is blurry"]));
    let other = api.get(list, &api.token(OWNER, &["contents:write", "pull_requests:write"])).await;
    assert_eq!(other.missing_scope(), (403, "missing_scope", "any"));
    assert_eq!(other.body["accepted_scopes"], json!(["issues:read"]));

    let issue = || Some(json!({"title": "Dark mode"}));
    let reader = api.token(OWNER, &["issues:read"]);
    let denied = api.call(Method::POST, list, Some(&reader), issue()).await;
    assert_eq!(denied.missing_scope(), (403, "missing_scope", "any"));
    assert_eq!(api.call(Method::POST, list, Some(&writer), issue()).await.status, 201);
    // The triager's standing holds issues:write.
    assert_eq!(api.call(Method::POST, list, Some("tok-triager"), issue()).await.status, 201);
    assert_eq!(api.get(list, &reader).await.body.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn credentials_and_routing() {
    let api = Api::start().await;
    let health = api.call(Method::GET, "/health/", None, None).await;
    assert_eq!((health.status, health.body), (200, json!("ok")));
    let anonymous = api.call(Method::GET, "/repos/", None, None).await;
    assert_eq!(anonymous.error(), (401, "no_credentials"));
    assert_eq!(anonymous.challenge.as_deref(), Some(r#"Bearer realm="code-host""#));
    let anonymous = api.call(Method::POST, "/repos/service-template/generate/", None, None).await;
    assert_eq!(anonymous.error(), (401, "no_credentials"));
    assert_eq!(api.get("/repos/", "tok-nobody").await.error(), (401, "invalid_credentials"));
    assert_eq!(
        api.call(Method::DELETE, "/repos/", Some("tok-owner"), None).await.error(),
        (405, "method_not_allowed")
    );
    assert_eq!(api.get("/nowhere/", "tok-owner").await.error(), (404, "endpoint_not_found"));
}

/// The class maps POST to `all("ssh_keys:read", "deploy_keys:write")`: two scopes more than 128
/// bits apart in the vocabulary, so the requirement does not fit one 128-bit window of the scope
/// sets and is decided whole.
#[tokio::test]
async fn deploy_keys_through_a_class_with_an_all_of_method() {
    let scopes = registry().config().vocabulary().scopes();
    let bit = |name: &str| scopes.iter().position(|s| *s == name).unwrap();
    assert!(bit("deploy_keys:write") < 64 && bit("ssh_keys:read") >= 128);

    let api = Api::start().await;
    let keys = "/repos/website/keys/";
    let laptop = || Some(json!({"ssh_key": "laptop"}));
    assert_eq!(api.get(keys, &api.token(OWNER, &["deploy_keys:read"])).await.body, json!([]));
    for scopes in [&["deploy_keys:write"][..], &["ssh_keys:write"], &["ssh_keys:read", "deploy_keys:read"]] {
        let answer = api.call(Method::POST, keys, Some(&api.token(OWNER, scopes)), laptop()).await;
        assert_eq!(answer.missing_scope(), (403, "missing_scope", "all"), "{scopes:?}");
        assert_eq!(answer.body["accepted_scopes"], json!(["ssh_keys:read", "deploy_keys:write"]));
    }
    let both = api.token(OWNER, &["ssh_keys:read", "deploy_keys:write"]);
    assert_eq!(api.call(Method::POST, keys, Some(&both), laptop()).await.status, 201);
    let writes = api.token(OWNER, &["ssh_keys:write", "deploy_keys:write"]);
    assert_eq!(api.call(Method::POST, keys, Some(&writes), laptop()).await.status, 201);
    // The triager reads every key, and writes none.
    assert_eq!(api.get(keys, "tok-triager").await.body, json!(["laptop", "laptop"]));
    let answer = api.call(Method::POST, keys, Some("tok-triager"), laptop()).await;
    assert_eq!(answer.missing_scope(), (403, "missing_scope", "all"));
}

/// The vocabulary: 78 resources, a `:read` (read-only) and a `:write` implying it for each.
#[test]
fn the_vocabulary_is_a_code_hosts() {
    let vocabulary = registry().config().vocabulary();
    assert!(vocabulary.scopes().len() >= 150);
    assert_eq!(vocabulary.scopes().len(), 156);
    for pair in vocabulary.scopes().chunks(2) {
        let [read, write] = pair else { panic!("an odd scope: {pair:?}") };
        let resource = read.strip_suffix(":read").unwrap();
        assert_eq!(*write, format!("{resource}:write"));
        assert!(vocabulary.is_readonly(read) && !vocabulary.is_readonly(write), "{resource}");
        assert_eq!(vocabulary.implied_by(write), [*read], "{resource}");
        assert!(vocabulary.implied_by(read).is_empty(), "{resource}");
    }
    assert_eq!(vocabulary.readonly().len(), 78);
    assert!(!registry().config().has_organizations());
}

/// The JSON dump of the `registry` subcommand lists every endpoint with its scopes; the registry
/// knows which are all-of.
#[test]
fn the_registry_dump() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = scopegate::cli::execute(registry(), ["registry", "--format", "json"], &mut out, &mut err);
    assert_eq!(status, scopegate::cli::Status::Success, "{}", String::from_utf8_lossy(&err));
    let dump: Value = serde_json::from_slice(&out).unwrap();
    let endpoints = dump["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 8);
    let find = |method: &str, path: &str| {
        endpoints.iter().find(|e| e["method"] == method && e["path"] == path).unwrap().clone()
    };
    let generate = find("POST", "/repos/{template}/generate/");
    assert_eq!(generate["scopes"], json!(["contents:read", "administration:write"]));
    // contents:read beside a write scope in `all(...)`: a read-only token cannot call it, no debt.
    assert_eq!(generate["readonly_scopes"], json!([]));
    assert_eq!(generate["readonly_exception"], Value::Null);
    assert_eq!(find("POST", "/repos/{repo}/keys/")["permission"], "DeployKeysPermission");
    assert_eq!(find("GET", "/health/")["unauthenticated"], "Load balancers probe it.");

    let all_of: Vec<(&str, &str)> = registry()
        .iter()
        .filter(|e| e.scope_match() == Some(ScopeMatch::All))
        .map(|e| (e.method().as_str(), e.path()))
        .collect();
    assert_eq!(all_of.len(), 3, "{all_of:?}");
    let vocabulary = registry().config().vocabulary().scopes().len();
    assert!(vocabulary >= 150, "{vocabulary}");
}

/// What the design asks of the dumps for `all(...)`: `"scope_match":"all"` in the JSON dump, and
/// one OpenAPI security requirement holding every scope (OpenAPI ANDs the scopes of one
/// requirement and ORs the requirements).
#[test]
fn the_dumps_say_all_of() {
    let dump: Value = serde_json::from_str(&scopegate::dump::json(registry())).unwrap();
    let generate = dump["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/repos/{template}/generate/")
        .unwrap()
        .clone();
    assert_eq!(generate["scope_match"], "all");
    let openapi = scopegate::dump::openapi(registry(), &Default::default());
    assert_eq!(
        openapi["paths"]["/repos/{template}/generate/"]["post"]["security"],
        json!([{"auth_token": ["contents:read", "administration:write"]}])
    );
}

/// The conformance matrix of the registry (`scopegate::testing`).
#[test]
fn the_registry_conforms() {
    scopegate::testing::assert_conformance(registry());
}
