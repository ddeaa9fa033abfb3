//! `tighten-report`: the per-plan report folded from usage rollups, its JSON (the design's contract
//! shape) and Markdown, and the subcommand through `scopegate::cli` with an in-memory usage store.
//! No test reads the clock: the CLI is handed the day taken as today.

// The handlers exist for their registrations only; nothing calls them.
#![allow(dead_code)]

use std::cell::Cell;

use scopegate::cli::{Options, Status, execute, execute_with_options};
use scopegate::tighten::{self, PlanReport, Usage, UsageStore, Verdict};
use scopegate::{Date, Method, Registry};
use serde_json::{Value, json};

/// The default plan: the requirement without its read-only scope.
#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{org}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write", "org:admin"],
    readonly_exception = "Members may edit the dashboards they created.",
    sunset = "2027-01-31",
    owner = "dashboards",
)]
fn update_dashboard() {}

/// A stated plan, moving to a new, narrower scope. Nobody relies on the exception.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{org}/alert-rules/",
    scopes = ["alerts:read", "org:write"],
    readonly_exception = "Members may create alert rules for their projects.",
    planned_scopes = ["alerts:write"],
    owner = "alerts",
)]
fn create_alert_rule() {}

#[scopegate::permission(
    GET = ["org:read"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
    planned_scopes(POST = all("org:write", "member:read")),
)]
struct SearchPermission;

/// A class's all-of plan; many principals rely on it.
#[scopegate::endpoint(method = POST, path = "/organizations/{org}/searches/", permission = SearchPermission)]
fn save_search() {}

/// The same path read: no debt, no plan, not in the report.
#[scopegate::endpoint(method = GET, path = "/organizations/{org}/searches/", permission = SearchPermission)]
fn list_searches() {}

fn registry() -> &'static Registry {
    Registry::global()
}

fn day(text: &str) -> Date {
    Date::parse(text).expect("a date")
}

fn handler(name: &str) -> String {
    format!("tighten::{name}")
}

fn row(
    name: &str,
    method: Method,
    kind: &str,
    id: Option<&str>,
    org: Option<&str>,
    on: &str,
    n: u64,
) -> Usage {
    Usage {
        handler: handler(name),
        method,
        principal_kind: kind.to_string(),
        principal: id.map(str::to_string),
        organization: org.map(str::to_string),
        day: day(on),
        requests: n,
    }
}

/// Rollups over several days, principals and organizations, with rows the report must ignore.
fn rows() -> Vec<Usage> {
    let put = |kind, id, org, on, n| row("update_dashboard", Method::Put, kind, id, org, on, n);
    let mut rows = vec![
        put("user_token", Some("17"), Some("acme"), "2026-03-02", 3),
        put("user_token", Some("17"), Some("acme"), "2026-03-05", 2),
        put("session", Some("42"), Some("acme"), "2026-03-04", 1),
        put("org_token", Some("t-9"), Some("globex"), "2026-03-03", 7),
        put("integration", None, Some("globex"), "2026-03-01", 1),
        // Ignored: a handler the registry does not hold (renamed since), another method of the
        // endpoint's handler, a row of no request.
        row("renamed_handler", Method::Put, "session", Some("1"), Some("initech"), "2026-03-09", 50),
        row("update_dashboard", Method::Delete, "session", Some("1"), Some("initech"), "2026-03-09", 50),
        put("session", Some("99"), Some("initech"), "2026-03-09", 0),
    ];
    // Twelve users relying on the class's exception, user 12 the most; no organization.
    for i in 1..=12u64 {
        let id = format!("u{i}");
        let on = format!("2026-03-{:02}", 10 + i);
        rows.push(row("save_search", Method::Post, "session", Some(&id), None, &on, i));
    }
    rows
}

fn reports() -> Vec<PlanReport> {
    tighten::report(registry(), &rows())
}

fn plan<'a>(reports: &'a [PlanReport], name: &str) -> &'a PlanReport {
    reports.iter().find(|r| r.endpoint.handler() == handler(name)).expect("a report")
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

