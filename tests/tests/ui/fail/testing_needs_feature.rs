// A lean runtime: the test support (conformance generator, reference model) is behind the
// non-default `testing` feature, for `[dev-dependencies]`; a service built with the default
// features cannot name it.

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "load balancer probe")]
async fn health() {}

fn main() {
    scopegate::testing::assert_conformance(scopegate::Registry::global());
}
