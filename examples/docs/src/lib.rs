//! # scopegate-example-docs
//!
//! A small single-tenant API — documents, comments and share links — declared and enforced with
//! scopegate, with its own vocabulary (`doc:*`, `share:*`) and one gate (`sharing`), as a
//! single-tenant service (see `scopegate.toml`), served under `/v1`. Its OpenAPI spec is built with
//! utoipa — request and response schemas derived with `ToSchema`, each handler's
//! `#[utoipa::path]` below its `#[scopegate::endpoint]`, which writes the method, the path and the
//! enforced security into it — and served at `GET /v1/openapi.json`. Callers present
//! `Authorization: Bearer <token>`; a token carries its own scopes, limited by its user's role, and
//! a superuser's token is an active superuser.
//!
//! ```
//! use scopegate_example_docs::{Service, app};
//! let service = Service::seeded();
//! let api: scopegate::axum::ApiService = app(service);
//! # let _ = api;
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use scopegate::axum::{ApiRouter, ApiService, Authorized, OwnedMembership, Resolved, Resolver};
use scopegate::axum::{bearer_token, invalid_credentials};
use scopegate::{Endpoint, OrganizationState, Principal, Registry, TeamId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{OpenApi, ToSchema};

/// This crate's registry, built with its own `scopegate.toml`.
pub fn registry() -> &'static Registry {
    scopegate::registry!()
}

/// A role and the scopes it grants (the hierarchy is not applied to role scopes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Reads documents and shares.
    Reader,
    /// Also writes documents and manages shares.
    Editor,
    /// Everything.
    Admin,
}

impl Role {
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Role::Reader => &["doc:read", "share:read"],
            Role::Editor => &["doc:read", "doc:write", "share:read", "share:write"],
            Role::Admin => &["doc:read", "doc:write", "doc:admin", "share:read", "share:write"],
        }
    }
}

/// A user of the service.
#[derive(Clone, Debug)]
pub struct User {
    /// The id.
    pub id: u64,
    /// The role: the user's standing in the service. `None` for an account that holds none yet
    /// (signed in, but granted nothing: every scoped endpoint answers 403 `no_membership`).
    pub role: Option<Role>,
    /// The teams.
    pub teams: Vec<u64>,
    /// A superuser's tokens act as an active superuser.
    pub superuser: bool,
}

/// A bearer token: whose it is, and its own scopes.
#[derive(Clone, Debug)]
struct Token {
    user: u64,
    scopes: Vec<String>,
}

#[derive(Debug, Default)]
struct Data {
    users: HashMap<u64, User>,
    tokens: HashMap<String, Token>,
    documents: Vec<(u64, String)>,
    comments: Vec<(u64, String)>,
    shares: Vec<(u64, String)>,
    state: Option<Arc<OrganizationState>>,
}

/// The service's state: users, tokens, documents, and the gate settings. In memory, behind one
/// lock, so a request sees one consistent snapshot.
#[derive(Clone, Debug, Default)]
pub struct Service {
    data: Arc<Mutex<Data>>,
}

