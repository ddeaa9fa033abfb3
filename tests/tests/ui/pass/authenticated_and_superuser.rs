// Any signed-in caller without a scope (Sentry's `SentryIsAuthenticated`), and active superusers
// only (Sentry's `SuperuserPermission`), each with the reason the dumps and the audit show.

#[scopegate::endpoint(
    method = GET,
    path = "/users/me/",
    authenticated = "Every signed-in user reads their own profile.",
    owner = "accounts",
    publish = public,
)]
async fn user_details() {}

#[scopegate::endpoint(
    method = PUT,
    path = "/internal/options/",
    superuser = "Instance-wide options are the operators' business.",
    owner = "ops",
)]
async fn update_options() {}

fn main() {
    let registry = scopegate::Registry::global();
    let me = registry.lookup(scopegate::Method::Get, "/users/me/").expect("registered");
    assert_eq!(me.authenticated(), Some("Every signed-in user reads their own profile."));
    assert!(me.requires_credentials() && me.scopes().is_empty());
    let options = registry.lookup(scopegate::Method::Put, "/internal/options/").expect("registered");
    assert_eq!(options.superuser(), Some("Instance-wide options are the operators' business."));
}
