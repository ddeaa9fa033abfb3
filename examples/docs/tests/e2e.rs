//! The single-tenant document API over real HTTP on 127.0.0.1, and the conformance matrix of its
//! registry.

#![allow(clippy::unwrap_used)]

use reqwest::Method;
use scopegate_example_docs::{BASE_PATH, Service, app, openapi, registry};
use serde_json::{Value, json};

struct Api {
    base: String,
    client: reqwest::Client,
    service: Service,
}

impl Api {
    async fn start() -> Api {
        let service = Service::seeded();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let api = app(service.clone());
        tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });
        Api { base: format!("http://{addr}{BASE_PATH}"), client: reqwest::Client::new(), service }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call(Method::GET, path, token, None).await
    }
}

fn error(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error"].as_str().unwrap_or(""))
}

#[tokio::test]
async fn documents_are_decided_by_token_scopes_and_role() {
    let api = Api::start().await;
    assert_eq!(api.get("/health/", None).await.0, 200);
    assert_eq!(error(&api.get("/documents/", None).await), (401, "no_credentials"));
    assert_eq!(error(&api.get("/documents/", Some("tok-nobody")).await), (401, "invalid_credentials"));
    // The reader's token holds every scope, but the role limits it to reading.
    assert_eq!(api.get("/documents/1/", Some("tok-reader")).await.0, 200);
    let create = || Some(json!({"title": "Plans"}));
    assert_eq!(
        error(&api.call(Method::POST, "/documents/", Some("tok-reader"), create()).await),
        (403, "missing_scope")
    );
    // The editor's narrow token holds only doc:read, whatever the role allows.
    assert_eq!(
        error(&api.call(Method::POST, "/documents/", Some("tok-editor-ro"), create()).await),
        (403, "missing_scope")
    );
    assert_eq!(api.call(Method::POST, "/documents/", Some("tok-editor"), create()).await.0, 201);
    // doc:admin only: the editor may not delete, the superuser may.
    assert_eq!(
        error(&api.call(Method::DELETE, "/documents/2/", Some("tok-editor"), None).await),
        (403, "missing_scope")
    );
    assert_eq!(api.call(Method::DELETE, "/documents/2/", Some("tok-root"), None).await.0, 204);
    // The justified read-only exception: readers comment.
    let comment = Some(json!({"text": "Looks good"}));
    assert_eq!(api.call(Method::POST, "/documents/1/comments/", Some("tok-reader"), comment).await.0, 201);
    // Undeclared method and unknown path.
    assert_eq!(
        error(&api.call(Method::PATCH, "/documents/1/", Some("tok-root"), None).await),
        (405, "method_not_allowed")
    );
    assert_eq!(error(&api.get("/nowhere/", Some("tok-root")).await), (404, "endpoint_not_found"));
}

#[tokio::test]
async fn any_signed_in_caller_and_superusers_only() {
    let api = Api::start().await;
    assert_eq!(error(&api.get("/me/", None).await), (401, "no_credentials"));
    for token in ["tok-reader", "tok-editor-ro", "tok-root"] {
        assert_eq!(api.get("/me/", Some(token)).await.0, 200, "{token}");
    }
    let me = api.get("/me/", Some("tok-editor-ro")).await.1;
    assert_eq!(me["scopes"], json!(["doc:read"]));
    let on = Some(json!({"enabled": true}));
    for token in ["tok-reader", "tok-editor"] {
        let answer = api.call(Method::PUT, "/settings/sharing/", Some(token), on.clone()).await;
        assert_eq!(error(&answer), (403, "superuser_required"), "{token}");
    }
    assert_eq!(api.call(Method::PUT, "/settings/sharing/", Some("tok-root"), on).await.0, 204);
}

#[tokio::test]
async fn sharing_is_gated_by_the_services_feature_and_allowlists() {
    let api = Api::start().await;
    // Off: the gated area does not exist.
    assert_eq!(error(&api.get("/documents/1/shares/", Some("tok-editor")).await), (404, "feature_disabled"));
    api.service.set_sharing(true, false, &[], &[]);
    assert_eq!(api.call(Method::POST, "/documents/1/shares/", Some("tok-editor"), None).await.0, 201);
    assert_eq!(api.get("/documents/1/shares/", Some("tok-reader")).await.0, 200);
    // Granular: only the allowlisted user (the editor, 2) or team (10: the reader) pass.
    api.service.set_sharing(true, true, &[2], &[]);
    assert_eq!(error(&api.get("/documents/1/shares/", Some("tok-reader")).await), (403, "not_on_allowlist"));
    assert_eq!(api.get("/documents/1/shares/", Some("tok-editor")).await.0, 200);
    api.service.set_sharing(true, true, &[], &[10]);
    assert_eq!(api.get("/documents/1/shares/", Some("tok-reader")).await.0, 200);
    api.service.set_sharing(true, true, &[], &[]);
    assert_eq!(error(&api.get("/documents/1/shares/", Some("tok-editor")).await), (403, "empty_allowlist"));
    // The active superuser bypasses the allowlists (this gate's `bypass`).
    assert_eq!(api.get("/documents/1/shares/", Some("tok-root")).await.0, 200);
}

