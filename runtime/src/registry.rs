//! The registry of every endpoint declared with `#[scopegate::endpoint]`, collected via `inventory`.

use std::fmt;
use std::sync::OnceLock;

use crate::config::Config;
use crate::record::{Endpoint, Method};

/// A problem found while building a [`Registry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    /// Two endpoints declare the same method and path.
    Duplicate {
        /// The method both declare.
        method: Method,
        /// The first endpoint's path.
        path: String,
        /// `handler (file:line)` of the first endpoint.
        first: String,
        /// `handler (file:line)` of the second endpoint.
        second: String,
    },
    /// Two path templates the router cannot tell apart (e.g. `/a/{x}/` and `/a/{y}/`).
    Ambiguous {
        /// The method both declare.
        method: Method,
        /// The router's explanation.
        detail: String,
        /// `handler (file:line)` of the endpoint that could not be added.
        handler: String,
    },
    /// An endpoint uses a scope the registry's vocabulary does not know.
    UnknownScope {
        /// The scope.
        scope: String,
        /// `handler (file:line)`.
        handler: String,
    },
    /// An endpoint names a gate the registry's configuration does not define.
    UnknownGate {
        /// The gate.
        gate: String,
        /// `handler (file:line)`.
        handler: String,
    },
    /// An endpoint lies in a gated area without the gate or a `gate_exempt` note.
    Ungated {
        /// The gate whose area the path lies in.
        gate: String,
        /// `handler (file:line)`.
        handler: String,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Duplicate { method, path, first, second } => {
                write!(f, "{method} {path} is declared twice: by {first} and by {second}")
            }
            RegistryError::Ambiguous { method, detail, handler } => {
                write!(f, "{method} route of {handler} conflicts with another endpoint: {detail}")
            }
            RegistryError::UnknownScope { scope, handler } => write!(
                f,
                "{handler} accepts scope {scope:?}, which the registry's vocabulary does not know \
                 (a crate with its own scopegate.toml must build its registry with scopegate::config!())"
            ),
            RegistryError::UnknownGate { gate, handler } => {
                write!(f, "{handler} names gate `{gate}`, which the registry's configuration does not define")
            }
            RegistryError::Ungated { gate, handler } => write!(
                f,
                "{handler} lies in the `{gate}` area but is not gated by it; add `gate = {gate}` or `gate_exempt = \"why\"`"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

fn describe(e: &Endpoint) -> String {
    format!("{} ({})", e.handler(), e.source())
}

/// Every registered endpoint, sorted by path then method, validated, and indexed for lookup.
pub struct Registry {
    config: &'static Config,
    endpoints: Vec<&'static Endpoint>,
    routers: [matchit::Router<usize>; 7],
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("endpoints", &self.endpoints.len()).finish_non_exhaustive()
    }
}

static GLOBAL: OnceLock<Result<Registry, Vec<RegistryError>>> = OnceLock::new();

impl Registry {
    /// The registry of every endpoint linked into this binary, with the built-in configuration;
    /// built once, on first use.
    ///
    /// # Panics
    /// When the declarations conflict (see [`Registry::try_global`]), like axum panics on
    /// overlapping routes: a misconfigured service must not start.
    pub fn global() -> &'static Registry {
        match Registry::try_global() {
            Ok(r) => r,
            Err(errors) => {
                let lines: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
                panic!("scopegate registry is invalid:\n{}", lines.join("\n"))
            }
        }
    }

    /// Like [`Registry::global`], returning the validation errors instead of panicking.
    pub fn try_global() -> Result<&'static Registry, &'static [RegistryError]> {
        GLOBAL
            .get_or_init(|| Registry::from_endpoints(Config::sentry(), inventory::iter::<Endpoint>()))
            .as_ref()
            .map_err(|e| e.as_slice())
    }

    /// Builds a registry from `inventory` with an explicit configuration (e.g. `scopegate::config!()`).
    pub fn with_config(config: &'static Config) -> Result<Registry, Vec<RegistryError>> {
        Registry::from_endpoints(config, inventory::iter::<Endpoint>())
    }

    /// Builds a registry from any set of endpoints (for tests and generated registries).
    pub fn from_endpoints<I>(config: &'static Config, endpoints: I) -> Result<Registry, Vec<RegistryError>>
    where
        I: IntoIterator<Item = &'static Endpoint>,
    {
        let mut endpoints: Vec<&'static Endpoint> = endpoints.into_iter().collect();
        endpoints
            .sort_by(|a, b| (a.path(), a.method(), a.handler()).cmp(&(b.path(), b.method(), b.handler())));
        let mut errors = Vec::new();
        for pair in endpoints.windows(2) {
            if pair[0].path() == pair[1].path() && pair[0].method() == pair[1].method() {
                errors.push(RegistryError::Duplicate {
                    method: pair[0].method(),
                    path: pair[0].path().to_string(),
                    first: describe(pair[0]),
                    second: describe(pair[1]),
                });
            }
        }
        let vocab = config.vocabulary();
        for e in &endpoints {
            for scope in e.scopes() {
                if !vocab.contains(scope) {
                    errors
                        .push(RegistryError::UnknownScope { scope: scope.to_string(), handler: describe(e) });
                }
            }
            if let Some(gate) = e.gate() {
                if config.gate(gate).is_none() {
                    errors.push(RegistryError::UnknownGate { gate: gate.to_string(), handler: describe(e) });
                }
            }
            if e.gate_exempt().is_none() {
                for g in config.gates() {
                    if g.covers(e.path()) && e.gate() != Some(g.name()) {
                        errors.push(RegistryError::Ungated {
                            gate: g.name().to_string(),
                            handler: describe(e),
                        });
                    }
                }
            }
        }
        let mut routers: [matchit::Router<usize>; 7] = Default::default();
        if errors.is_empty() {
            for (i, e) in endpoints.iter().enumerate() {
                if let Err(err) = routers[e.method().index()].insert(e.path(), i) {
                    errors.push(RegistryError::Ambiguous {
                        method: e.method(),
                        detail: err.to_string(),
                        handler: describe(e),
                    });
                }
            }
        }
        if errors.is_empty() { Ok(Registry { config, endpoints, routers }) } else { Err(errors) }
    }

    /// The configuration (vocabulary and gates) the registry enforces.
    pub fn config(&self) -> &'static Config {
        self.config
    }

    /// Every endpoint, sorted by path then method.
    pub fn endpoints(&self) -> &[&'static Endpoint] {
        &self.endpoints
    }

    /// Iterates over every endpoint, sorted by path then method.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static Endpoint> + '_ {
        self.endpoints.iter().copied()
    }

    /// How many endpoints are registered.
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    /// `true` when no endpoint is registered.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The endpoint whose handler is `handler` (its full path, e.g. `my_api::dashboards::update`).
    pub fn by_handler(&self, handler: &str) -> Option<&'static Endpoint> {
        self.endpoints.iter().copied().find(|e| e.handler() == handler)
    }

    /// The endpoint that serves `method` on the concrete request `path` (e.g. `/organizations/acme/`).
    pub fn lookup(&self, method: Method, path: &str) -> Option<&'static Endpoint> {
        self.routers[method.index()].at(path).ok().map(|m| self.endpoints[*m.value])
    }
}
