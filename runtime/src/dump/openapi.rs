//! The OpenAPI 3.1 dump of the published endpoints.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{path_params, sorted_endpoints};
use crate::record::{Endpoint, Publish};
use crate::registry::Registry;
use crate::tighten::PlannedPolicy;

use scopegate_core::openapi::SCHEME_DESCRIPTION;
/// The name of the security scheme every authenticated operation refers to.
pub use scopegate_core::openapi::SECURITY_SCHEME;

/// Document-level settings of the OpenAPI dump.
///
/// ```standalone_crate
/// let options = scopegate::dump::OpenApiOptions {
///     title: "Acme API".into(),
///     version: "2.1.0".into(),
///     ..Default::default()
/// };
/// let doc = scopegate::dump::openapi(scopegate::Registry::global(), &options);
/// assert_eq!(doc["info"]["title"], "Acme API");
/// assert_eq!(doc["openapi"], "3.1.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiOptions {
    /// `info.title`.
    pub title: String,
    /// `info.version`: the version of the API (not of OpenAPI).
    pub version: String,
    /// `info.description`, if any.
    pub description: Option<String>,
    /// OAuth2 authorization-code endpoints `(authorization_url, token_url)`. With them the
    /// `auth_token` scheme is an OAuth2 scheme; without them it is an HTTP bearer scheme. Either way
    /// the scheme lists every scope of the vocabulary.
    pub oauth2: Option<(String, String)>,
    /// `servers[].url`: where the API is served, e.g. the base path of
    /// [`ApiRouter::base_path`](crate::axum::ApiRouter::base_path) (`/api/0`) or a full URL. Paths
    /// in the document stay the declared ones, relative to the server. Empty: no `servers`.
    pub servers: Vec<String>,
}

impl Default for OpenApiOptions {
    fn default() -> Self {
        OpenApiOptions {
            title: "API".to_string(),
            version: "0.0.0".to_string(),
            description: None,
            oauth2: None,
            servers: Vec::new(),
        }
    }
}

/// The published endpoints (`publish = public` and `public_experimental`) as an OpenAPI 3.1 document.
///
/// Each operation has the handler's name as `operationId` (the full handler path when two published
/// handlers share a name), its owner as tag, `security` meaning what is enforced (OpenAPI ANDs the
/// scopes of one requirement and ORs the requirements: one requirement per accepted scope when any
/// one of them grants access, `[{"auth_token": ["org:read"]}, {"auth_token": ["org:write"]}]`;
/// one requirement with every scope when all are needed, `scopes = all(...)`:
/// `[{"auth_token": ["members:read", "org:write"]}]`; `[{"auth_token": []}]` for any signed-in
/// caller; `[]` when it needs no credentials), `x-readonly-exception` when it accepts read-only scopes on a mutation,
/// with `x-planned-scopes` — the planned policy that replaces the exception,
/// `{"scopes": [...], "scope_match": "any"|"all", "adds": [...], "drops": [...]}`, where `adds`
/// are its scopes the current requirement does not name and `drops` the current scopes it does
/// not keep — and `x-sunset` (`"YYYY-MM-DD"`) when the exception has a sunset,
/// `x-scopegate-gate` when gated, `x-experimental: true` when `public_experimental`, a default
/// response and 401/403/404 responses whose body is the `Error` schema (the JSON body of a denial).
/// Path parameters are declared on each path item.
///
/// ```standalone_crate
/// #[scopegate::endpoint(
///     method = GET, path = "/organizations/{org}/replays/",
///     scopes = ["org:read"], owner = "replay", publish = public, gate = replay,
/// )]
/// fn list_replays() {}
///
/// let doc = scopegate::dump::openapi(scopegate::Registry::global(), &Default::default());
/// let op = &doc["paths"]["/organizations/{org}/replays/"]["get"];
/// assert_eq!(op["operationId"], "list_replays");
/// assert_eq!(op["security"][0]["auth_token"][0], "org:read");
/// assert_eq!(op["x-scopegate-gate"], "replay");
/// ```
pub fn openapi(registry: &Registry, options: &OpenApiOptions) -> Value {
    let published: Vec<&'static Endpoint> =
        sorted_endpoints(registry).into_iter().filter(|e| e.publish().is_published()).collect();
    let mut name_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &published {
        *name_counts.entry(e.name()).or_default() += 1;
    }

    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags: BTreeSet<&str> = BTreeSet::new();
    for e in &published {
        tags.insert(e.owner());
        let key = scopegate_core::openapi::path(e.path());
        let item = paths.entry(key).or_insert_with(|| {
            let params = path_params(e.path());
            let mut item = Map::new();
            if !params.is_empty() {
                let params: Vec<Value> = params
                    .into_iter()
                    .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
                    .collect();
                item.insert("parameters".into(), Value::Array(params));
            }
            item
        });
        let operation_id = if name_counts.get(e.name()).copied().unwrap_or(0) > 1 {
            e.handler().replace("::", ".")
        } else {
            e.name().to_string()
        };
        item.insert(e.method().as_str().to_ascii_lowercase(), operation(e, operation_id));
    }

    let vocab = registry.config().vocabulary();
    let mut scope_map = Map::new();
    for scope in vocab.scopes() {
        let description =
            if vocab.is_readonly(scope) { format!("{scope} (read-only)") } else { scope.to_string() };
        scope_map.insert(scope.to_string(), Value::String(description));
    }
    let scheme = match &options.oauth2 {
        Some((authorization_url, token_url)) => json!({
            "type": "oauth2",
            "description": format!("An auth token. {SCHEME_DESCRIPTION}"),
            "flows": {"authorizationCode": {
                "authorizationUrl": authorization_url,
                "tokenUrl": token_url,
                "scopes": scope_map,
            }},
        }),
        None => json!({
            "type": "http",
            "scheme": "bearer",
            "description": format!(
                "An auth token sent as `Authorization: Bearer <token>`. {SCHEME_DESCRIPTION} Scopes: {}.",
                vocab.scopes().join(", ")
            ),
            "x-scopes": scope_map,
        }),
    };

    let mut info = Map::new();
    info.insert("title".into(), Value::String(options.title.clone()));
    info.insert("version".into(), Value::String(options.version.clone()));
    if let Some(d) = &options.description {
        info.insert("description".into(), Value::String(d.clone()));
    }
    let paths: Map<String, Value> = paths.into_iter().map(|(k, v)| (k, Value::Object(v))).collect();
    let tags: Vec<Value> = tags.into_iter().map(|t| json!({"name": t})).collect();

    let mut doc = json!({
        "openapi": "3.1.0",
        "info": info,
        "tags": tags,
        "paths": paths,
        "components": {
            "securitySchemes": {SECURITY_SCHEME: scheme},
            "schemas": {"Error": error_schema()},
            "responses": {
                "Unauthorized": error_response("No credentials were sent (`no_credentials`)."),
                "Forbidden": error_response(
                    "The credentials do not meet the scope requirement (they hold none of the accepted \
                     scopes, or not all of the required ones), or a feature-area gate denies access."
                ),
                "NotFound": error_response(
                    "No such endpoint or object, or the feature is disabled for the organization."
                ),
            },
        },
    });
    if !options.servers.is_empty() {
        let servers: Vec<Value> = options.servers.iter().map(|url| json!({"url": url})).collect();
        doc["servers"] = Value::Array(servers);
    }
    doc
}

