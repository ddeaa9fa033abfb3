//! # scopegate-demo
//!
//! A small Sentry-like API (organizations, members and teams, projects, dashboards, saved
//! searches, organization auth tokens and session replays) whose permission policy is declared
//! with `#[scopegate::endpoint]` on every handler, on an embedded SQLite database or PostgreSQL.
//!
//! * [`routes`] names every handler; scopegate's `ApiRouter` ([`api()`](fn@api)) mounts each at exactly the
//!   method and path its `#[scopegate::endpoint]` declares, under [`BASE_PATH`], so the router
//!   and the registry cannot disagree.
//! * [`resolve::resolve`] turns a request into scopegate's principal, membership and organization
//!   state; [`AppState`] is the enforcement layer's resolver, and
//!   [`scopegate::Registry::authorize`] decides.
//! * [`service`] is what `scopegate-demo serve` serves: [`api()`](fn@api) with its state.
//! * [`store::ServiceStore`] is the data access seam; [`store::SqliteStore`] the embedded default,
//!   [`store::PostgresStore`] the server for several instances ([`store::Database`] picks one from
//!   the CLI's `--db`), [`store::CachedStore`] a serving instance's snapshot cache in front of
//!   either.
//!
//! ```
//! use scopegate_demo::{AppState, service, store::SqliteStore};
//! let state = AppState::new(SqliteStore::open_in_memory().unwrap());
//! let api: scopegate::axum::ApiService = service(state);
//! # let _ = api;
//! ```

// Tests fail loudly by unwrapping.
#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::fmt;
use std::sync::Arc;

use scopegate::Registry;
use scopegate::axum::{ApiRouter, ApiService, Routes};

use crate::store::{DataStore, ServiceStore, StoreError, StoreResult};

pub mod admin;
pub mod api;
pub mod model;
pub mod permissions;
pub mod resolve;
pub mod roles;
pub mod store;
pub mod tightening;
pub mod token;

/// Shared state of the service: the store and the registry it enforces.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn ServiceStore>,
    registry: &'static Registry,
    gate_uses: Arc<tightening::gates::GateUseLog>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over `store`, enforcing the global registry (every endpoint linked into the binary).
    ///
    /// # Panics
    /// When the registry is invalid (see [`Registry::global`]): a misconfigured service must not
    /// start.
    pub fn new(store: impl ServiceStore) -> AppState {
        AppState::with_registry(Arc::new(store), Registry::global())
    }

    /// State over a shared store and an explicit registry.
    pub fn with_registry(store: Arc<dyn ServiceStore>, registry: &'static Registry) -> AppState {
        AppState { store, registry, gate_uses: Arc::default() }
    }

    /// The registry the service enforces.
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    /// The uses of gated areas this instance has recorded today (see
    /// [`tightening::gates`]).
    pub fn gate_uses(&self) -> &tightening::gates::GateUseLog {
        &self.gate_uses
    }

    /// Runs `f` against the store on the blocking thread pool (stores may block): for the reads a
    /// decision makes and the writes that change them (see [`ServiceStore`]).
    ///
    /// # Errors
    /// What `f` returns, or [`StoreError::Backend`] if the task panicked or was cancelled.
    pub async fn store<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn ServiceStore) -> StoreResult<T> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| StoreError::Backend(format!("database task failed: {e}")))?
    }

    /// [`store`](Self::store) for the data methods ([`ServiceStore::data`]).
    ///
    /// # Errors
    /// What `f` returns, or [`StoreError::Backend`] if the task panicked or was cancelled.
    pub async fn data<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn DataStore) -> StoreResult<T> + Send + 'static,
    {
        self.store(move |s| f(s.data())).await
    }
}

/// The prefix every endpoint is served under; declarations do not repeat it.
pub const BASE_PATH: &str = "/api/0";

/// Every handler of [`mod@api`], each served at the method and path its `#[scopegate::endpoint]`
/// declares.
pub fn routes() -> Routes<AppState> {
    scopegate::routes![
        api::root::api_root,
        api::auth::revoke_own_credential,
        api::auth::revoke_own_sessions,
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
        api::replays::replay_access_preview,
    ]
}

/// The API before its state: [`routes`] under [`BASE_PATH`], each handler behind scopegate's
/// decision, with the demo's principal resolution ([`resolve::resolve`]); allowed requests to a
/// gated area are recorded for the rollout preview ([`tightening::gates::record_gate_use`]).
pub fn api(state: &AppState) -> ApiRouter<AppState, AppState> {
    ApiRouter::new(state.registry(), state.clone())
        .base_path(BASE_PATH)
        .routes(routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), tightening::gates::record_gate_use))
}

/// The service as it is served: every request is decided by the registry before a handler runs;
/// unknown paths answer 404, undeclared methods 405.
///
/// # Panics
/// When a mounted handler is missing from the state's registry (a registry built from other
/// endpoints).
pub fn service(state: AppState) -> ApiService {
    api(&state).with_state(state)
}
