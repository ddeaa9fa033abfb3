// The finished API is a service: it is composed into an axum app with `nest_service` or
// `fallback_service`, never merged or nested as a `Router` (which would let routes be added beside
// the declarations' checks). Trying `merge` or `nest` says so.

#[derive(Clone)]
struct Anonymous;

impl scopegate::axum::Resolver for Anonymous {
    type Rejection = std::convert::Infallible;
    async fn resolve(
        &self,
        _: &mut axum::http::request::Parts,
        _: &'static scopegate::Endpoint,
    ) -> Result<scopegate::axum::Resolved, Self::Rejection> {
        Ok(scopegate::axum::Resolved::new(scopegate::Principal::Anonymous))
    }
}

fn main() {
    let api = || scopegate::axum::ApiRouter::new(scopegate::Registry::global(), Anonymous).into_service();
    let _app: axum::Router = axum::Router::new().merge(api());
    let _app: axum::Router = axum::Router::new().nest("/api", api());
    // What works:
    let _app: axum::Router = axum::Router::new().nest_service("/api", api());
    let _app: axum::Router = axum::Router::new().fallback_service(api());
}
