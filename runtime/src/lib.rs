//! # scopegate
//!
//! Declare HTTP API endpoints together with their permission policy. One attribute on a handler is
//! the single source of truth for:
//!
//! 1. **compile-time policy** — `cargo build` fails when a mutation accepts a read-only scope without
//!    a written justification (directly or through a shared permission class), on an unknown scope,
//!    on an endpoint in a gated area that is not gated, and on every other misuse
//!    ([`endpoint`](macro@endpoint) lists the keys and rules);
//! 2. **runtime enforcement** — every endpoint registers itself; the [`Registry`] decides each
//!    request fail-closed (404/405 → 401 → 403 → 404 feature off → 403 access list, see
//!    [`Registry::authorize`]) without allocating, and with the `axum` feature
//!    [`axum::ApiRouter`] mounts each handler at its declared route behind that decision;
//! 3. **dumps and audits** — JSON, Markdown, an HTML permission matrix and OpenAPI 3.1
//!    ([`dump`]), and the policy debt checked against a committed baseline ([`audit`]).
//!
//! ```
//! #[scopegate::endpoint(
//!     method = PUT,
//!     path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
//!     scopes = ["org:read", "org:write", "org:admin"],
//!     readonly_exception = "Members may edit dashboards they created without org:write.",
//!     owner = "dashboards",
//!     publish = public,
//! )]
//! async fn update_dashboard() {}
//!
//! let registry = scopegate::Registry::global();
//! let endpoint = registry.by_handler(concat!(module_path!(), "::update_dashboard")).unwrap();
//! assert_eq!(endpoint.readonly_scopes(), &["org:read"]);
//! ```
//!
//! # Where to read on
//!
//! - [`endpoint`](macro@endpoint) and [`permission`](macro@permission): every key, value form, default
//!   and compile-time rule;
//! - [`config_format`]: `scopegate.toml` — your own vocabulary, gates and tenancy;
//! - [`Registry::authorize`]: the decision order; [`Reason::code`]: the denial codes;
//! - [`axum`]: the router, the resolver and its building blocks;
//! - [`dump::json`]: the JSON dump's contract shape.
//!
//! # Features
//!
//! No feature is on by default: a service that only enforces compiles only the records, the
//! registry, the engine, the gates and the shadow evaluation.
//!
//! | feature | what |
//! |---|---|
//! | `axum` | `axum`: `ApiRouter`, [`routes!`] (implies `serde`) |
//! | `serde` | `Denial` serialises to the JSON error body |
//! | `in-memory-gates` | `InMemoryGates`, a lock-free in-memory gate source |
//! | `dump` | `dump`: JSON, Markdown, HTML matrix, OpenAPI |
//! | `audit` | `audit`: the policy-debt audit against a baseline |
//! | `cli` | `cli`: the `registry`, `audit` and `tighten-report` subcommands for a service's `main` |
//! | `metrics` | `metrics`: decision and would-break counters through the `metrics` facade |
//! | `testing` | `testing`: the conformance generator and reference model, for `[dev-dependencies]` |

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate self as scopegate;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod config;
mod decision;
mod engine;
mod gates;
mod handler;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
mod principal;
mod record;
mod registry;
mod router;
mod scopes;
pub mod shadow;
pub mod tighten;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod utoipa;

pub use config::{Bypass, Config, GateDef, Vocabulary};
pub use decision::{AccessRequest, Decision, Denial, Reason};
pub use engine::EndpointId;
#[cfg(feature = "in-memory-gates")]
pub use gates::InMemoryGates;
pub use gates::{GateSource, OrganizationState, OrganizationStateBuilder, UnknownGate};
pub use handler::Checked;
pub use principal::{Membership, OrganizationId, Principal, TeamId, UserCredential, UserId};
pub use record::{
    Access, AccessForm, Date, Endpoint, Method, MethodScopes, Methods, Permission, PermissionClass, Publish,
    Requirement, ScopeMatch, Source,
};
pub use registry::{Registry, RegistryError, Route};
pub use router::Params;
pub use scopegate_macros::config;
#[doc = include_str!("../docs/endpoint.md")]
#[doc(inline)]
pub use scopegate_macros::endpoint;
#[doc = include_str!("../docs/permission.md")]
#[doc(inline)]
pub use scopegate_macros::permission;

/// The format of `scopegate.toml` (a reference page; nothing to import).
#[doc = include_str!("../docs/configuration.md")]
pub mod config_format {}

/// Handlers to mount with [`axum::ApiRouter::routes`], named by their function paths: each is
/// served at the method and path its `#[scopegate::endpoint]` declares (feature `axum`).
///
/// ```
/// mod dashboards {
///     #[scopegate::endpoint(method = GET, path = "/teams/{org}/dashboards/", scopes = ["org:read"])]
///     pub async fn list_dashboards() {}
/// }
/// #[scopegate::endpoint(method = GET, path = "/teams/{org}/", scopes = ["org:read"])]
/// async fn team_details() {}
///
/// let routes: scopegate::axum::Routes = scopegate::routes![team_details, dashboards::list_dashboards];
/// assert_eq!(routes.len(), 2);
/// ```
///
/// A function without `#[scopegate::endpoint]` cannot be named here: the attribute is what
/// declares the handler's route, so the build fails on the function's name ("`metrics` is a
/// function item, not a type": the attribute leaves a hidden type of the handler's name that
/// carries its declaration and its body; see `tests/tests/ui/fail/routes_undeclared_handler.rs`).
/// Declaration and body are both reached through that type, so a local function or closure of the
/// same name is never what gets mounted (see [`Checked`]).
#[cfg(feature = "axum")]
pub use scopegate_macros::routes;
pub use scopes::{Indices, ScopeSet};

#[cfg(feature = "audit")]
#[cfg_attr(docsrs, doc(cfg(feature = "audit")))]
pub mod audit;
#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
#[cfg(feature = "dump")]
#[cfg_attr(docsrs, doc(cfg(feature = "dump")))]
pub mod dump;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[doc(hidden)]
pub mod __private;

/// The calling crate's registry, built once with its own configuration (`scopegate.toml` beside
/// its `Cargo.toml`, or Sentry's vocabulary without one): `&'static Registry`, for the router, the
/// CLI and the testing helpers. [`Registry::global`] is the same for crates without a
/// `scopegate.toml`.
///
/// Each use site holds its own registry, so call it from one function:
///
/// ```
/// fn registry() -> &'static scopegate::Registry {
///     scopegate::registry!()
/// }
/// # #[scopegate::endpoint(method = GET, path = "/ping/", unauthenticated = "health check")]
/// # async fn ping() {}
/// assert!(registry().lookup(scopegate::Method::Get, "/ping/").is_some());
/// ```
///
/// # Panics
/// On first use, when the declarations conflict (as [`Registry::global`] does).
#[macro_export]
macro_rules! registry {
    () => {{
        static REGISTRY: ::std::sync::OnceLock<$crate::Registry> = ::std::sync::OnceLock::new();
        REGISTRY.get_or_init(|| {
            $crate::__private::valid_registry($crate::Registry::with_config($crate::config!()))
        })
    }};
}