impl Service {
    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Four users — `reader` (1, team 10), `editor` (2), `root` (3, superuser), `guest` (4, no role
    /// yet) — a token each (`tok-reader`, `tok-editor`, `tok-root`, `tok-guest`, holding every
    /// scope), a narrow token of the editor holding only `doc:read` (`tok-editor-ro`), and one
    /// document. Sharing is off.
    pub fn seeded() -> Service {
        let service = Service::default();
        {
            let mut d = service.data();
            for (id, role, teams, superuser) in [
                (1, Some(Role::Reader), vec![10], false),
                (2, Some(Role::Editor), vec![], false),
                (3, Some(Role::Admin), vec![], true),
                (4, None, vec![], false),
            ] {
                d.users.insert(id, User { id, role, teams, superuser });
            }
            let every: Vec<String> =
                registry().config().vocabulary().scopes().iter().map(|s| s.to_string()).collect();
            for (token, user, scopes) in [
                ("tok-reader", 1, every.clone()),
                ("tok-editor", 2, every.clone()),
                ("tok-root", 3, every.clone()),
                ("tok-guest", 4, every),
                ("tok-editor-ro", 2, vec!["doc:read".to_string()]),
            ] {
                d.tokens.insert(token.to_string(), Token { user, scopes });
            }
            d.documents.push((1, "Welcome".to_string()));
        }
        service.set_sharing(false, false, &[], &[]);
        service
    }

    /// Sets the `sharing` gate: the feature flag, granular mode and the allowlists.
    pub fn set_sharing(&self, on: bool, granular: bool, users: &[u64], teams: &[u64]) {
        let state = OrganizationState::single_tenant(registry().config())
            .feature("service:public-sharing", on)
            .granular("sharing", granular)
            .allow_users("sharing", users.iter().map(|u| UserId::from(*u)))
            .allow_teams("sharing", teams.iter().map(|t| TeamId::from(*t)))
            .build();
        self.data().state = Some(Arc::new(state));
    }
}

/// Bearer tokens to principals; the caller's role and teams are their standing in the service.
impl Resolver for Service {
    type Rejection = Response;

    async fn resolve(&self, parts: &mut Parts, _endpoint: &'static Endpoint) -> Result<Resolved, Response> {
        let data = self.data();
        let state = data.state.clone();
        let with_state = |r: Resolved| match &state {
            Some(s) => r.with_service_state(Arc::clone(s)),
            None => r,
        };
        let Some(secret) = bearer_token(&parts.headers) else {
            return Ok(with_state(Resolved::new(Principal::Anonymous)));
        };
        let (token, user) = data
            .tokens
            .get(secret)
            .and_then(|t| Some((t, data.users.get(&t.user)?)))
            .ok_or_else(invalid_credentials)?;
        let r = registry();
        let principal = if user.superuser {
            Principal::active_superuser(UserId::from(user.id))
        } else {
            Principal::user_token(UserId::from(user.id), r.scope_set(token.scopes.iter().map(String::as_str)))
        };
        let resolved = Resolved::new(principal);
        let Some(role) = user.role else {
            // No standing in the service: the token's scopes grant nothing (403 `no_membership`).
            return Ok(with_state(resolved));
        };
        let teams: Vec<TeamId> = user.teams.iter().map(|t| TeamId::from(*t)).collect();
        let standing = OwnedMembership::single_tenant(r.scope_set(role.scopes().iter().copied()), teams);
        Ok(with_state(resolved.with_membership(standing)))
    }

    /// 401 answers name the scheme this service accepts (RFC 9110 §11.6.1).
    fn challenge(&self) -> HeaderValue {
        HeaderValue::from_static(r#"Bearer realm="docs""#)
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"status": 404, "error": "not_found", "detail": "No such document."})))
        .into_response()
}

/// Liveness probe.
#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
#[utoipa::path(tag = "service", responses((status = 200, description = "The service is up", body = String)))]
async fn health() -> &'static str {
    "ok"
}

/// Who the caller is, and the scopes their token holds.
#[scopegate::endpoint(method = GET, path = "/me/", authenticated = "Every signed-in user sees who they are.")]
#[utoipa::path(tag = "service", responses((status = 200, description = "The caller", body = Caller)))]
async fn me(auth: Authorized) -> Json<Value> {
    let scopes: Vec<&str> = auth.scope_names().collect();
    Json(json!({"principal": auth.principal.kind(), "scopes": scopes}))
}

/// Lists the documents.
#[scopegate::endpoint(method = GET, path = "/documents/", scopes = ["doc:read"], owner = "docs", publish = public)]
#[utoipa::path(tag = "docs", responses((status = 200, description = "Every document", body = [Document])))]
async fn list_documents(State(service): State<Service>) -> Json<Value> {
    let docs: Vec<Value> =
        service.data().documents.iter().map(|(id, title)| json!({"id": id, "title": title})).collect();
    Json(json!(docs))
}

/// A new document's title.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDocument {
    /// The title.
    pub title: String,
}

