//! The HTTP handlers, one module per area, each annotated with `#[scopegate::endpoint]`.
//!
//! Handlers run after scopegate allowed the request (scopes, organization, replay gate); they do
//! the object-level checks scopes cannot express and answer 404 for objects that do not exist in
//! the target organization or project.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::StoreError;

pub mod auth;
pub mod dashboards;
pub mod members;
pub mod org_auth_tokens;
pub mod organizations;
pub mod projects;
pub mod replays;
pub mod root;
pub mod searches;

/// An error answer, with the same JSON shape as scopegate's denials:
/// `{"status":404,"error":"not_found","detail":"…"}`.
///
/// ```
/// use axum::response::IntoResponse;
/// let response = scopegate_demo::api::ApiError::not_found("dashboard").into_response();
/// assert_eq!(response.status(), 404);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A machine-readable code, e.g. `not_dashboard_creator`.
    pub code: &'static str,
    /// A human-readable explanation.
    pub detail: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: u16,
    error: &'a str,
    detail: &'a str,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, code, detail: detail.into() }
    }

    /// 404: the named kind of object does not exist here.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("The requested {what} does not exist."))
    }

    /// 403 for an object-level rule, with its own code.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// 400: the request body or query is invalid.
    pub fn invalid(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", detail)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(msg) => ApiError::invalid(msg),
            StoreError::Conflict(msg) => ApiError::new(StatusCode::CONFLICT, "conflict", msg),
            StoreError::Backend(msg) => {
                tracing::error!(error = %msg, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "The server failed; see its log.",
                )
            }
            StoreError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "The database cannot be reached right now; nothing was read or changed. Try again shortly.",
                )
            }
        }
    }
}

/// The `WWW-Authenticate` challenge of every 401 the demo answers (RFC 9110 §11.6.1): the two
/// schemes it accepts, bearer tokens and login sessions.
pub const CHALLENGE: &str = r#"Bearer realm="scopegate-demo", Session realm="scopegate-demo""#;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { status: self.status.as_u16(), error: self.code, detail: &self.detail };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static(CHALLENGE),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // The database usually comes back within seconds (see the demo's README).
            headers.insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}

/// A JSON request body whose rejections answer in the [`ApiError`] shape.
#[derive(Debug)]
pub struct Payload<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Payload<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Payload(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if timed_out(rejection) {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "The request body stopped arriving; send it again.",
        );
    }
    let status = rejection.status();
    let code = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        "unsupported_media_type"
    } else {
        "invalid_request"
    };
    ApiError::new(status, code, rejection.body_text())
}

/// Whether reading the body failed because it stalled for longer than the server's body timeout
/// (`serve --body-timeout`).
fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// A numeric id from a path segment; anything else names nothing (404).
pub(crate) fn path_id(segment: &str, what: &str) -> Result<i64, ApiError> {
    match segment.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::not_found(what)),
    }
}

/// Checks a display name: trimmed, 1 to `max` characters, no control characters.
pub(crate) fn name_field(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid(format!("{field} must be 1 to {max} characters")));
    }
    printable_field(field, value)?;
    Ok(value.to_owned())
}

/// Refuses text with control characters (NUL, which PostgreSQL cannot store in text, line breaks,
/// escapes): a field a person reads is one line of printable text, on either backend.
pub(crate) fn printable_field(field: &str, value: &str) -> Result<(), ApiError> {
    match value.chars().position(char::is_control) {
        Some(at) => Err(ApiError::invalid(format!(
            "{field} must not contain control characters (character {} is U+{:04X})",
            at + 1,
            u32::from(value.chars().nth(at).unwrap_or_default())
        ))),
        None => Ok(()),
    }
}

/// `{"data": …}`, Sentry's envelope for replay responses.
#[derive(Debug, Serialize)]
pub struct Data<T> {
    /// The payload.
    pub data: T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert_eq!(path_id("12", "x"), Ok(12));
        for bad in ["0", "-1", "a", "", "99999999999999999999"] {
            assert_eq!(path_id(bad, "x").map_err(|e| e.status), Err(StatusCode::NOT_FOUND), "{bad}");
        }
        assert_eq!(name_field("title", "  Hi ", 5), Ok("Hi".to_owned()));
        assert!(name_field("title", "   ", 5).is_err());
        assert!(name_field("title", "toolong", 5).is_err());
        for bad in ["a\0b", "tab\there", "line\nbreak", "\u{1b}[31m", "a\u{85}b"] {
            let error = name_field("title", bad, 50).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{bad:?}");
            assert!(error.detail.contains("control characters"), "{}", error.detail);
        }
    }

    #[test]
    fn store_errors_map_to_statuses() {
        assert_eq!(ApiError::from(StoreError::Invalid("x".into())).status, StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::from(StoreError::Conflict("x".into())).status, StatusCode::CONFLICT);
        let internal = ApiError::from(StoreError::Backend("disk on fire".into()));
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.detail.contains("disk"), "backend details stay in the log");
        let unavailable = ApiError::from(StoreError::Unavailable("connection refused".into()));
        assert_eq!(unavailable.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.code, "database_unavailable");
        assert_eq!(unavailable.into_response().headers()[axum::http::header::RETRY_AFTER], "1");
    }
}