/// [`openapi`] pretty-printed, with a trailing newline.
pub fn openapi_json(registry: &Registry, options: &OpenApiOptions) -> String {
    let mut out = serde_json::to_string_pretty(&openapi(registry, options))
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    out.push('\n');
    out
}

/// The operation's security requirements, meaning what is enforced. OpenAPI ANDs the scopes of one
/// requirement object and ORs the objects, so an endpoint that accepts any one of its scopes lists
/// one requirement per scope, and one that needs all of them (`scopes = all(...)`) lists one
/// requirement holding every scope; a signed-in caller without a scope (`authenticated`,
/// `superuser`) is one requirement with no scope; an endpoint that needs no credentials has `[]`.
fn security(e: &Endpoint) -> Value {
    e.security().into_iter().map(|scopes| json!({SECURITY_SCHEME: scopes})).collect()
}

fn operation(e: &Endpoint, operation_id: String) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), Value::String(operation_id));
    op.insert("tags".into(), json!([e.owner()]));
    op.insert("summary".into(), Value::String(format!("{} {}", e.method(), e.path())));
    op.insert("security".into(), security(e));
    let mut responses = Map::new();
    responses.insert("default".into(), json!({"description": "The endpoint's response."}));
    if e.requires_credentials() {
        responses.insert("401".into(), json!({"$ref": "#/components/responses/Unauthorized"}));
    }
    if e.requires_credentials() || e.gate().is_some() {
        responses.insert("403".into(), json!({"$ref": "#/components/responses/Forbidden"}));
    }
    responses.insert("404".into(), json!({"$ref": "#/components/responses/NotFound"}));
    op.insert("responses".into(), Value::Object(responses));
    if let Some(why) = e.unauthenticated() {
        op.insert("description".into(), Value::String(format!("Needs no credentials: {why}")));
    }
    if let Some(why) = e.authenticated() {
        op.insert(
            "description".into(),
            Value::String(format!("Any signed-in caller, no scope needed: {why}")),
        );
    }
    if let Some(why) = e.superuser() {
        op.insert("description".into(), Value::String(format!("Active superusers only: {why}")));
        op.insert("x-scopegate-superuser".into(), Value::Bool(true));
    }
    if e.has_policy_debt()
        && let Some(note) = e.readonly_exception()
    {
        op.insert("x-readonly-exception".into(), Value::String(note.to_string()));
    }
    if let Some(plan) = PlannedPolicy::of(e) {
        op.insert("x-planned-scopes".into(), plan.to_json());
    }
    if let Some(sunset) = e.sunset() {
        op.insert("x-sunset".into(), Value::String(sunset.to_string()));
    }
    if let Some(gate) = e.gate() {
        op.insert("x-scopegate-gate".into(), Value::String(gate.to_string()));
    }
    if e.publish() == Publish::PublicExperimental {
        op.insert("x-experimental".into(), Value::Bool(true));
    }
    Value::Object(op)
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "The JSON body of a denied request.",
        "required": ["status", "error", "detail"],
        "properties": {
            "status": {"type": "integer", "description": "The HTTP status code."},
            "error": {"type": "string", "description": "Machine-readable reason, e.g. `missing_scope`."},
            "detail": {"type": "string", "description": "Human-readable explanation."},
            "accepted_scopes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "For `missing_scope`: the endpoint's scopes; any one of them grants access \
                    when `scope_match` is `any`, all of them together when it is `all`."
            },
            "scope_match": {
                "type": "string",
                "enum": ["any", "all"],
                "description": "For `missing_scope`: how `accepted_scopes` are matched."
            }
        }
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}
