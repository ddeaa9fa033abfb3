// R4: axum 0.7 wrote path parameters as `:name`; axum 0.8 matches such a segment literally, so the
// route would never serve a request. The help gives the 0.8 spelling.

#[scopegate::endpoint(method = GET, path = "/docs/:doc_id/", unauthenticated = "public documents")]
async fn doc_details() {}

#[scopegate::endpoint(method = GET, path = "/files/*rest", unauthenticated = "static files")]
async fn files() {}

fn main() {}
