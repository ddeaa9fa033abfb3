//! Organization auth tokens (for CI): always `org:ci`, shown once, stored hashed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Payload, name_field, path_id};
use crate::AppState;
use crate::model::{NewOrgAuthToken, OrgAuthToken};
use crate::permissions::OrgAuthTokenPermission;
use crate::resolve::Caller;
use crate::token::{Secret, TokenKind};

/// The scopes every organization auth token created through the API carries, as in Sentry.
pub const ORG_TOKEN_SCOPES: &[&str] = &["org:ci"];

/// `GET /api/0/organizations/{organization_id_or_slug}/org-auth-tokens/`: the tokens (never their
/// secrets).
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/org-auth-tokens/",
    permission = OrgAuthTokenPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn list_org_auth_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<OrgAuthToken>>, ApiError> {
    let org_id = caller.org()?.id;
    Ok(Json(state.data(move |s| s.org_auth_tokens(org_id)).await?))
}

/// The body of `POST …/org-auth-tokens/`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgAuthTokenInput {
    name: String,
}

/// `POST /api/0/organizations/{organization_id_or_slug}/org-auth-tokens/`: create an `org:ci`
/// token; the response carries the secret (`token`), which is never shown again.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/org-auth-tokens/",
    permission = OrgAuthTokenPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn create_org_auth_token(
    State(state): State<AppState>,
    caller: Caller,
    Payload(input): Payload<OrgAuthTokenInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let org_id = caller.org()?.id;
    let name = name_field("name", &input.name, 255)?;
    let secret = Secret::generate(TokenKind::Org).map_err(|e| {
        tracing::error!(error = %e, "no randomness for a new token");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Could not generate a token.")
    })?;
    let new = NewOrgAuthToken {
        name,
        scopes: ORG_TOKEN_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        created_by: caller.user_id(),
        hash: secret.hash(),
        last_characters: secret.last_characters(),
    };
    let token = state.data(move |s| s.create_org_auth_token(org_id, &new)).await?;
    let mut body = serde_json::to_value(&token)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", e.to_string()))?;
    if let Value::Object(map) = &mut body {
        map.insert("token".into(), json!(secret.as_str()));
    }
    Ok((StatusCode::CREATED, Json(body)))
}

/// `DELETE /api/0/organizations/{organization_id_or_slug}/org-auth-tokens/{token_id}/`: revoke a
/// token.
#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/org-auth-tokens/{token_id}/",
    permission = OrgAuthTokenPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn delete_org_auth_token(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org_id = caller.org()?.id;
    let id = path_id(&token_id, "org auth token")?;
    if state.data(move |s| s.delete_org_auth_token(org_id, id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("org auth token"))
    }
}
