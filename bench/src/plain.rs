//! The permission check written the way Sentry's Python does it, as the baseline scopegate is
//! measured against.
//!
//! * Each view (one path template) has a `scope_map`: method name → set of scope names
//!   (`HashMap<String, HashSet<String>>`, Sentry's `ScopedPermission.scope_map`).
//! * The route is found by scanning the views in order and comparing the request path with each
//!   template segment by segment (Django's URL resolver scans its patterns the same way, with
//!   regexes); the first match wins, and the views are ordered so that literal segments come before
//!   parameters, as scopegate's router prefers them.
//! * A user token's scopes are expanded through the hierarchy on every request into a
//!   `HashSet<String>` (Sentry's `ApiToken.get_scopes()`), then intersected with the member's role
//!   scopes (`determine_access`); access is granted when any scope of the method's set is held
//!   (`any(request.access.has_scope(s) for s in allowed_scopes)`).
//!
//! Feature-area gates are out of scope: Sentry checks them in separate code per endpoint.

use std::collections::{HashMap, HashSet};

use scopegate::{Config, Endpoint};

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

/// One view: a path template with its per-method scope map.
#[derive(Debug, Clone)]
struct View {
    segments: Vec<Segment>,
    scope_map: HashMap<String, HashSet<String>>,
    /// Methods that need no credentials.
    open: HashSet<String>,
}

impl View {
    fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else { return false };
        let mut parts = rest.split('/');
        for seg in &self.segments {
            match (seg, parts.next()) {
                (Segment::Literal(lit), Some(p)) if lit == p => {}
                // A parameter matches one segment, which may be empty unless it is the last one.
                (Segment::Param, Some(p)) if !p.is_empty() => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }

    /// Literals before parameters, segment by segment (the order scopegate's router prefers).
    fn specificity(&self) -> Vec<u8> {
        self.segments.iter().map(|s| matches!(s, Segment::Param) as u8).collect()
    }
}

/// Who calls, as a Python service holds it: scope names loaded from the database.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// A user auth token with its stored scope names, and the member's role scopes.
    UserToken {
        /// The token's scopes, as stored.
        token_scopes: Vec<String>,
        /// The member's role scopes (Sentry lists them in full; no hierarchy).
        role_scopes: HashSet<String>,
    },
}

/// The outcome of [`Plain::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request may proceed.
    Allow,
    /// No view serves the path (404).
    NotFound,
    /// The view does not serve the method (405), as Django answers.
    MethodNotAllowed,
    /// The view needs credentials (401).
    Unauthorized,
    /// No accepted scope is held (403).
    Forbidden,
}

/// The whole API's policy, in the plain representation.
#[derive(Debug, Clone)]
pub struct Plain {
    views: Vec<View>,
    hierarchy: HashMap<String, Vec<String>>,
}

impl Plain {
    /// Builds the plain policy of `endpoints` with `config`'s hierarchy.
    pub fn new(config: &Config, endpoints: &[&'static Endpoint]) -> Plain {
        let mut by_path: HashMap<&str, View> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for e in endpoints {
            let view = by_path.entry(e.path()).or_insert_with(|| {
                order.push(e.path());
                View {
                    segments: e
                        .path()
                        .trim_start_matches('/')
                        .split('/')
                        .map(|s| {
                            if s.starts_with('{') { Segment::Param } else { Segment::Literal(s.to_string()) }
                        })
                        .collect(),
                    scope_map: HashMap::new(),
                    open: HashSet::new(),
                }
            });
            let method = e.method().as_str().to_string();
            if !e.requires_credentials() {
                view.open.insert(method.clone());
            }
            view.scope_map.insert(method, e.scopes().iter().map(|s| s.to_string()).collect());
        }
        let mut views: Vec<View> = order.into_iter().filter_map(|p| by_path.remove(p)).collect();
        views.sort_by_key(View::specificity);
        let hierarchy = config
            .vocabulary()
            .implies()
            .iter()
            .map(|(scope, implied)| (scope.to_string(), implied.iter().map(|s| s.to_string()).collect()))
            .collect();
        Plain { views, hierarchy }
    }

    /// The token's scopes with the hierarchy applied (Sentry's `get_scopes()`), intersected with
    /// the role's scopes (`determine_access`).
    pub fn effective_scopes(
        &self,
        token_scopes: &[String],
        role_scopes: &HashSet<String>,
    ) -> HashSet<String> {
        let mut expanded: HashSet<String> = HashSet::new();
        for scope in token_scopes {
            expanded.insert(scope.clone());
            if let Some(implied) = self.hierarchy.get(scope) {
                expanded.extend(implied.iter().cloned());
            }
        }
        expanded.retain(|s| role_scopes.contains(s));
        expanded
    }

    /// Decides one request: route, credentials, scopes.
    pub fn decide(&self, method: &str, path: &str, caller: &Caller) -> Outcome {
        let Some(view) = self.views.iter().find(|v| v.matches(path)) else { return Outcome::NotFound };
        // HEAD is served by the GET view method, as in Django and axum.
        let method = if method == "HEAD" && !view.scope_map.contains_key("HEAD") { "GET" } else { method };
        let Some(allowed) = view.scope_map.get(method) else { return Outcome::MethodNotAllowed };
        if view.open.contains(method) {
            return Outcome::Allow;
        }
        let Caller::UserToken { token_scopes, role_scopes } = caller else { return Outcome::Unauthorized };
        let access = self.effective_scopes(token_scopes, role_scopes);
        if allowed.iter().any(|s| access.contains(s)) { Outcome::Allow } else { Outcome::Forbidden }
    }
}
