//! Cross-crate integration tests of scopegate (see `tests/`).
//!
//! This library declares endpoints in several modules so that `tests/registry.rs` can prove that
//! the registry collects them from every module and crate linked into a binary, sorted by path then
//! method, with the records their attributes declare. `tests/ui.rs` runs the compile-time suite.
//!
//! ```
//! // Mounting a handler links the crate, and with it every endpoint it declares.
//! let _routes: scopegate::axum::Routes = scopegate::routes![scopegate_tests::dashboards::list_dashboards];
//! let registry = scopegate::Registry::global();
//! let endpoint = registry.by_handler("scopegate_tests::dashboards::list_dashboards").unwrap();
//! assert_eq!(endpoint.scopes(), &["org:read", "org:write", "org:admin"]);
//! ```

/// Dashboards: a read endpoint and a mutation whose read-only scope is justified on the endpoint.
pub mod dashboards {
    /// `GET /organizations/{organization_id_or_slug}/dashboards/`
    #[scopegate::endpoint(
        method = GET,
        path = "/organizations/{organization_id_or_slug}/dashboards/",
        scopes = ["org:read", "org:write", "org:admin"],
        owner = "dashboards",
        publish = public,
    )]
    pub async fn list_dashboards() {}

    /// `POST /organizations/{organization_id_or_slug}/dashboards/`
    #[scopegate::endpoint(
        method = POST,
        path = "/organizations/{organization_id_or_slug}/dashboards/",
        scopes = ["org:read", "org:write", "org:admin"],
        readonly_exception = "Members may create personal dashboards without org:write.",
        owner = "dashboards",
        publish = public_experimental,
    )]
    pub async fn create_dashboard() {}
}

/// Session replay: a gated endpoint and an exempt one.
pub mod replays {
    /// `GET /organizations/{organization_id_or_slug}/replays/`
    #[scopegate::endpoint(
        method = GET,
        path = "/organizations/{organization_id_or_slug}/replays/",
        scopes = ["event:read", "event:write", "event:admin"],
        owner = "replay",
        gate = replay,
    )]
    pub async fn list_replays() {}

    /// `HEAD /organizations/{organization_id_or_slug}/replays/`: in the replay area, but exempt.
    #[scopegate::endpoint(
        method = HEAD,
        path = "/organizations/{organization_id_or_slug}/replays/",
        scopes = ["event:read"],
        owner = "replay",
        gate_exempt = "A HEAD request reveals only whether the organization has any replay.",
    )]
    pub fn probe_replays() {}
}

/// Authentication: an endpoint that needs no credentials.
pub mod auth {
    /// `POST /auth/login/`
    #[scopegate::endpoint(
        method = POST,
        path = "/auth/login/",
        unauthenticated = "Users log in with a password, before they hold any credentials.",
        owner = "enterprise",
    )]
    pub fn login() {}
}
