//! # scopegate
//!
//! Declare HTTP API endpoints together with their permission policy, enforce the policy at compile
//! time (`cargo build` fails on an unjustified read-only scope on a mutation, an unknown scope, an
//! ungated replay endpoint, …) and on every request, and dump/audit the registry.
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

extern crate self as scopegate;

#[cfg(feature = "axum")]
pub mod axum;
mod config;
mod decision;
mod engine;
mod gates;
mod principal;
mod record;
mod registry;
mod router;
mod scopes;

pub use config::{Bypass, Config, GateDef, Vocabulary};
pub use decision::{AccessRequest, Decision, Denial, Reason};
pub use engine::EndpointId;
pub use gates::{GateSource, InMemoryGates, OrganizationState, OrganizationStateBuilder, UnknownGate};
pub use principal::{Membership, OrganizationId, Principal, TeamId, UserCredential, UserId};
pub use record::{Access, Endpoint, Method, MethodScopes, Permission, PermissionClass, Publish, Source};
pub use registry::{Registry, RegistryError, Route};
pub use router::Params;
pub use scopegate_macros::{config, endpoint, permission};
pub use scopes::{Indices, ScopeSet};

pub mod audit;
pub mod cli;
pub mod dump;
pub mod testing;

#[doc(hidden)]
pub mod __private;
