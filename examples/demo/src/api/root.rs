//! The API root.

use axum::Json;
use serde_json::{Value, json};

use crate::resolve::Caller;

/// `GET /api/0/`: the API version and who the credentials (if any) belong to, like Sentry's index.
#[scopegate::endpoint(
    method = GET,
    path = "/",
    unauthenticated = "The API root lets clients check connectivity and their credentials; it reveals only the caller's own identity.",
    owner = "core",
    publish = public,
)]
pub async fn api_root(caller: Caller) -> Json<Value> {
    Json(json!({
        "version": "0",
        "auth": caller.principal().kind(),
        "user": caller.user(),
    }))
}
