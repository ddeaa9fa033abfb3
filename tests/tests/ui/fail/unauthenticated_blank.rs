// An unauthenticated endpoint must say why it needs no credentials.

#[scopegate::endpoint(
    method = GET,
    path = "/health/",
    unauthenticated = "",
)]
fn health() {}

fn main() {}
