//! The same policy as a casbin RESTful model, enforced the way a casbin user would.
//!
//! Model: `r = sub, obj, act`, `p = sub, obj, act` with `sub` a scope, `obj` the path template and
//! `act` the method; matcher `r.sub == p.sub && r.act == p.act && keyMatch3(r.obj, p.obj)` (the
//! cheap comparisons first, so `keyMatch3` runs only on candidate rules); effect "some allow".
//! One policy line per (endpoint, accepted scope). casbin has no "any of these subjects" request,
//! so a request is allowed when one of the caller's effective scopes is: the caller's scopes are
//! expanded and intersected with the role exactly as in [`plain`](crate::plain), then enforced one
//! by one, in name order, until one is allowed.

use std::collections::HashSet;

use casbin::prelude::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use scopegate::Endpoint;

use crate::plain::Plain;

/// The casbin model (RESTful, `keyMatch3` for `{param}` templates).
pub const MODEL: &str = "\
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.act == p.act && keyMatch3(r.obj, p.obj)
";

/// An enforcer over the policy of a set of endpoints.
pub struct Casbin {
    enforcer: Enforcer,
    /// Reuses the plain implementation's hierarchy expansion for the effective scopes.
    scopes: Plain,
}

impl std::fmt::Debug for Casbin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Casbin").finish_non_exhaustive()
    }
}

/// The policy lines of `endpoints`: `[scope, path template, method]` for every accepted scope.
pub fn policy_lines(endpoints: &[&'static Endpoint]) -> Vec<Vec<String>> {
    endpoints
        .iter()
        .flat_map(|e| {
            e.scopes()
                .iter()
                .map(move |s| vec![s.to_string(), e.path().to_string(), e.method().as_str().to_string()])
        })
        .collect()
}

impl Casbin {
    /// Loads the model and one policy line per (endpoint, scope) into an in-memory adapter.
    ///
    /// # Errors
    /// casbin's error when the model or the policy cannot be loaded.
    pub async fn new(config: &scopegate::Config, endpoints: &[&'static Endpoint]) -> casbin::Result<Casbin> {
        let model = DefaultModel::from_str(MODEL).await?;
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default()).await?;
        enforcer.add_policies(policy_lines(endpoints)).await?;
        Ok(Casbin { enforcer, scopes: Plain::new(config, endpoints) })
    }

    /// How many policy lines are loaded.
    pub fn policy_len(&self) -> usize {
        self.enforcer.get_policy().len()
    }

    /// Decides one request for a user token: the effective scopes (hierarchy, ∩ role), then one
    /// `enforce` per scope until one is allowed. An enforcement error counts as a denial.
    pub fn decide(
        &self,
        method: &str,
        path: &str,
        token_scopes: &[String],
        role_scopes: &HashSet<String>,
    ) -> bool {
        let mut effective: Vec<String> =
            self.scopes.effective_scopes(token_scopes, role_scopes).into_iter().collect();
        effective.sort_unstable();
        effective.iter().any(|scope| self.enforcer.enforce((scope.as_str(), path, method)).unwrap_or(false))
    }
}