/// Creates a document.
#[scopegate::endpoint(method = POST, path = "/documents/", scopes = ["doc:write"], owner = "docs", publish = public)]
#[utoipa::path(
    tag = "docs",
    request_body = NewDocument,
    responses((status = 201, description = "The new document", body = Document)),
)]
async fn create_document(
    State(service): State<Service>,
    Json(new): Json<NewDocument>,
) -> (StatusCode, Json<Value>) {
    let mut data = service.data();
    let id = data.documents.iter().map(|(id, _)| id + 1).max().unwrap_or(1);
    data.documents.push((id, new.title.clone()));
    (StatusCode::CREATED, Json(json!({"id": id, "title": new.title})))
}

/// One document.
#[scopegate::endpoint(method = GET, path = "/documents/{document_id}/", scopes = ["doc:read"], owner = "docs")]
#[utoipa::path(
    tag = "docs",
    params(DocumentId),
    responses(
        (status = 200, description = "The document", body = Document),
        (status = 404, description = "No such document", body = Error),
    ),
)]
async fn document_details(State(service): State<Service>, Path(id): Path<u64>) -> Response {
    match service.data().documents.iter().find(|(d, _)| *d == id) {
        Some((id, title)) => Json(json!({"id": id, "title": title})).into_response(),
        None => not_found(),
    }
}

/// Deletes a document.
#[scopegate::endpoint(method = DELETE, path = "/documents/{document_id}/", scopes = ["doc:admin"], owner = "docs")]
#[utoipa::path(
    tag = "docs",
    params(DocumentId),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such document", body = Error),
    ),
)]
async fn delete_document(State(service): State<Service>, Path(id): Path<u64>) -> Response {
    let mut data = service.data();
    let before = data.documents.len();
    data.documents.retain(|(d, _)| *d != id);
    if data.documents.len() == before { not_found() } else { StatusCode::NO_CONTENT.into_response() }
}

/// A comment's text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    /// The text.
    pub text: String,
}

#[scopegate::endpoint(
    method = POST,
    path = "/documents/{document_id}/comments/",
    scopes = ["doc:read", "doc:write"],
    readonly_exception = "Readers may comment on documents they can read; comments never change the document.",
    owner = "docs",
)]
/// Comments on a document.
#[utoipa::path(
    tag = "docs",
    params(DocumentId),
    request_body = NewComment,
    responses(
        (status = 201, description = "Commented"),
        (status = 404, description = "No such document", body = Error),
    ),
)]
async fn add_comment(
    State(service): State<Service>,
    Path(id): Path<u64>,
    Json(c): Json<NewComment>,
) -> Response {
    let mut data = service.data();
    if !data.documents.iter().any(|(d, _)| *d == id) {
        return not_found();
    }
    data.comments.push((id, c.text));
    StatusCode::CREATED.into_response()
}

#[scopegate::endpoint(
    method = GET,
    path = "/documents/{document_id}/shares/",
    scopes = ["share:read"],
    gate = sharing,
    owner = "sharing",
)]
/// The share links of a document.
#[utoipa::path(
    tag = "sharing",
    params(DocumentId),
    responses((status = 200, description = "The links", body = [String])),
)]
async fn list_shares(State(service): State<Service>, Path(id): Path<u64>) -> Json<Value> {
    let links: Vec<String> =
        service.data().shares.iter().filter(|(d, _)| *d == id).map(|(_, l)| l.clone()).collect();
    Json(json!(links))
}

#[scopegate::endpoint(
    method = POST,
    path = "/documents/{document_id}/shares/",
    scopes = ["share:write"],
    gate = sharing,
    owner = "sharing",
)]
/// Creates a share link.
#[utoipa::path(
    tag = "sharing",
    params(DocumentId),
    responses(
        (status = 201, description = "The new link", body = ShareLink),
        (status = 404, description = "No such document", body = Error),
    ),
)]
async fn create_share(State(service): State<Service>, Path(id): Path<u64>) -> Response {
    let mut data = service.data();
    if !data.documents.iter().any(|(d, _)| *d == id) {
        return not_found();
    }
    let link = format!("/s/{id}-{}", data.shares.len() + 1);
    data.shares.push((id, link.clone()));
    (StatusCode::CREATED, Json(json!({"link": link}))).into_response()
}

