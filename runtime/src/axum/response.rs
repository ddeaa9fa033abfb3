use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::routing::MethodFilter;

use crate::decision::{Denial, Reason};
use crate::record::Method;

pub(super) fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The HTTP response for a denial: its status and JSON body (and `Allow` for a 405).
pub fn denial_response(denial: &Denial) -> Response<Body> {
    let status = StatusCode::from_u16(denial.status).unwrap_or(StatusCode::FORBIDDEN);
    let mut response = json_response(status, denial.to_json());
    if let Reason::MethodNotAllowed { allow } = denial.reason
        && let Ok(value) = HeaderValue::from_str(&allow.to_string())
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The axum filter of one declared method.
///
/// ```
/// use axum::routing::MethodFilter;
/// assert_eq!(scopegate::axum::method_filter(scopegate::Method::Put), MethodFilter::PUT);
/// ```
pub fn method_filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Head => MethodFilter::HEAD,
        Method::Options => MethodFilter::OPTIONS,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    }
}

pub(super) async fn not_found(request: Request<Body>) -> Response<Body> {
    // Scanners hit unknown paths all day: debug, not one warning per request.
    tracing::debug!(
        target: "scopegate",
        method = %request.method(),
        path = request.uri().path(),
        status = 404,
        reason = "endpoint_not_found",
        "request denied: no declared endpoint for the path"
    );
    denial_response(&Denial::new(Reason::EndpointNotFound, None))
}
