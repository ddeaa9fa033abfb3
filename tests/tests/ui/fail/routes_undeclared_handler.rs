// The declaration is the route: `routes!` mounts only functions that carry
// `#[scopegate::endpoint]`. A plain function has no declaration to be mounted by, so naming it
// does not compile, with the error on its name.

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "load balancer probe")]
async fn health() {}

async fn metrics() {}

fn main() {
    let _routes: scopegate::axum::Routes = scopegate::routes![health, metrics];
}