#[test]
fn the_report_counts_requests_distinct_principals_and_organizations_exactly() {
    let reports = reports();
    // One report per planned policy, in the registry's order; the read has no plan.
    let order: Vec<(&str, Method)> =
        reports.iter().map(|r| (r.endpoint.path(), r.endpoint.method())).collect();
    assert_eq!(
        order,
        [
            ("/organizations/{org}/alert-rules/", Method::Post),
            ("/organizations/{org}/dashboards/{dashboard_id}/", Method::Put),
            ("/organizations/{org}/searches/", Method::Post),
        ]
    );

    let put = plan(&reports, "update_dashboard");
    assert_eq!(put.requests, 3 + 2 + 1 + 7 + 1);
    assert_eq!(put.principals.len(), 4, "user 17 counted once over two days");
    assert_eq!(put.organizations, 2, "acme and globex; initech's rows are ignored");
    assert_eq!(put.last_seen, Some(day("2026-03-05")));
    assert_eq!(put.verdict, Verdict::WouldBreak);
    let principals: Vec<(&str, Option<&str>, u64, String)> = put
        .principals
        .iter()
        .map(|p| (p.kind.as_str(), p.id.as_deref(), p.requests, p.last_seen.to_string()))
        .collect();
    assert_eq!(
        principals,
        [
            ("org_token", Some("t-9"), 7, "2026-03-03".to_string()),
            ("user_token", Some("17"), 5, "2026-03-05".to_string()),
            // Ties by kind, then id.
            ("integration", None, 1, "2026-03-01".to_string()),
            ("session", Some("42"), 1, "2026-03-04".to_string()),
        ]
    );

    let alerts = plan(&reports, "create_alert_rule");
    assert_eq!(
        (alerts.requests, alerts.principals.len(), alerts.organizations, alerts.last_seen, alerts.verdict),
        (0, 0, 0, None, Verdict::Safe)
    );

    let search = plan(&reports, "save_search");
    assert_eq!(search.requests, (1..=12).sum::<u64>());
    assert_eq!(search.principals.len(), 12);
    assert_eq!(search.organizations, 0, "rows without an organization count none");
    assert_eq!(search.last_seen, Some(day("2026-03-22")));
    assert_eq!(search.principals[0].id.as_deref(), Some("u12"));

    // No rows at all: every plan is safe.
    assert!(tighten::report(registry(), &[]).iter().all(|r| r.verdict == Verdict::Safe && r.requests == 0));
}

