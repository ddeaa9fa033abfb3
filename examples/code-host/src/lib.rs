//! # scopegate-example-code-host
//!
//! A small code-host API — repositories, issues, teams and deploy keys — whose callers present
//! fine-grained tokens: one `:read` and one `:write` scope per resource (`contents`, `issues`,
//! `administration`, `members`, `deploy_keys`, `ssh_keys`, … 78 resources, 156 scopes in
//! `scopegate.toml`), where `X:write` implies `X:read`.
//!
//! Some operations need two permissions at once, declared with `all(...)`:
//!
//! - creating a repository from a template reads the template and administers the new repository:
//!   `scopes = all("contents:read", "administration:write")`;
//! - adding a repository to a team reads the team's members and administers the repository:
//!   `scopes = all("members:read", "administration:write")`;
//! - adding one of your SSH keys to a repository as a deploy key reads your keys and writes the
//!   repository's: `POST = all("ssh_keys:read", "deploy_keys:write")` in the permission class
//!   [`DeployKeysPermission`] (the two scopes lie more than 128 bits apart in the vocabulary).
//!
//! The rest are ordinary any-of endpoints, and `/health/` needs no credentials. Callers present
//! `Authorization: Bearer <token>`; a token's scopes are limited by its user's standing (the
//! owner holds every scope, a triager every read scope and `issues:write`). One instance serves
//! one organization: a single-tenant service.
//!
//! ```
//! use scopegate_example_code_host::{OWNER, Service, app};
//! let service = Service::seeded();
//! let token = service.issue_token(OWNER, &["contents:read", "administration:write"]);
//! assert!(token.is_some());
//! let api: scopegate::axum::ApiService = app(service);
//! # let _ = api;
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scopegate::axum::{ApiRouter, ApiService, Authorized, OwnedMembership, Resolved, Resolver};
use scopegate::axum::{bearer_token, invalid_credentials};
use scopegate::{Endpoint, Principal, Registry, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

/// This crate's registry, built with its own `scopegate.toml`.
pub fn registry() -> &'static Registry {
    scopegate::registry!()
}

/// The owner of the instance: their standing holds every scope.
pub const OWNER: u64 = 1;
/// A triager: their standing holds every read-only scope and `issues:write`.
pub const TRIAGER: u64 = 2;

#[derive(Debug)]
struct Repository {
    name: String,
    template: bool,
    issues: Vec<String>,
    deploy_keys: Vec<String>,
}

#[derive(Debug, Default)]
struct Data {
    /// User → the scopes of their standing (listed in full: the hierarchy is not applied to it).
    standing: HashMap<u64, Vec<&'static str>>,
    /// Token → (user, the token's own scopes).
    tokens: HashMap<String, (u64, Vec<&'static str>)>,
    repositories: Vec<Repository>,
    /// Team → its repositories.
    teams: HashMap<String, Vec<String>>,
    /// User → their SSH keys' titles.
    ssh_keys: HashMap<u64, Vec<String>>,
}

/// The service's state, in memory, behind one lock.
#[derive(Clone, Debug, Default)]
pub struct Service {
    data: Arc<Mutex<Data>>,
}

impl Service {
    fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The owner (1) and a triager (2); a repository `service-template` (a template) and a
    /// repository `website` with one issue; a team `web`; the owner's SSH key `laptop`. Tokens:
    /// `tok-owner` and `tok-triager` hold every scope (each limited by its user's standing); mint
    /// narrower ones with [`issue_token`](Self::issue_token).
    pub fn seeded() -> Service {
        let service = Service::default();
        {
            let mut d = service.data();
            let vocabulary = registry().config().vocabulary();
            let every = vocabulary.scopes().to_vec();
            let mut triage = vocabulary.readonly().to_vec();
            triage.push("issues:write");
            d.standing.insert(OWNER, every.clone());
            d.standing.insert(TRIAGER, triage);
            d.tokens.insert("tok-owner".to_string(), (OWNER, every.clone()));
            d.tokens.insert("tok-triager".to_string(), (TRIAGER, every));
            d.repositories.push(Repository {
                name: "service-template".to_string(),
                template: true,
                issues: Vec::new(),
                deploy_keys: Vec::new(),
            });
            d.repositories.push(Repository {
                name: "website".to_string(),
                template: false,
                issues: vec!["The logo is blurry".to_string()],
                deploy_keys: Vec::new(),
            });
            d.teams.insert("web".to_string(), Vec::new());
            d.ssh_keys.insert(OWNER, vec!["laptop".to_string()]);
        }
        service
    }

