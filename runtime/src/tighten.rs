//! `tighten-report`: who removing each read-only exception would break, from real traffic.
//!
//! The service stores what [`shadow`](crate::shadow) drains — requests the current policy allowed
//! and the planned one would deny — as daily rollups (a [`UsageSink`](crate::shadow::UsageSink)
//! writes them), and hands the report a [`UsageStore`] that reads them back. [`report`] folds the
//! rows into one [`PlanReport`] per endpoint with a planned policy: `safe` when no request in the
//! window relied on the exception, `would_break` otherwise, with the principals and organizations
//! that did.
//!
//! [`to_json`] and [`to_markdown`] (feature `dump`) print the reports as the `tighten-report`
//! subcommand of [`cli`](crate::cli) does: the JSON for tools, the Markdown for the pull request
//! that removes the exception. [`PlannedPolicy`] says what a plan changes — the scopes it adds and
//! drops — as every dump and the audit show it.

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

    /// `{"scopes": [...], "scope_match": "any"|"all", "adds": [...], "drops": [...]}`: the plan as
    /// the OpenAPI dump (`x-planned-scopes`) and the utoipa integration
    /// (`x-scopegate-planned-scopes`) document it.
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "scopes": self.scopes(),
            "scope_match": self.scope_match().as_str(),
            "adds": self.adds,
            "drops": self.drops,
        })
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