#[test]
fn planned_policies_say_what_they_add_and_drop() {
    let of = |name: &str| {
        let e = registry().by_handler(&handler(name)).expect("registered");
        tighten::PlannedPolicy::of(e)
    };
    let put = of("update_dashboard").expect("a plan");
    assert_eq!(
        (put.scopes(), put.adds.as_slice(), put.drops.as_slice()),
        (&["org:write", "org:admin"][..], &[][..], &["org:read"][..])
    );
    let alerts = of("create_alert_rule").expect("a plan");
    assert_eq!(
        (alerts.adds.as_slice(), alerts.drops.as_slice()),
        (&["alerts:write"][..], &["alerts:read", "org:write"][..])
    );
    let search = of("save_search").expect("a plan");
    assert_eq!(search.scope_match(), scopegate::ScopeMatch::All);
    assert_eq!((search.adds.as_slice(), search.drops.as_slice()), (&["member:read"][..], &["org:read"][..]));
    assert_eq!(of("list_searches"), None);
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// The keys of a plan in the design's contract, in order, then the optional `top_principals`.
const PLAN_KEYS: [&str; 11] = [
    "handler",
    "method",
    "path",
    "scopes",
    "planned_scopes",
    "requests",
    "principals",
    "organizations",
    "last_seen",
    "verdict",
    "top_principals",
];

#[test]
fn json_has_the_contract_shape_key_by_key() {
    let since = day("2026-03-01");
    let text = tighten::to_json(&reports(), since);
    assert!(text.ends_with("}\n"));
    let value: Value = serde_json::from_str(&text).expect("valid JSON");
    let root = value.as_object().expect("an object");
    assert_eq!(root.len(), 2, "{root:?}");
    assert_eq!(root["since"], "2026-03-01");
    let plans = root["plans"].as_array().expect("plans");
    assert_eq!(plans.len(), 3);
    for p in plans {
        let keys: std::collections::BTreeSet<&str> =
            p.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, PLAN_KEYS.into_iter().collect(), "{p}");
    }
    // Keys in the contract's order, in the text (the top-level `since` first).
    assert!(text.starts_with("{\n  \"since\": \"2026-03-01\",\n  \"plans\": [\n"), "{text}");
    for record in text.split("\n    {\n").skip(1) {
        let at: Vec<usize> = PLAN_KEYS
            .iter()
            .map(|k| record.find(&format!("\"{k}\": ")).unwrap_or_else(|| panic!("{k} in {record}")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{record}");
    }

    let put = plans.iter().find(|p| p["handler"] == "tighten::update_dashboard").expect("plan");
    assert_eq!(put["method"], "PUT");
    assert_eq!(put["path"], "/organizations/{org}/dashboards/{dashboard_id}/");
    assert_eq!(put["scopes"], json!(["org:read", "org:write", "org:admin"]));
    assert_eq!(put["planned_scopes"], json!(["org:write", "org:admin"]));
    assert_eq!(put["requests"], 14);
    // Counts, not lists.
    assert_eq!(put["principals"], 4);
    assert_eq!(put["organizations"], 2);
    assert_eq!(put["last_seen"], "2026-03-05");
    assert_eq!(put["verdict"], "would_break");
    assert_eq!(
        put["top_principals"],
        json!([
            {"kind": "org_token", "id": "t-9", "requests": 7, "last_seen": "2026-03-03"},
            {"kind": "user_token", "id": "17", "requests": 5, "last_seen": "2026-03-05"},
            {"kind": "integration", "id": null, "requests": 1, "last_seen": "2026-03-01"},
            {"kind": "session", "id": "42", "requests": 1, "last_seen": "2026-03-04"},
        ])
    );

    let alerts = plans.iter().find(|p| p["handler"] == "tighten::create_alert_rule").expect("plan");
    assert_eq!(
        *alerts,
        json!({
            "handler": "tighten::create_alert_rule",
            "method": "POST",
            "path": "/organizations/{org}/alert-rules/",
            "scopes": ["alerts:read", "org:write"],
            "planned_scopes": ["alerts:write"],
            "requests": 0,
            "principals": 0,
            "organizations": 0,
            "last_seen": null,
            "verdict": "safe",
            "top_principals": [],
        })
    );

    // At most ten principals are listed; `principals` still counts them all.
    let search = plans.iter().find(|p| p["handler"] == "tighten::save_search").expect("plan");
    assert_eq!(search["principals"], 12);
    assert_eq!(search["planned_scopes"], json!(["org:write", "member:read"]));
    let top = search["top_principals"].as_array().expect("array");
    assert_eq!(top.len(), tighten::TOP_PRINCIPALS);
    assert_eq!((top[0]["id"].as_str(), top[9]["id"].as_str()), (Some("u12"), Some("u3")));

    // No plans: an empty list.
    assert_eq!(
        serde_json::from_str::<Value>(&tighten::to_json(&[], since)).expect("json"),
        json!({"since": "2026-03-01", "plans": []})
    );
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

/// The section of one plan: from its heading to the next.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md.find(heading).unwrap_or_else(|| panic!("{heading} in:\n{md}"));
    let rest = &md[start..];
    let end = rest[4..].find("\n### ").map_or(rest.len(), |i| i + 5);
    &rest[..end]
}

#[test]
fn markdown_is_what_a_reviewer_pastes_into_the_pull_request() {
    let md = tighten::to_markdown(&reports(), day("2026-03-01"));
    assert!(
        md.starts_with(
            "## Tightening report\n\n\
             Requests from 2026-03-01 on that the current policy allowed and the planned policy would deny: \
             3 planned policies, 1 safe, 2 would break.\n\n"
        ),
        "{md}"
    );
    let put = section(
        &md,
        "### `PUT` `/organizations/{org}/dashboards/{dashboard_id}/` (`tighten::update_dashboard`)",
    );
    assert_eq!(
        put,
        "### `PUT` `/organizations/{org}/dashboards/{dashboard_id}/` (`tighten::update_dashboard`)\n\
         \n\
         - Scopes: `org:read`, `org:write`, `org:admin` (any one) → `org:write`, `org:admin` (any one)\n\
         - The plan adds nothing and drops `org:read`.\n\
         - Read-only exception: Members may edit the dashboards they created.\n\
         - Sunset: 2027-01-31\n\
         - Verdict: **would break**. 4 principals relied on the read-only exception from 2026-03-01 on: \
         the planned policy would deny 14 requests the current policy allowed.\n\
         - Requests: 14\n\
         - Distinct principals: 4\n\
         - Organizations: 2\n\
         - Last seen: 2026-03-05\n\
         \n\
         | Kind | Id | Requests | Last seen |\n\
         | --- | --- | ---: | --- |\n\
         | `org_token` | `t-9` | 7 | 2026-03-03 |\n\
         | `user_token` | `17` | 5 | 2026-03-05 |\n\
         | `integration` | — | 1 | 2026-03-01 |\n\
         | `session` | `42` | 1 | 2026-03-04 |\n\
         \n"
    );
    let alerts = section(&md, "### `POST` `/organizations/{org}/alert-rules/`");
    assert_eq!(
        alerts,
        "### `POST` `/organizations/{org}/alert-rules/` (`tighten::create_alert_rule`)\n\
         \n\
         - Scopes: `alerts:read`, `org:write` (any one) → `alerts:write`\n\
         - The plan adds `alerts:write` and drops `alerts:read`, `org:write`.\n\
         - Read-only exception: Members may create alert rules for their projects.\n\
         - Verdict: **safe**. Nobody relied on the read-only exception from 2026-03-01 on: the planned \
         policy would have denied none of the requests the current policy allowed.\n\
         - Requests: 0\n\
         - Distinct principals: 0\n\
         - Organizations: 0\n\
         - Last seen: never\n\
         \n"
    );
    let search = section(&md, "### `POST` `/organizations/{org}/searches/`");
    assert!(search.contains("→ `org:write` + `member:read` (all together)\n"), "{search}");
    assert!(search.contains("- The plan adds `member:read` and drops `org:read`.\n"), "{search}");
    assert!(search.contains("Top 10 of 12 principals:\n"), "{search}");
    assert_eq!(search.lines().filter(|l| l.starts_with("| `session` |")).count(), 10);
    assert!(search.contains("| `session` | `u12` | 12 | 2026-03-22 |"), "{search}");
    assert!(!search.contains("`u2`"), "the two with the fewest requests are left out: {search}");

    let none = tighten::to_markdown(&[], day("2026-03-01"));
    assert!(none.contains("0 planned policies, 0 safe, 0 would break."), "{none}");
    assert!(none.contains("No endpoint has a planned policy"), "{none}");
}

// ---------------------------------------------------------------------------------------------
// The subcommand
// ---------------------------------------------------------------------------------------------

/// An in-memory usage store that remembers the day it was asked for.
struct Store {
    rows: Vec<Usage>,
    asked: Cell<Option<Date>>,
    fail: bool,
}

impl Store {
    fn new(rows: Vec<Usage>) -> Store {
        Store { rows, asked: Cell::new(None), fail: false }
    }
}

impl UsageStore for Store {
    fn usage_since(&self, since: Date) -> Result<Vec<Usage>, String> {
        self.asked.set(Some(since));
        if self.fail {
            return Err("database is locked".to_string());
        }
        // Sloppy on purpose: hands back every row; the command keeps the window's.
        Ok(self.rows.clone())
    }
}

const TODAY: &str = "2026-03-31";

fn cli(store: Option<&dyn UsageStore>, args: &[&str]) -> (Status, String, String) {
    let options = Options { usage: store, today: Some(day(TODAY)), ..Default::default() };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = execute_with_options(registry(), &options, args.iter().copied(), &mut out, &mut err);
    (status, String::from_utf8(out).expect("utf-8"), String::from_utf8(err).expect("utf-8"))
}

#[test]
fn the_command_prints_json_by_default_over_the_last_30_days() {
    let store = Store::new(rows());
    let (status, out, err) = cli(Some(&store), &["my-service", "tighten-report"]);
    assert_eq!(status, Status::Success, "{err}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(store.asked.get(), Some(day("2026-03-02")), "the 30 days to 2026-03-31");
    // The row of 2026-03-01 lies before the window: the command leaves it out.
    let window: Vec<Usage> = rows().into_iter().filter(|r| r.day >= day("2026-03-02")).collect();
    assert!(window.len() < rows().len());
    assert_eq!(out, tighten::to_json(&tighten::report(registry(), &window), day("2026-03-02")));
    assert!(scopegate::cli::is_command(&["my-service", "tighten-report"]));
    assert!(scopegate::cli::COMMANDS.contains(&"tighten-report"));
}

#[test]
fn the_command_reads_the_window_it_is_given() {
    let store = Store::new(rows());
    let (status, out, err) =
        cli(Some(&store), &["tighten-report", "--since", "2026-03-04", "--format", "markdown"]);
    assert_eq!(status, Status::Success, "{err}");
    assert_eq!(store.asked.get(), Some(day("2026-03-04")));
    // Rows from before the window are not counted, even when the store hands them back.
    let kept: Vec<Usage> = rows().into_iter().filter(|r| r.day >= day("2026-03-04")).collect();
    let expected = tighten::to_markdown(&tighten::report(registry(), &kept), day("2026-03-04"));
    assert_eq!(out, expected);
    let put = section(&out, "### `PUT`");
    assert!(put.contains("- Requests: 3\n"), "user 17's 2 on 03-05 and session 42's 1 on 03-04: {put}");
    assert!(put.contains("- Organizations: 1\n"), "{put}");

    let (status, out, _) = cli(Some(&store), &["tighten-report", "--since=7d", "--format=md"]);
    assert_eq!(status, Status::Success);
    assert_eq!(store.asked.get(), Some(day("2026-03-25")));
    assert!(out.starts_with("## Tightening report\n\nRequests from 2026-03-25 on"), "{out}");
    // `1d` is today alone: the last N days with today.
    let (status, _, _) = cli(Some(&store), &["tighten-report", "--since", "1d"]);
    assert_eq!(status, Status::Success);
    assert_eq!(store.asked.get(), Some(day("2026-03-31")));
    // Today itself is a window of one day; far back is clamped to the calendar's start.
    let (status, _, _) = cli(Some(&store), &["tighten-report", "--since", TODAY]);
    assert_eq!(status, Status::Success);
    let (status, _, _) = cli(Some(&store), &["tighten-report", "--since", "4294967295d"]);
    assert_eq!(status, Status::Success);
    assert_eq!(store.asked.get(), Some(day("1970-01-01")));
}

#[test]
fn the_command_rejects_bad_usage_with_clear_errors() {
    let store = Store::new(Vec::new());
    let cases: [(&[&str], &str); 14] = [
        (&["tighten-report", "--since", "0d"], "at least 1 day"),
        (&["tighten-report", "--since", "30"], "not `30`"),
        (&["tighten-report", "--since", "d"], "not `d`"),
        (&["tighten-report", "--since", "-3d"], "not `-3d`"),
        (&["tighten-report", "--since=-3d"], "not `-3d`"),
        (&["tighten-report", "--since", "+3d"], "not `+3d`"),
        (&["tighten-report", "--since", "3 d"], "not `3 d`"),
        (&["tighten-report", "--since", "30D"], "not `30D`"),
        (&["tighten-report", "--since", "99999999999d"], "not `99999999999d`"),
        (&["tighten-report", "--since", "2026-02-30"], "not `2026-02-30`"),
        (&["tighten-report", "--since", "2026-04-01"], "`--since` 2026-04-01 is after today (2026-03-31)"),
        (&["tighten-report", "--since", "7d", "--since", "7d"], "`--since` given twice"),
        (&["tighten-report", "--format", "html"], "unknown format `html` for `tighten-report`"),
        (&["tighten-report", "--output", "x.json"], "unknown option `--output` for `tighten-report`"),
    ];
    for (args, message) in cases {
        let (status, out, err) = cli(Some(&store), args);
        assert_eq!(status, Status::Usage, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.starts_with("error: ") && err.contains(message), "{args:?}: {err}");
        assert!(err.contains("tighten-report [--since 30d|YYYY-MM-DD] [--format json|markdown]"), "{err}");
    }
    assert_eq!(store.asked.get(), None, "a bad command line reads nothing");
    let (status, out, _) = cli(Some(&store), &["tighten-report", "--help"]);
    assert_eq!(status, Status::Success);
    assert!(out.contains("tighten-report [--since 30d|YYYY-MM-DD] [--format json|markdown]"), "{out}");
}

#[test]
fn without_a_usage_store_the_command_says_so() {
    let (status, out, err) = cli(None, &["tighten-report"]);
    assert_eq!(status, Status::Failure);
    assert!(out.is_empty());
    assert!(err.starts_with("error: ") && err.contains("this service did not wire a usage store"), "{err}");
    // `execute` (no options) has no store either.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(execute(registry(), ["tighten-report", "--since", "7d"], &mut out, &mut err), Status::Failure);
    assert!(String::from_utf8(err).expect("utf-8").contains("did not wire a usage store"));
    // Bad usage is still reported as such first.
    let (status, _, err) = cli(None, &["tighten-report", "--since", "0d"]);
    assert_eq!(status, Status::Usage, "{err}");
}

#[test]
fn a_failing_usage_store_is_an_error_not_a_panic() {
    let store = Store { fail: true, ..Store::new(rows()) };
    let (status, out, err) = cli(Some(&store), &["tighten-report"]);
    assert_eq!(status, Status::Failure);
    assert!(out.is_empty());
    assert_eq!(err, "error: cannot read the usage store: database is locked\n");
}