    /// Mints a fine-grained token of `user` holding `scopes`; `None` for an unknown user or scope.
    pub fn issue_token(&self, user: u64, scopes: &[&str]) -> Option<String> {
        let vocabulary = registry().config().vocabulary();
        let scopes: Vec<&'static str> = scopes
            .iter()
            .map(|s| vocabulary.scopes().iter().copied().find(|known| known == s))
            .collect::<Option<_>>()?;
        let mut d = self.data();
        if !d.standing.contains_key(&user) {
            return None;
        }
        let secret = format!("tok-{user}-{}", d.tokens.len() + 1);
        d.tokens.insert(secret.clone(), (user, scopes));
        Some(secret)
    }
}

/// Bearer tokens to principals: a user token holding its own scopes (the registry applies the
/// hierarchy), limited by the user's standing in the service.
impl Resolver for Service {
    type Rejection = Response;

    async fn resolve(&self, parts: &mut Parts, _endpoint: &'static Endpoint) -> Result<Resolved, Response> {
        let Some(secret) = bearer_token(&parts.headers) else {
            return Ok(Resolved::new(Principal::Anonymous));
        };
        let data = self.data();
        let (user, scopes) = data.tokens.get(secret).ok_or_else(invalid_credentials)?;
        let standing = data.standing.get(user).ok_or_else(invalid_credentials)?;
        let r = registry();
        let principal = Principal::user_token(UserId::from(*user), r.scope_set(scopes.iter().copied()));
        let standing = OwnedMembership::single_tenant(r.scope_set(standing.iter().copied()), Vec::new());
        Ok(Resolved::new(principal).with_membership(standing))
    }

    /// 401 answers name the scheme this service accepts (RFC 9110 §11.6.1).
    fn challenge(&self) -> HeaderValue {
        HeaderValue::from_static(r#"Bearer realm="code-host""#)
    }
}

fn error(status: StatusCode, error: &str, detail: &str) -> Response {
    (status, Json(json!({"status": status.as_u16(), "error": error, "detail": detail}))).into_response()
}

fn no_repository() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "No such repository.")
}

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
async fn health() -> &'static str {
    "ok"
}

#[scopegate::endpoint(
    method = GET,
    path = "/repos/",
    scopes = ["metadata:read"],
    owner = "repositories",
    publish = public,
)]
async fn list_repositories(State(service): State<Service>) -> Json<Value> {
    let repos: Vec<Value> =
        service.data().repositories.iter().map(|r| json!({"name": r.name, "template": r.template})).collect();
    Json(json!(repos))
}

/// The repository a template generates.
#[derive(Debug, Deserialize)]
pub struct Generate {
    /// The new repository's name.
    pub name: String,
}

/// Reads the template's contents and creates (administers) a new repository: both permissions.
#[scopegate::endpoint(
    method = POST,
    path = "/repos/{template}/generate/",
    scopes = all("contents:read", "administration:write"),
    owner = "repositories",
    publish = public,
)]
async fn generate_repository(
    State(service): State<Service>,
    Path(template): Path<String>,
    Json(new): Json<Generate>,
) -> Response {
    let mut data = service.data();
    if !data.repositories.iter().any(|r| r.name == template && r.template) {
        return error(StatusCode::NOT_FOUND, "not_found", "No such template repository.");
    }
    if data.repositories.iter().any(|r| r.name == new.name) {
        return error(StatusCode::CONFLICT, "name_taken", "A repository of that name exists.");
    }
    data.repositories.push(Repository {
        name: new.name.clone(),
        template: false,
        issues: Vec::new(),
        deploy_keys: Vec::new(),
    });
    (StatusCode::CREATED, Json(json!({"name": new.name, "template_repository": template}))).into_response()
}

