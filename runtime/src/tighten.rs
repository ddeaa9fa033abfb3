//! `tighten-report`: who removing each read-only exception would break, from real traffic.
//!
//! The service stores what [`shadow`](crate::shadow) drains — requests the current policy allowed
//! and the planned one would deny — as daily rollups (a [`UsageSink`](crate::shadow::UsageSink)
//! writes them), and hands the report a [`UsageStore`] that reads them back. [`report`] folds the
//! rows into one [`PlanReport`] per endpoint with a planned policy: `safe` when no request in the
//! window relied on the exception, `would_break` otherwise, with the principals and organizations
//! that did.
//!
//! [`PlannedPolicy`] says what a plan changes — the scopes it adds and drops — as the dumps show
//! it.

use crate::record::{Date, Endpoint, Method, Requirement, ScopeMatch};
use crate::registry::Registry;

/// An endpoint's planned policy beside its current requirement: the scopes the plan **adds** (in
/// the plan, not in the current requirement: a move to a new, narrower scope) and **drops** (in
/// the current requirement, not in the plan: at least the read-only ones the exception accepts).
///
/// ```
/// #[scopegate::endpoint(
///     method = POST,
///     path = "/tighten-docs/organizations/{org}/alert-rules/",
///     scopes = ["alerts:read", "org:write"],
///     readonly_exception = "Members may create alert rules for their projects.",
///     planned_scopes = ["alerts:write", "org:write"],
/// )]
/// async fn create_alert_rule() {}
///
/// let registry = scopegate::Registry::global();
/// let e = registry.by_handler(concat!(module_path!(), "::create_alert_rule")).unwrap();
/// let plan = scopegate::tighten::PlannedPolicy::of(e).unwrap();
/// assert_eq!(plan.adds, ["alerts:write"]);
/// assert_eq!(plan.drops, ["alerts:read"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedPolicy {
    /// The planned requirement ([`Endpoint::planned`]).
    pub requirement: Requirement,
    /// Scopes of the plan the current requirement does not name, in the plan's order.
    pub adds: Vec<&'static str>,
    /// Scopes of the current requirement the plan does not name, in the requirement's order.
    pub drops: Vec<&'static str>,
}

impl PlannedPolicy {
    /// The plan of an endpoint with policy debt; `None` for one without.
    pub fn of(endpoint: &Endpoint) -> Option<PlannedPolicy> {
        let requirement = endpoint.planned()?;
        let current = endpoint.scopes();
        Some(PlannedPolicy {
            requirement,
            adds: requirement.scopes().iter().copied().filter(|s| !current.contains(s)).collect(),
            drops: current.iter().copied().filter(|s| !requirement.scopes().contains(s)).collect(),
        })
    }

    /// The planned scopes.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.requirement.scopes()
    }

    /// How the planned scopes are matched.
    pub fn scope_match(&self) -> ScopeMatch {
        self.requirement.scope_match()
    }
}

/// One rollup row: the requests one principal made on one day to one endpoint that the planned
/// policy would have denied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// The endpoint's handler (its full path, as [`Endpoint::handler`] gives it).
    pub handler: String,
    /// The endpoint's method.
    pub method: Method,
    /// The principal's kind (see [`Principal::kind`](crate::Principal::kind)).
    pub principal_kind: String,
    /// The principal's id as the service names it (a user id, a token id), if any.
    pub principal: Option<String>,
    /// The organization, if any.
    pub organization: Option<String>,
    /// The day (UTC).
    pub day: Date,
    /// How many requests.
    pub requests: u64,
}

/// Where the report reads the rollups from: the service's usage store.
pub trait UsageStore {
    /// Every row of `since` or later.
    fn usage_since(&self, since: Date) -> Result<Vec<Usage>, String>;
}

/// A principal that relied on an exception, with its requests in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalUsage {
    /// Its kind.
    pub kind: String,
    /// Its id, if any.
    pub id: Option<String>,
    /// Its requests.
    pub requests: u64,
    /// The last day it made one.
    pub last_seen: Date,
}

/// `safe` or `would_break`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No request in the window relied on the exception: removing it breaks nobody seen.
    Safe,
    /// Some did.
    WouldBreak,
}

impl Verdict {
    /// `"safe"` or `"would_break"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::WouldBreak => "would_break",
        }
    }
}

/// The report of one planned policy.
#[derive(Clone, Debug)]
pub struct PlanReport {
    /// The endpoint (its scopes, plan and sunset are the endpoint's).
    pub endpoint: &'static Endpoint,
    /// Requests the plan would have denied in the window.
    pub requests: u64,
    /// The principals that made them, most requests first.
    pub principals: Vec<PrincipalUsage>,
    /// How many distinct organizations they came from.
    pub organizations: usize,
    /// The last day one was made.
    pub last_seen: Option<Date>,
    /// `safe` when `requests` is 0.
    pub verdict: Verdict,
}

/// One report per endpoint of `registry` with a planned policy, in the registry's order (path,
/// then method), from the rows of the window. Rows for endpoints the registry does not hold (a
/// handler renamed since) and rows of no request are ignored.
pub fn report(registry: &Registry, usage: &[Usage]) -> Vec<PlanReport> {
    registry
        .endpoints()
        .iter()
        .filter(|e| e.planned().is_some())
        .map(|&endpoint| {
            let rows: Vec<&Usage> = usage
                .iter()
                .filter(|u| {
                    u.requests > 0 && u.handler == endpoint.handler() && u.method == endpoint.method()
                })
                .collect();
            let mut principals: Vec<PrincipalUsage> = Vec::new();
            let mut organizations: Vec<&str> = Vec::new();
            for row in &rows {
                match principals.iter_mut().find(|p| p.kind == row.principal_kind && p.id == row.principal) {
                    Some(p) => {
                        p.requests += row.requests;
                        p.last_seen = p.last_seen.max(row.day);
                    }
                    None => principals.push(PrincipalUsage {
                        kind: row.principal_kind.clone(),
                        id: row.principal.clone(),
                        requests: row.requests,
                        last_seen: row.day,
                    }),
                }
                if let Some(org) = row.organization.as_deref()
                    && !organizations.contains(&org)
                {
                    organizations.push(org);
                }
            }
            principals.sort_by(|a, b| {
                b.requests.cmp(&a.requests).then_with(|| (&a.kind, &a.id).cmp(&(&b.kind, &b.id)))
            });
            let requests = rows.iter().map(|r| r.requests).sum();
            PlanReport {
                endpoint,
                requests,
                organizations: organizations.len(),
                last_seen: rows.iter().map(|r| r.day).max(),
                principals,
                verdict: if requests == 0 { Verdict::Safe } else { Verdict::WouldBreak },
            }
        })
        .collect()
}
