// `#[utoipa::path]` under `#[scopegate::endpoint]` needs scopegate's `utoipa` feature.

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancers probe it.")]
#[utoipa::path(responses((status = 200, description = "ok")))]
async fn health() {}

fn main() {}