#[scopegate::endpoint(method = GET, path = "/repos/{repo}/issues/", scopes = ["issues:read"], owner = "issues")]
async fn list_issues(State(service): State<Service>, Path(repo): Path<String>) -> Response {
    match service.data().repositories.iter().find(|r| r.name == repo) {
        Some(r) => Json(json!(r.issues)).into_response(),
        None => no_repository(),
    }
}

/// A new issue.
#[derive(Debug, Deserialize)]
pub struct NewIssue {
    /// Its title.
    pub title: String,
}

#[scopegate::endpoint(method = POST, path = "/repos/{repo}/issues/", scopes = ["issues:write"], owner = "issues")]
async fn create_issue(
    State(service): State<Service>,
    Path(repo): Path<String>,
    Json(issue): Json<NewIssue>,
) -> Response {
    let mut data = service.data();
    let Some(r) = data.repositories.iter_mut().find(|r| r.name == repo) else {
        return no_repository();
    };
    r.issues.push(issue.title);
    (StatusCode::CREATED, Json(json!({"number": r.issues.len()}))).into_response()
}

/// Reads the team's members and administers the repository: both permissions.
#[scopegate::endpoint(
    method = PUT,
    path = "/teams/{team}/repos/{repo}/",
    scopes = all("members:read", "administration:write"),
    owner = "teams",
)]
async fn add_team_repository(
    State(service): State<Service>,
    Path((team, repo)): Path<(String, String)>,
) -> Response {
    let mut data = service.data();
    if !data.repositories.iter().any(|r| r.name == repo) {
        return no_repository();
    }
    let Some(repos) = data.teams.get_mut(&team) else {
        return error(StatusCode::NOT_FOUND, "not_found", "No such team.");
    };
    if !repos.contains(&repo) {
        repos.push(repo);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Deploy keys: reading them needs `deploy_keys:read`; adding one of your own SSH keys as a deploy
/// key reads your keys and writes the repository's, so it needs both.
#[scopegate::permission(
    GET = ["deploy_keys:read"],
    POST = all("ssh_keys:read", "deploy_keys:write"),
)]
#[derive(Debug)]
pub struct DeployKeysPermission;

#[scopegate::endpoint(method = GET, path = "/repos/{repo}/keys/", permission = DeployKeysPermission, owner = "repositories")]
async fn list_deploy_keys(State(service): State<Service>, Path(repo): Path<String>) -> Response {
    match service.data().repositories.iter().find(|r| r.name == repo) {
        Some(r) => Json(json!(r.deploy_keys)).into_response(),
        None => no_repository(),
    }
}

/// Which of the caller's SSH keys to add.
#[derive(Debug, Deserialize)]
pub struct NewDeployKey {
    /// The SSH key's title.
    pub ssh_key: String,
}

#[scopegate::endpoint(method = POST, path = "/repos/{repo}/keys/", permission = DeployKeysPermission, owner = "repositories")]
async fn add_deploy_key(
    State(service): State<Service>,
    auth: Authorized,
    Path(repo): Path<String>,
    Json(new): Json<NewDeployKey>,
) -> Response {
    let user = auth.principal.user().and_then(|u| u64::try_from(u.0).ok());
    let mut data = service.data();
    let owns = user.and_then(|u| data.ssh_keys.get(&u)).is_some_and(|keys| keys.contains(&new.ssh_key));
    if !owns {
        return error(StatusCode::NOT_FOUND, "not_found", "You have no SSH key of that title.");
    }
    let Some(r) = data.repositories.iter_mut().find(|r| r.name == repo) else {
        return no_repository();
    };
    r.deploy_keys.push(new.ssh_key.clone());
    (StatusCode::CREATED, Json(json!({"deploy_key": new.ssh_key}))).into_response()
}

/// The API: every handler mounted from its declaration, each behind scopegate's decision.
pub fn app(service: Service) -> ApiService {
    ApiRouter::new(registry(), service.clone())
        .routes(scopegate::routes![
            health,
            list_repositories,
            generate_repository,
            list_issues,
            create_issue,
            add_team_repository,
            list_deploy_keys,
            add_deploy_key,
        ])
        .with_state(service)
}
