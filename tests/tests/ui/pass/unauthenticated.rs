// An unauthenticated endpoint needs no credentials and accepts no scope.

#[scopegate::endpoint(
    method = POST,
    path = "/auth/login/",
    unauthenticated = "Users log in with a password, before they hold any credentials.",
    owner = "enterprise",
    publish = public,
)]
async fn login() {}

fn main() {
    let endpoint =
        scopegate::Registry::global().by_handler(concat!(module_path!(), "::login")).expect("registered");
    assert!(!endpoint.requires_credentials());
    assert!(endpoint.scopes().is_empty());
    assert_eq!(
        endpoint.unauthenticated(),
        Some("Users log in with a password, before they hold any credentials.")
    );
}