/// A report's window, as `--since` takes it: `Nd`, the last N days with today (`1d` is today
/// alone, `30d` today and the 29 days before it), or a first day `YYYY-MM-DD` not after today.
/// The one reading of `--since` for `scopegate::cli` and for services with their own command.
///
/// ```
/// use scopegate::Date;
/// use scopegate::tighten::parse_since;
/// let today = Date::parse("2026-12-06").unwrap();
/// assert_eq!(parse_since("30d", today).unwrap().to_string(), "2026-11-07");
/// assert_eq!(parse_since("1d", today), Ok(today));
/// assert_eq!(parse_since("2026-12-01", today).unwrap().to_string(), "2026-12-01");
/// assert!(parse_since("0d", today).unwrap_err().contains("at least 1 day"));
/// assert!(parse_since("2026-12-07", today).unwrap_err().contains("after today"));
/// assert!(parse_since("+3d", today).is_err() && parse_since("yesterday", today).is_err());
/// ```
///
/// # Errors
/// A message saying what is accepted.
pub fn parse_since(value: &str, today: Date) -> Result<Date, String> {
    let bad = || format!("`--since` takes a number of days (`30d`) or a date (`2026-03-01`), not `{value}`");
    if let Some(days) = value.strip_suffix('d') {
        if days.is_empty() || !days.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let days: u32 = days.parse().map_err(|_| bad())?;
        if days == 0 {
            return Err("`--since` needs a window of at least 1 day (`1d`)".to_string());
        }
        return Ok(Date::from_days(today.days_since_epoch() - i64::from(days) + 1));
    }
    let date = Date::parse(value).ok_or_else(bad)?;
    if date > today {
        return Err(format!("`--since` {date} is after today ({today})"));
    }
    Ok(date)
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

/// How many principals [`to_json`] lists in `top_principals` and [`to_markdown`] in its table.
pub const TOP_PRINCIPALS: usize = 10;

/// The reports as JSON, in the shape of the design's contract, pretty-printed with a trailing
/// newline:
///
/// ```text
/// {"since": "YYYY-MM-DD",
///  "plans": [{"handler", "method", "path", "scopes", "planned_scopes", "requests", "principals",
///             "organizations", "last_seen", "verdict", "top_principals": [{"kind", "id", "requests", "last_seen"}]}]}
/// ```
///
/// `scopes` is the current requirement, `planned_scopes` the plan's; `requests` the requests the
/// plan would have denied in the window; `principals` and `organizations` how many distinct ones
/// made them; `last_seen` the last day one was made (`"YYYY-MM-DD"`, `null` without any);
/// `verdict` `"safe"` (no request would have been denied) or `"would_break"`. Beside the contract:
/// `since`, the first day of the window, and `top_principals`, the (at most
/// [`TOP_PRINCIPALS`]) principals with the most requests, `id` `null` for a principal without one.
///
/// ```
/// #[scopegate::endpoint(
///     method = PUT,
///     path = "/tighten-docs/organizations/{org}/dashboards/{id}/",
///     scopes = ["org:read", "org:write"],
///     readonly_exception = "Members may edit the dashboards they created.",
/// )]
/// async fn update_dashboard() {}
///
/// use scopegate::tighten::{Usage, report, to_json};
/// let registry = scopegate::Registry::global();
/// let day = scopegate::Date::parse("2026-03-02").unwrap();
/// let rows = [Usage {
///     handler: concat!(module_path!(), "::update_dashboard").to_string(),
///     method: scopegate::Method::Put,
///     principal_kind: "user_token".into(),
///     principal: Some("17".into()),
///     organization: Some("acme".into()),
///     day,
///     requests: 3,
/// }];
/// let json: serde_json::Value =
///     serde_json::from_str(&to_json(&report(registry, &rows), day)).unwrap();
/// let plan = json["plans"].as_array().unwrap().iter()
///     .find(|p| p["path"] == "/tighten-docs/organizations/{org}/dashboards/{id}/").unwrap();
/// assert_eq!(plan["planned_scopes"], serde_json::json!(["org:write"]));
/// assert_eq!((plan["requests"].as_u64(), plan["verdict"].as_str()), (Some(3), Some("would_break")));
/// ```
#[cfg(feature = "dump")]
#[cfg_attr(docsrs, doc(cfg(feature = "dump")))]
pub fn to_json(reports: &[PlanReport], since: Date) -> String {
    use serde::Serialize;

    #[derive(Serialize)]
    struct Report<'a> {
        since: String,
        plans: Vec<Plan<'a>>,
    }
    #[derive(Serialize)]
    struct Plan<'a> {
        handler: &'static str,
        method: &'static str,
        path: &'static str,
        scopes: &'static [&'static str],
        planned_scopes: &'static [&'static str],
        requests: u64,
        principals: usize,
        organizations: usize,
        last_seen: Option<String>,
        verdict: &'static str,
        top_principals: Vec<Principal<'a>>,
    }
    #[derive(Serialize)]
    struct Principal<'a> {
        kind: &'a str,
        id: Option<&'a str>,
        requests: u64,
        last_seen: String,
    }

    let report = Report {
        since: since.to_string(),
        plans: reports
            .iter()
            .map(|r| Plan {
                handler: r.endpoint.handler(),
                method: r.endpoint.method().as_str(),
                path: r.endpoint.path(),
                scopes: r.endpoint.scopes(),
                planned_scopes: r.endpoint.planned().map_or(&[][..], Requirement::scopes),
                requests: r.requests,
                principals: r.principals.len(),
                organizations: r.organizations,
                last_seen: r.last_seen.map(|d| d.to_string()),
                verdict: r.verdict.as_str(),
                top_principals: r
                    .principals
                    .iter()
                    .take(TOP_PRINCIPALS)
                    .map(|p| Principal {
                        kind: &p.kind,
                        id: p.id.as_deref(),
                        requests: p.requests,
                        last_seen: p.last_seen.to_string(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&report)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    out.push('\n');
    out
}

/// The reports as the Markdown a reviewer pastes into the pull request that removes a read-only
/// exception: a summary line, then per plan a heading with the method, path and handler, the
/// current and planned scopes with what the plan adds and drops, the exception and its sunset,
/// the verdict in words, the requests, distinct principals and organizations, the last day one
/// was seen, and a table of the (at most [`TOP_PRINCIPALS`]) principals with the most requests.
/// A `safe` plan says plainly that nobody relied on the exception in the window.
///
/// ```
/// #[scopegate::endpoint(
///     method = POST,
///     path = "/tighten-docs/organizations/{org}/searches/",
///     scopes = ["org:read", "org:write"],
///     readonly_exception = "Members may save personal searches.",
/// )]
/// async fn save_search() {}
///
/// use scopegate::tighten::{report, to_markdown};
/// let since = scopegate::Date::parse("2026-03-01").unwrap();
/// let md = to_markdown(&report(scopegate::Registry::global(), &[]), since);
/// assert!(md.contains("### `POST` `/tighten-docs/organizations/{org}/searches/`"));
/// assert!(md.contains("Nobody relied on the read-only exception from 2026-03-01 on"));
/// ```
#[cfg(feature = "dump")]
#[cfg_attr(docsrs, doc(cfg(feature = "dump")))]
pub fn to_markdown(reports: &[PlanReport], since: Date) -> String {
    use std::fmt::Write as _;

    use crate::dump::{markdown_code as code, markdown_text as text};

    let safe = reports.iter().filter(|r| r.verdict == Verdict::Safe).count();
    let mut out = String::from("## Tightening report\n\n");
    let _ = writeln!(
        out,
        "Requests from {since} on that the current policy allowed and the planned policy would deny: \
         {} planned {}, {safe} safe, {} would break.\n",
        reports.len(),
        plural(reports.len() as u64, "policy", "policies"),
        reports.len() - safe,
    );
    if reports.is_empty() {
        out.push_str("No endpoint has a planned policy: no mutation accepts a read-only scope.\n");
    }
    for r in reports {
        let e = r.endpoint;
        let _ =
            writeln!(out, "### {} {} ({})\n", code(e.method().as_str()), code(e.path()), code(e.handler()));
        let current = requirement(e.scopes(), e.scope_match().unwrap_or_default());
        if let Some(plan) = PlannedPolicy::of(e) {
            let planned = requirement(plan.scopes(), plan.scope_match());
            let _ = writeln!(out, "- Scopes: {current} → {planned}");
            let _ = writeln!(
                out,
                "- The plan adds {} and drops {}.",
                scope_list(&plan.adds),
                scope_list(&plan.drops)
            );
        }
        if let Some(note) = e.readonly_exception() {
            let _ = writeln!(out, "- Read-only exception: {}", text(note));
        }
        if let Some(sunset) = e.sunset() {
            let _ = writeln!(out, "- Sunset: {sunset}");
        }
        match r.verdict {
            Verdict::Safe => {
                let _ = writeln!(
                    out,
                    "- Verdict: **safe**. Nobody relied on the read-only exception from {since} on: the \
                     planned policy would have denied none of the requests the current policy allowed."
                );
            }
            Verdict::WouldBreak => {
                let _ = writeln!(
                    out,
                    "- Verdict: **would break**. {} {} relied on the read-only exception from {since} on: \
                     the planned policy would deny {} the current policy allowed.",
                    r.principals.len(),
                    plural(r.principals.len() as u64, "principal", "principals"),
                    plural_count(r.requests, "request", "requests"),
                );
            }
        }
        let _ = writeln!(out, "- Requests: {}", r.requests);
        let _ = writeln!(out, "- Distinct principals: {}", r.principals.len());
        let _ = writeln!(out, "- Organizations: {}", r.organizations);
        let _ = writeln!(
            out,
            "- Last seen: {}",
            r.last_seen.map_or_else(|| "never".to_string(), |d| d.to_string())
        );
        out.push('\n');
        if !r.principals.is_empty() {
            if r.principals.len() > TOP_PRINCIPALS {
                let _ = writeln!(out, "Top {TOP_PRINCIPALS} of {} principals:\n", r.principals.len());
            }
            out.push_str("| Kind | Id | Requests | Last seen |\n| --- | --- | ---: | --- |\n");
            for p in r.principals.iter().take(TOP_PRINCIPALS) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    code(&p.kind),
                    p.id.as_deref().map_or_else(|| "—".to_string(), code),
                    p.requests,
                    p.last_seen
                );
            }
            out.push('\n');
        }
    }
    out
}

/// A requirement in words: `` `a`, `b` (any one) ``, `` `a` + `b` (all together) ``, or none.
#[cfg(feature = "dump")]
fn requirement(scopes: &[&str], scope_match: ScopeMatch) -> String {
    use crate::dump::markdown_code as code;
    let list: Vec<String> = scopes.iter().map(|s| code(s)).collect();
    match (scopes.len(), scope_match) {
        (0, _) => "none (denies every request)".to_string(),
        (1, _) => list.join(""),
        (_, ScopeMatch::Any) => format!("{} (any one)", list.join(", ")),
        (_, ScopeMatch::All) => format!("{} (all together)", list.join(" + ")),
    }
}

/// `` `a`, `b` `` or `nothing`.
#[cfg(feature = "dump")]
fn scope_list(scopes: &[&str]) -> String {
    if scopes.is_empty() {
        return "nothing".to_string();
    }
    scopes.iter().map(|s| crate::dump::markdown_code(s)).collect::<Vec<_>>().join(", ")
}

#[cfg(feature = "dump")]
fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(feature = "dump")]
fn plural_count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