#[test]
fn the_registry_conforms_and_is_single_tenant() {
    let registry = registry();
    assert!(!registry.config().has_organizations());
    assert_eq!(registry.len(), 11);
    scopegate::testing::assert_conformance(registry);
}

/// Denials speak HTTP auth: 401 names the scheme, a bearer token missing a scope is told which
/// would be accepted (RFC 6750 `insufficient_scope`), and a caller with no standing in the service
/// is told that, not a list of scopes the token holds anyway.
#[tokio::test]
async fn denials_speak_http_auth() {
    let api = Api::start().await;
    let send = |method: Method, path: &str, token: Option<&str>| {
        let mut request = api.client.request(method, format!("{}{path}", api.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let challenge =
        |r: &reqwest::Response| r.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
    let anonymous = send(Method::GET, "/documents/", None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(challenge(&anonymous).as_deref(), Some(r#"Bearer realm="docs""#));
    let narrow = send(Method::DELETE, "/documents/1/", Some("tok-editor-ro")).await.unwrap();
    assert_eq!(narrow.status(), 403);
    assert_eq!(
        challenge(&narrow).as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="doc:admin""#)
    );
    // The guest signed in, holds a token with every scope, and has no role: no standing.
    assert_eq!(error(&api.get("/documents/", Some("tok-guest")).await), (403, "no_membership"));
    let guest = send(Method::GET, "/documents/", Some("tok-guest")).await.unwrap();
    assert_eq!(challenge(&guest), None);
    // Any signed-in caller still passes an `authenticated` endpoint.
    assert_eq!(api.get("/me/", Some("tok-guest")).await.0, 200);
}

/// The spec is served without credentials, is valid OpenAPI 3.1, documents every declared
/// endpoint with exactly the security it enforces, and says where the API is served.
#[tokio::test]
async fn the_openapi_spec_documents_what_is_enforced() {
    let api = Api::start().await;
    let (status, served) = api.get("/openapi.json", None).await;
    assert_eq!(status, 200, "{served}");

    let schema: Value =
        serde_json::from_str(include_str!("../../../runtime/tests/data/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&served).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert_eq!(errors, Vec::<String>::new());

    // The served document is the one the check passes on.
    let spec = openapi(BASE_PATH);
    assert_eq!(served, serde_json::to_value(&spec).unwrap());
    scopegate::utoipa::Check::new(registry())
        .base_path(BASE_PATH)
        .run(&spec)
        .unwrap_or_else(|d| panic!("{d}"));

    assert_eq!(served["servers"], json!([{"url": "/v1"}]));
    let op = |path: &str, method: &str| served["paths"][path][method].clone();
    assert_eq!(op("/documents/", "post")["security"], json!([{"auth_token": ["doc:write"]}]));
    assert_eq!(
        op("/documents/{document_id}/comments/", "post")["security"],
        json!([{"auth_token": ["doc:read"]}, {"auth_token": ["doc:write"]}])
    );
    assert_eq!(op("/me/", "get")["security"], json!([{"auth_token": []}]));
    assert_eq!(op("/openapi.json", "get")["security"], json!([]));
    assert_eq!(op("/documents/{document_id}/shares/", "get")["x-scopegate-gate"], "sharing");
    // utoipa's schemas and parameters.
    assert_eq!(
        op("/documents/", "post")["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewDocument"
    );
    assert_eq!(op("/documents/{document_id}/", "get")["parameters"][0]["schema"]["type"], "integer");
    let scheme = &served["components"]["securitySchemes"]["auth_token"];
    assert_eq!((scheme["type"].as_str(), scheme["scheme"].as_str()), (Some("http"), Some("bearer")));
    assert_eq!(scheme["x-scopes"]["doc:read"], "doc:read (read-only)");
}
