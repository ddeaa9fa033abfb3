//! # scopegate-demo
//!
//! A small Sentry-like API (organizations, members and teams, projects, dashboards, saved
//! searches, organization auth tokens and session replays) whose permission policy is declared
//! with `#[scopegate::endpoint]` on every handler, on an embedded SQLite database.
//!
//! * [`app`] builds the axum router: each handler is mounted at exactly the method and path its
//!   `#[scopegate::endpoint]` declares, so the router and the registry cannot disagree.
//! * [`resolve::resolve`] turns a request into scopegate's principal, membership and organization
//!   state; [`AppState`] is the enforcement layer's resolver, and
//!   [`scopegate::Registry::authorize`] decides.
//! * [`service`] is what `scopegate-demo serve` serves: [`app`] behind `scopegate::axum`'s layer.
//! * [`store::Store`] is the data access seam; [`store::SqliteStore`] the embedded default.
//!
//! ```
//! use scopegate_demo::{AppState, service, store::SqliteStore};
//! let state = AppState::new(SqliteStore::open_in_memory().unwrap());
//! let router: axum::Router = service(state);
//! # let _ = router;
//! ```

// Tests fail loudly by unwrapping.
#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodFilter, on};
use scopegate::{Method, Registry};

use crate::store::{Store, StoreError, StoreResult};

pub mod admin;
pub mod api;
pub mod model;
pub mod permissions;
pub mod resolve;
pub mod roles;
pub mod store;
pub mod token;

/// Shared state of the service: the store and the registry it enforces.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    registry: &'static Registry,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState").field("store", &self.store).field("registry", &self.registry).finish()
    }
}

impl AppState {
    /// State over `store`, enforcing the global registry (every endpoint linked into the binary).
    ///
    /// # Panics
    /// When the registry is invalid (see [`Registry::global`]): a misconfigured service must not
    /// start.
    pub fn new(store: impl Store) -> AppState {
        AppState::with_registry(Arc::new(store), Registry::global())
    }

    /// State over a shared store and an explicit registry.
    pub fn with_registry(store: Arc<dyn Store>, registry: &'static Registry) -> AppState {
        AppState { store, registry }
    }

    /// The registry the service enforces.
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    /// Runs `f` against the store on the blocking thread pool (stores may block).
    ///
    /// # Errors
    /// What `f` returns, or [`StoreError::Backend`] if the task panicked or was cancelled.
    pub async fn store<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| StoreError::Backend(format!("database task failed: {e}")))?
    }
}

fn method_filter(method: Method) -> MethodFilter {
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

/// Mounts handlers at the method and path their `#[scopegate::endpoint]` declares, looked up in
/// the registry by the handler's full name.
macro_rules! mount {
    ($router:expr, $registry:expr; $($($segment:ident)::+),+ $(,)?) => {{
        let mut router = $router;
        $(
            router = mount_one(
                router,
                $registry,
                concat!(module_path!() $(, "::", stringify!($segment))+),
                $($segment)::+,
            );
        )+
        router
    }};
}

fn mount_one<H, T>(router: Router<AppState>, registry: &Registry, handler: &str, f: H) -> Router<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    let Some(endpoint) = registry.by_handler(handler) else {
        panic!("{handler} is mounted but has no #[scopegate::endpoint] in the registry");
    };
    router.route(endpoint.path(), on(method_filter(endpoint.method()), f))
}

/// The service as it is served: [`app`] behind scopegate's enforcement layer, with the demo's
/// principal resolution ([`resolve::resolve`]). Every request is decided by the registry before a
/// handler runs; routes without `#[scopegate::endpoint]` and unknown paths answer 404.
pub fn service(state: AppState) -> Router {
    let registry = state.registry();
    scopegate::axum::enforce(app(state.clone()), registry, state)
}

/// The service's router: every endpoint of [`api`], mounted at its declared method and path.
///
/// Handlers assume scopegate's check already happened; wrap the router in the enforcement layer
/// (with [`resolve::resolve`] as the principal resolver) before serving it to anyone.
///
/// # Panics
/// When a mounted handler is missing from the state's registry (a handler without
/// `#[scopegate::endpoint]`, or a registry built from other endpoints).
pub fn app(state: AppState) -> Router {
    let router = mount!(Router::new(), state.registry();
        api::root::api_root,
        api::organizations::organization_details,
        api::organizations::update_organization,
        api::members::list_members,
        api::members::remove_member,
        api::members::list_teams,
        api::members::join_team,
        api::members::leave_team,
        api::projects::list_projects,
        api::projects::project_details,
        api::dashboards::list_dashboards,
        api::dashboards::create_dashboard,
        api::dashboards::dashboard_details,
        api::dashboards::update_dashboard,
        api::dashboards::delete_dashboard,
        api::searches::list_searches,
        api::searches::create_search,
        api::searches::delete_search,
        api::org_auth_tokens::list_org_auth_tokens,
        api::org_auth_tokens::create_org_auth_token,
        api::org_auth_tokens::delete_org_auth_token,
        api::replays::list_replays,
        api::replays::organization_replay_details,
        api::replays::replay_details,
        api::replays::delete_replay,
        api::replays::list_recording_segments,
        api::replays::recording_segment_details,
        api::replays::replay_viewed_by,
        api::replays::mark_replay_viewed,
        api::replays::list_deletion_jobs,
        api::replays::create_deletion_job,
        api::replays::deletion_job_details,
    );
    router.with_state(state)
}