/// The sharing settings an instance operator sets.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Sharing {
    /// The feature flag.
    pub enabled: bool,
    /// Granular mode: only the allowlists may manage shares.
    #[serde(default)]
    pub granular: bool,
    /// Allowed users.
    #[serde(default)]
    pub users: Vec<u64>,
    /// Allowed teams.
    #[serde(default)]
    pub teams: Vec<u64>,
}

#[scopegate::endpoint(
    method = PUT,
    path = "/settings/sharing/",
    superuser = "Turning public sharing on is an instance-wide decision for the operators.",
    owner = "ops",
)]
/// Sets the sharing gate.
#[utoipa::path(tag = "service", request_body = Sharing, responses((status = 204, description = "Saved")))]
async fn update_sharing(State(service): State<Service>, Json(s): Json<Sharing>) -> StatusCode {
    service.set_sharing(s.enabled, s.granular, &s.users, &s.teams);
    StatusCode::NO_CONTENT
}

/// The prefix every declared path is served under.
pub const BASE_PATH: &str = "/v1";

/// The API: every handler mounted from its declaration under [`BASE_PATH`], each behind
/// scopegate's decision, and the OpenAPI spec of exactly that (see [`openapi`]).
pub fn app(service: Service) -> ApiService {
    let router = ApiRouter::new(registry(), service.clone()).base_path(BASE_PATH).routes(scopegate::routes![
        health,
        me,
        list_documents,
        create_document,
        document_details,
        delete_document,
        add_comment,
        list_shares,
        create_share,
        update_sharing,
        openapi_json,
    ]);
    // The base path is given once, to the router; the spec reads it from there.
    let json =
        openapi(router.base()).to_json().unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    let spec = SpecJson(json.into());
    router.layer(Extension(spec)).with_state(service)
}

/// The API's OpenAPI 3.1 document: utoipa's derive over the handlers, completed by scopegate
/// (the bearer scheme with the vocabulary, `base` as the server URL, each operation's security).
pub fn openapi(base: &str) -> utoipa::openapi::OpenApi {
    let mut spec = ApiDoc::openapi();
    scopegate::utoipa::Security::bearer(registry()).base_path(base).apply(&mut spec);
    spec
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Documents", description = "A single-tenant document API, declared and enforced with scopegate."),
    paths(
        health,
        me,
        list_documents,
        create_document,
        document_details,
        delete_document,
        add_comment,
        list_shares,
        create_share,
        update_sharing,
        openapi_json,
    ),
    tags(
        (name = "docs", description = "Documents and comments"),
        (name = "sharing", description = "Public share links, behind the `sharing` gate"),
        (name = "service", description = "The caller, settings and the service itself"),
    ),
)]
struct ApiDoc;

/// The spec, serialized once when the app is built.
#[derive(Clone, Debug)]
struct SpecJson(Arc<str>);

/// This API's OpenAPI document.
#[scopegate::endpoint(method = GET, path = "/openapi.json", unauthenticated = "The API's description is public.")]
#[utoipa::path(tag = "service", responses((status = 200, description = "The OpenAPI 3.1 document")))]
async fn openapi_json(Extension(spec): Extension<SpecJson>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], spec.0.to_string()).into_response()
}

/// A document's id, in the path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DocumentId {
    /// The document's id.
    pub document_id: u64,
}

/// A document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    /// Its id.
    pub id: u64,
    /// Its title.
    pub title: String,
}

/// A share link.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    /// The link, relative to the service.
    pub link: String,
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub struct Caller {
    /// The kind of principal, e.g. `user_token`.
    pub principal: String,
    /// The scopes the token holds.
    pub scopes: Vec<String>,
}

/// The JSON body of an error: a denial by scopegate, or a missing object.
#[derive(Debug, Serialize, ToSchema)]
pub struct Error {
    /// The HTTP status.
    pub status: u16,
    /// Machine-readable reason, e.g. `missing_scope`.
    pub error: String,
    /// Human-readable explanation.
    pub detail: String,
}
