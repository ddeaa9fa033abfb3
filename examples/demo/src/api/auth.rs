//! The caller's own credentials: revoking the one a request presents (sign out), and every session
//! of the signed-in user (sign out everywhere). Revocations are durable (see
//! [`DataStore::revoke_credential`](crate::store::DataStore::revoke_credential)) and take effect on the
//! next request.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ApiError;
use crate::AppState;
use crate::resolve::Caller;
use crate::token::TokenKind;

/// `DELETE /api/0/auth/`: revokes the session or user token this request presents, like Sentry's
/// sign-out. Organization tokens are deleted through their organization instead (400).
#[scopegate::endpoint(
    method = DELETE,
    path = "/auth/",
    authenticated = "Anyone signed in may revoke the credential they present: it takes access away and grants none.",
    owner = "core",
    publish = public,
)]
pub async fn revoke_own_credential(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    match caller.credential() {
        Some((kind @ (TokenKind::Session | TokenKind::User), hash)) => {
            let hash = hash.to_owned();
            // Gone already (revoked by a concurrent request) is what was asked for, too.
            state.data(move |s| s.revoke_credential(kind, &hash)).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        _ => Err(ApiError::invalid(
            "Organization tokens are deleted through /organizations/{organization_id_or_slug}/org-auth-tokens/{token_id}/.",
        )),
    }
}

/// `DELETE /api/0/users/me/sessions/`: revokes every session of the signed-in user, this one
/// included (sign out everywhere), and answers how many. Only a session may: a token, which may be
/// read-only or leaked, cannot sign its user out (403 `session_required`).
#[scopegate::endpoint(
    method = DELETE,
    path = "/users/me/sessions/",
    authenticated = "A signed-in user may end their own sessions; the handler accepts only a session, never a token.",
    owner = "core",
    publish = public,
)]
pub async fn revoke_own_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let (Some((TokenKind::Session, _)), Some(user)) = (caller.credential(), caller.user_id()) else {
        return Err(ApiError::forbidden(
            "session_required",
            "Only a session may end the user's sessions; send `Authorization: Session <session>`.",
        ));
    };
    let revoked = state.data(move |s| s.revoke_user_credentials(TokenKind::Session, user)).await?;
    Ok(Json(json!({ "revoked": revoked })))
}
