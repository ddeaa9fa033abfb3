//! The policy-debt audit: every regression kind fails, shrinking passes, and `audit --update`
//! writes a baseline that then passes.
//!
//! Module `before` holds the policy as committed in a baseline; module `after` holds the same
//! endpoints (same method and path) as a change would leave them. Each test builds a registry from
//! a chosen mix of the two, so both registries and baselines come from real declarations.

// The handlers exist for their registrations only; nothing calls them.
#![allow(dead_code)]

use scopegate::audit::{self, Baseline, Change, DebtReport, EndpointKey, assert_no_new_debt};
use scopegate::cli::{Status, execute};
use scopegate::{Config, Endpoint, Method, Registry};

#[scopegate::permission(
    PUT = ["org:read", "org:write"],
    readonly_exceptions(PUT = "Members may rename monitors they created."),
)]
struct MonitorPermission;

mod before {
    /// Stays the same.
    #[scopegate::endpoint(method = GET, path = "/stable/", scopes = ["org:read"], owner = "core")]
    fn stable() {}

    /// Gains a read-only exception.
    #[scopegate::endpoint(method = PUT, path = "/exception/", scopes = ["org:write"], owner = "dashboards")]
    fn exception() {}

    /// Gains another read-only scope on top of its exception.
    #[scopegate::endpoint(
        method = PUT, path = "/more-readonly/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may edit their own alert rules.", owner = "alerts",
    )]
    fn more_readonly() {}

    /// Accepts one more (write) scope.
    #[scopegate::endpoint(method = GET, path = "/widened/", scopes = ["project:write"], owner = "core")]
    fn widened() {}

    /// Loses its gate.
    #[scopegate::endpoint(
        method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], owner = "replay", gate = replay,
    )]
    fn gated() {}

    /// Stops requiring credentials.
    #[scopegate::endpoint(method = GET, path = "/opened/", scopes = ["org:read"], owner = "core")]
    fn opened() {}

    /// Gains debt through a permission class.
    #[scopegate::endpoint(method = PUT, path = "/monitors/{id}/", scopes = ["org:write"], owner = "crons")]
    fn via_class() {}

    /// Loses its read-only exception.
    #[scopegate::endpoint(
        method = POST, path = "/fixed/", scopes = ["org:read", "org:write"],
        readonly_exception = "Legacy clients post with org:read.", owner = "dashboards",
    )]
    fn fixed() {}

    /// Accepts fewer scopes.
    #[scopegate::endpoint(method = GET, path = "/narrowed/", scopes = ["org:read", "org:write"], owner = "core")]
    fn narrowed() {}

    /// Gains a gate.
    #[scopegate::endpoint(method = GET, path = "/gains-gate/", scopes = ["org:read"], owner = "core")]
    fn gains_gate() {}

    /// Is removed, with its debt.
    #[scopegate::endpoint(
        method = DELETE, path = "/removed/", scopes = ["org:read", "org:write"],
        readonly_exception = "Anyone may delete their own drafts.", owner = "dashboards",
    )]
    fn removed() {}

    /// Keeps its debt; only the wording of the note changes.
    #[scopegate::endpoint(
        method = PATCH, path = "/reworded/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may star searches.", owner = "search",
    )]
    fn reworded() {}
}

mod after {
    #[scopegate::endpoint(method = GET, path = "/stable/", scopes = ["org:read"], owner = "core")]
    fn stable() {}

    #[scopegate::endpoint(
        method = PUT, path = "/exception/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may edit dashboards they created.", owner = "dashboards",
    )]
    fn exception() {}

    #[scopegate::endpoint(
        method = PUT, path = "/more-readonly/", scopes = ["org:read", "member:read", "org:write"],
        readonly_exception = "Members may edit their own alert rules.", owner = "alerts",
    )]
    fn more_readonly() {}

    #[scopegate::endpoint(method = GET, path = "/widened/", scopes = ["project:write", "project:admin"], owner = "core")]
    fn widened() {}

    #[scopegate::endpoint(
        method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], owner = "replay",
        gate_exempt = "Lists replay ids only.",
    )]
    fn gated() {}

    #[scopegate::endpoint(method = GET, path = "/opened/", unauthenticated = "Public status page.", owner = "core")]
    fn opened() {}

    #[scopegate::endpoint(method = PUT, path = "/monitors/{id}/", permission = super::MonitorPermission, owner = "crons")]
    fn via_class() {}

    #[scopegate::endpoint(method = POST, path = "/fixed/", scopes = ["org:write"], owner = "dashboards")]
    fn fixed() {}

    #[scopegate::endpoint(method = GET, path = "/narrowed/", scopes = ["org:write"], owner = "core")]
    fn narrowed() {}

    #[scopegate::endpoint(method = GET, path = "/gains-gate/", scopes = ["org:read"], owner = "core", gate = replay)]
    fn gains_gate() {}

    #[scopegate::endpoint(
        method = PATCH, path = "/reworded/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may star and unstar saved searches.", owner = "search",
    )]
    fn reworded() {}

    /// New, without debt.
    #[scopegate::endpoint(method = GET, path = "/new-clean/", scopes = ["org:read"], owner = "core")]
    fn new_clean() {}

    /// New, with debt.
    #[scopegate::endpoint(
        method = POST, path = "/new-debt/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may bookmark issues.", owner = "issues",
    )]
    fn new_debt() {}
}

/// Every endpoint of this binary whose handler is in `module` (`audit::<module>::…`).
fn declared(module: &str) -> Vec<&'static Endpoint> {
    let prefix = format!("audit::{module}::");
    // The binary registers both modules, whose keys overlap, so the global registry cannot be
    // used; the endpoints are taken from the same `inventory` collection it reads.
    scopegate::__private::inventory::iter::<Endpoint>().filter(|e| e.handler().starts_with(&prefix)).collect()
}

fn build(endpoints: Vec<&'static Endpoint>) -> Registry {
    match Registry::from_endpoints(Config::sentry(), endpoints) {
        Ok(r) => r,
        Err(errors) => panic!("invalid test registry: {errors:?}"),
    }
}

fn before() -> Registry {
    build(declared("before"))
}

/// The `before` registry with the endpoints named in `changed` replaced by (or, when absent
/// there, extended with) their `after` versions, and those named in `dropped` removed.
fn changed(changed: &[&str], dropped: &[&str]) -> Registry {
    let name = |e: &Endpoint| e.name().to_string();
    let mut endpoints: Vec<&'static Endpoint> = declared("before")
        .into_iter()
        .filter(|e| !changed.contains(&name(e).as_str()) && !dropped.contains(&name(e).as_str()))
        .collect();
    endpoints.extend(declared("after").into_iter().filter(|e| changed.contains(&name(e).as_str())));
    assert_eq!(
        endpoints.iter().filter(|e| e.handler().starts_with("audit::after::")).count(),
        changed.len(),
        "every changed endpoint exists in `after`"
    );
    build(endpoints)
}

fn key(method: Method, path: &str) -> EndpointKey {
    EndpointKey { path: path.to_string(), method }
}

/// Audits `registry` against the baseline of `before` and returns the single regression.
fn single_regression(registry: &Registry) -> (audit::Finding, String) {
    let report = audit::audit(registry, &Baseline::from_registry(&before()));
    assert!(!report.passed());
    assert_eq!(report.regressions.len(), 1, "{report}");
    (report.regressions[0].clone(), report.to_string())
}

#[test]
fn an_unchanged_registry_passes_and_is_current() {
    let registry = before();
    let baseline = Baseline::from_registry(&registry);
    let report = audit::audit(&registry, &baseline);
    assert!(report.passed(), "{report}");
    assert!(report.improvements.is_empty() && report.untracked.is_empty() && !report.stale);
    assert!(
        report
            .to_string()
            .starts_with("policy audit passed: 4 read-only exceptions (alerts: 1, dashboards: 2, search: 1)"),
        "{report}"
    );
    assert_no_new_debt(&registry, &baseline.to_json());
    scopegate::testing::assert_no_new_debt(&registry, &baseline.to_json());
}

#[test]
fn a_new_exception_fails() {
    let (finding, text) = single_regression(&changed(&["exception"], &[]));
    assert_eq!(finding.key, key(Method::Put, "/exception/"));
    assert_eq!(finding.handler, "audit::after::exception");
    assert_eq!(
        finding.change,
        Change::NewException {
            readonly_scopes: vec!["org:read".into()],
            exception: Some("Members may edit dashboards they created.".into()),
        }
    );
    assert!(text.contains("PUT /exception/  (audit::after::exception, runtime/tests/audit.rs:"), "{text}");
    assert!(text.contains("new read-only exception: the mutation now accepts org:read"), "{text}");
    assert!(text.contains("--update"), "{text}");
}

#[test]
fn a_new_exception_through_a_permission_class_fails() {
    let (finding, _) = single_regression(&changed(&["via_class"], &[]));
    assert_eq!(
        finding.change,
        Change::NewException {
            readonly_scopes: vec!["org:read".into()],
            exception: Some("Members may rename monitors they created.".into()),
        }
    );
}

#[test]
fn a_newly_accepted_readonly_scope_on_a_mutation_fails() {
    let (finding, text) = single_regression(&changed(&["more_readonly"], &[]));
    assert_eq!(finding.change, Change::NewReadonlyScopes { added: vec!["member:read".into()] });
    assert!(text.contains("now also accepts read-only scopes member:read"), "{text}");
}

#[test]
fn a_widened_scope_list_fails() {
    let (finding, text) = single_regression(&changed(&["widened"], &[]));
    assert_eq!(finding.change, Change::WidenedScopes { added: vec!["project:admin".into()] });
    assert!(text.contains("GET /widened/"), "{text}");
}

#[test]
fn a_lost_gate_fails() {
    let (finding, text) = single_regression(&changed(&["gated"], &[]));
    assert_eq!(finding.change, Change::LostGate { was: "replay".into(), now: None });
    assert!(text.contains("lost its gate `replay`"), "{text}");
}

#[test]
fn dropping_credentials_fails() {
    let (finding, _) = single_regression(&changed(&["opened"], &[]));
    assert_eq!(finding.change, Change::NowUnauthenticated);
}

#[test]
fn a_new_endpoint_with_debt_fails_and_without_debt_passes() {
    let (finding, _) = single_regression(&changed(&["new_debt"], &[]));
    assert_eq!(finding.key, key(Method::Post, "/new-debt/"));
    assert!(matches!(finding.change, Change::NewEndpointWithDebt { .. }));

    let report = audit::audit(&changed(&["new_clean"], &[]), &Baseline::from_registry(&before()));
    assert!(report.passed(), "{report}");
    assert_eq!(report.untracked, vec![key(Method::Get, "/new-clean/")]);
    assert!(report.to_string().contains("new endpoints without debt"), "{report}");
}

#[test]
fn shrinking_passes_and_is_reported() {
    let registry = changed(&["fixed", "narrowed", "gains_gate"], &["removed"]);
    let report = audit::audit(&registry, &Baseline::from_registry(&before()));
    assert!(report.passed(), "{report}");
    let changes: Vec<(String, Change)> =
        report.improvements.iter().map(|f| (f.key.to_string(), f.change.clone())).collect();
    assert_eq!(
        changes,
        vec![
            (
                "POST /fixed/".to_string(),
                Change::ExceptionRemoved { readonly_scopes: vec!["org:read".into()] }
            ),
            ("GET /gains-gate/".to_string(), Change::GateAdded { gate: "replay".into() }),
            ("GET /narrowed/".to_string(), Change::ScopesNarrowed { removed: vec!["org:read".into()] }),
            ("DELETE /removed/".to_string(), Change::Removed { had_debt: true }),
        ]
    );
    assert!(report.stale);
    let remaining: Vec<&str> = report.debt.items().iter().map(|d| d.path).collect();
    assert_eq!(remaining, ["/more-readonly/", "/reworded/"]);
}

#[test]
fn rewording_a_note_passes_but_marks_the_baseline_stale() {
    let report = audit::audit(&changed(&["reworded"], &[]), &Baseline::from_registry(&before()));
    assert!(report.passed(), "{report}");
    assert!(report.improvements.is_empty());
    assert!(report.stale);
    assert!(report.to_string().contains("out of date"), "{report}");
}

#[test]
fn the_full_change_reports_every_failing_endpoint() {
    let registry = build(declared("after"));
    let report = audit::audit(&registry, &Baseline::from_registry(&before()));
    let failing: Vec<String> = report.failing_endpoints().iter().map(|k| k.to_string()).collect();
    assert_eq!(
        failing,
        [
            "PUT /exception/",
            "PUT /monitors/{id}/",
            "PUT /more-readonly/",
            "POST /new-debt/",
            "GET /opened/",
            "GET /organizations/{org}/replays/",
            "GET /widened/",
        ]
    );
    let text = report.to_string();
    assert!(text.starts_with("policy audit FAILED: 7 regression(s) on 7 endpoint(s)"), "{text}");
    for endpoint in &failing {
        assert!(text.contains(&format!("  {endpoint}  (audit::after::")), "{endpoint} missing from:\n{text}");
    }
    assert!(text.contains("audit --update`) and commit the rewritten baseline"), "{text}");
    assert!(!text.contains("xtask"), "no advice about this repository's tooling: {text}");
    let result = std::panic::catch_unwind(|| {
        assert_no_new_debt(&registry, &Baseline::from_registry(&before()).to_json())
    });
    let message = match result {
        Ok(()) => panic!("assert_no_new_debt must fail"),
        Err(payload) => payload.downcast_ref::<String>().cloned().unwrap_or_default(),
    };
    assert!(message.contains("policy audit FAILED") && message.contains("PUT /exception/"), "{message}");
}

#[test]
fn the_debt_report_lists_each_exception_with_its_facts_per_owner() {
    let registry = build(declared("after"));
    let debt = DebtReport::new(&registry);
    let rows: Vec<(&str, &str, Option<&str>)> =
        debt.items().iter().map(|d| (d.owner, d.path, d.class)).collect();
    assert_eq!(
        rows,
        [
            ("alerts", "/more-readonly/", None),
            ("crons", "/monitors/{id}/", Some("MonitorPermission")),
            ("dashboards", "/exception/", None),
            ("issues", "/new-debt/", None),
            ("search", "/reworded/", None),
        ]
    );
    let crons = &debt.items()[1];
    assert_eq!(crons.method, Method::Put);
    assert_eq!(crons.scopes, ["org:read", "org:write"]);
    assert_eq!(crons.readonly_scopes, ["org:read"]);
    assert_eq!(crons.note, Some("Members may rename monitors they created."));
    assert_eq!(crons.handler, "audit::after::via_class");
    assert_eq!(
        debt.per_owner().into_iter().collect::<Vec<_>>(),
        [("alerts", 1), ("crons", 1), ("dashboards", 1), ("issues", 1), ("search", 1),]
    );
    let text = debt.to_string();
    assert!(
        text.starts_with("policy debt: 5 mutations accept read-only scopes (alerts: 1, crons: 1,"),
        "{text}"
    );
    assert!(text.contains("class: MonitorPermission"));
    assert!(text.contains("note: Members may bookmark issues."));
}

#[test]
fn the_baseline_file_is_stable_sorted_and_round_trips() {
    let registry = build(
        declared("before").into_iter().filter(|e| ["stable", "fixed", "gated"].contains(&e.name())).collect(),
    );
    let text = Baseline::from_registry(&registry).to_json();
    let expected = r#"{
  "format": "scopegate-policy-baseline/1",
  "endpoints": {
    "POST /fixed/": {
      "handler": "audit::before::fixed",
      "owner": "dashboards",
      "scopes": [
        "org:read",
        "org:write"
      ],
      "readonly_scopes": [
        "org:read"
      ],
      "readonly_exception": "Legacy clients post with org:read.",
      "gate": null,
      "unauthenticated": false
    },
    "GET /organizations/{org}/replays/": {
      "handler": "audit::before::gated",
      "owner": "replay",
      "scopes": [
        "event:read"
      ],
      "readonly_scopes": [
        "event:read"
      ],
      "readonly_exception": null,
      "gate": "replay",
      "unauthenticated": false
    },
    "GET /stable/": {
      "handler": "audit::before::stable",
      "owner": "core",
      "scopes": [
        "org:read"
      ],
      "readonly_scopes": [
        "org:read"
      ],
      "readonly_exception": null,
      "gate": null,
      "unauthenticated": false
    }
  }
}
"#;
    assert_eq!(text, expected);
    let parsed = Baseline::parse(&text).expect("parses");
    assert_eq!(parsed, Baseline::from_registry(&registry));
    assert_eq!(parsed.to_json(), text);
}

#[test]
fn a_broken_baseline_is_an_error_not_a_panic() {
    let cases = [
        ("", "not a scopegate policy baseline"),
        ("[]", "not a scopegate policy baseline"),
        (r#"{"format": "other/9", "endpoints": {}}"#, "unsupported baseline format \"other/9\""),
        (
            r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"get /x/": {"handler": "h", "owner": "o", "scopes": []}}}"#,
            "bad endpoint key \"get /x/\"",
        ),
        (
            r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"GET x": {"handler": "h", "owner": "o", "scopes": []}}}"#,
            "bad endpoint key",
        ),
        (
            r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"GET /x/": {"handler": "h", "owner": "o", "scopes": [], "colour": 1}}}"#,
            "unknown field `colour`",
        ),
        (
            r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"GET /x/": {"handler": "h", "owner": "o"}}}"#,
            "missing field `scopes`",
        ),
    ];
    for (text, message) in cases {
        let err = Baseline::parse(text).expect_err(text);
        assert!(err.to_string().contains(message), "{text}: {err}");
    }
    let minimal = r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"GET /x/": {"handler": "h", "owner": "o", "scopes": ["org:read"]}}}"#;
    let baseline = Baseline::parse(minimal).expect("optional facts default");
    assert_eq!(baseline.get(&key(Method::Get, "/x/")).map(|f| f.gate.clone()), Some(None));
    let result = std::panic::catch_unwind(|| assert_no_new_debt(&before(), "{"));
    assert!(result.is_err());
}

// ---------------------------------------------------------------------------------------------
// The `audit` subcommand
// ---------------------------------------------------------------------------------------------

fn cli(registry: &Registry, args: &[&str]) -> (Status, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = execute(registry, args.iter().copied(), &mut out, &mut err);
    (status, String::from_utf8(out).expect("utf-8"), String::from_utf8(err).expect("utf-8"))
}

#[test]
fn update_writes_a_baseline_that_then_passes() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scopegate-audit-cli");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("policy-baseline.json");
    let _ = std::fs::remove_file(&path);
    let file = path.to_str().expect("utf-8 path");

    let (status, _, err) = cli(&before(), &["audit", "--baseline", file]);
    assert_eq!(status, Status::Failure);
    assert!(err.contains("not found; create it with `audit --update`"), "{err}");

    let (status, out, err) = cli(&before(), &["my-service", "audit", "--baseline", file, "--update"]);
    assert_eq!(status, Status::Success, "{err}");
    assert!(out.contains("12 endpoints pinned, 4 read-only exceptions"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("written"),
        Baseline::from_registry(&before()).to_json()
    );

    let (status, out, _) = cli(&before(), &["audit", "--baseline", file]);
    assert_eq!(status, Status::Success);
    assert!(out.starts_with("policy audit passed"), "{out}");

    // A regression fails the command and names the endpoint on standard error.
    let regressed = changed(&["exception"], &[]);
    let (status, out, err) = cli(&regressed, &["audit", &format!("--baseline={file}")]);
    assert_eq!(status, Status::Failure);
    assert!(out.is_empty());
    assert!(err.contains("PUT /exception/") && err.contains("--update"), "{err}");

    // Accepting it deliberately rewrites the baseline and says what was accepted.
    let (status, out, _) = cli(&regressed, &["audit", "--update", "--baseline", file]);
    assert_eq!(status, Status::Success);
    assert!(out.contains("accepted:\n  PUT /exception/  new read-only exception"), "{out}");
    let (status, _, _) = cli(&regressed, &["audit", "--baseline", file]);
    assert_eq!(status, Status::Success);

    // A corrupt baseline is reported, not a panic.
    std::fs::write(&path, "{ not json").expect("write");
    let (status, _, err) = cli(&regressed, &["audit", "--baseline", file]);
    assert_eq!(status, Status::Failure);
    assert!(err.contains("not a scopegate policy baseline"), "{err}");
}

#[test]
fn audit_command_rejects_bad_usage() {
    for (args, message) in [
        (&["audit", "--update=yes"][..], "`--update` takes no value"),
        (&["audit", "--update", "--update"], "`--update` given twice"),
        (&["audit", "--baseline"], "`--baseline` needs a value"),
        (&["audit", "--format", "json"], "unknown option `--format` for `audit`"),
        (&["audit", "--strict", "--update"], "`--update` and `--strict` exclude each other"),
        (&["audit", "--strict=1"], "`--strict` takes no value"),
    ] {
        let (status, _, err) = cli(&before(), args);
        assert_eq!(status, Status::Usage, "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn strict_audit_fails_until_removed_debt_is_recorded() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scopegate-audit-strict");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("policy-baseline.json");
    let file = path.to_str().expect("utf-8 path");
    std::fs::write(&path, Baseline::from_registry(&before()).to_json()).expect("write");

    let (status, _, err) = cli(&before(), &["audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Success, "{err}");

    // Debt removed in the code: the plain audit passes, the strict one wants the baseline to shrink.
    let improved = changed(&["fixed"], &[]);
    let (status, _, _) = cli(&improved, &["audit", "--baseline", file]);
    assert_eq!(status, Status::Success);
    let (status, _, err) = cli(&improved, &["audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Failure);
    assert!(err.contains("no longer matches") && err.contains("--update"), "{err}");

    // Once recorded, the debt cannot come back: the old code now fails even the plain audit.
    let (status, _, _) = cli(&improved, &["audit", "--update", "--baseline", file]);
    assert_eq!(status, Status::Success);
    let (status, _, _) = cli(&improved, &["audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Success);
    let (status, _, err) = cli(&before(), &["audit", "--baseline", file]);
    assert_eq!(status, Status::Failure, "{err}");
}

#[test]
fn assert_no_new_debt_refuses_an_empty_registry_against_a_nonempty_baseline() {
    let empty = build(Vec::new());
    let baseline = Baseline::from_registry(&before()).to_json();
    let result = std::panic::catch_unwind(|| assert_no_new_debt(&empty, &baseline));
    let message = result.expect_err("an unlinked registry must not pass silently");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("the registry is empty"), "{text}");
}

mod forms_before {
    #[scopegate::endpoint(method = GET, path = "/forms/scoped/", scopes = ["org:read"], owner = "core")]
    fn scoped() {}

    #[scopegate::endpoint(method = PUT, path = "/forms/options/", superuser = "Instance-wide options.", owner = "ops")]
    fn options() {}

    #[scopegate::endpoint(method = GET, path = "/forms/me/", authenticated = "Everyone reads their own profile.", owner = "accounts")]
    fn me() {}
}

mod forms_after {
    /// Scopes → any signed-in caller: a widening.
    #[scopegate::endpoint(method = GET, path = "/forms/scoped/", authenticated = "Now open to every user.", owner = "core")]
    fn scoped() {}

    /// Superusers only → a scope: a widening.
    #[scopegate::endpoint(method = PUT, path = "/forms/options/", scopes = ["org:admin"], owner = "ops")]
    fn options() {}

    /// Any signed-in caller → a scope: a narrowing.
    #[scopegate::endpoint(method = GET, path = "/forms/me/", scopes = ["member:read"], owner = "accounts")]
    fn me() {}
}

#[test]
fn access_forms_that_ask_less_are_regressions() {
    let before = build(declared("forms_before"));
    let baseline = Baseline::from_registry(&before);
    let text = baseline.to_json();
    assert!(text.contains("\"superuser\": true") && text.contains("\"authenticated\": true"), "{text}");
    assert!(!text.contains("\"superuser\": false"), "false is not written: {text}");
    assert_eq!(Baseline::parse(&text).expect("round trip"), baseline);

    let after = build(declared("forms_after"));
    let report = audit::audit(&after, &baseline);
    assert!(!report.passed(), "{report}");
    let regressions: Vec<(String, Change)> =
        report.regressions.iter().map(|f| (f.key.path.clone(), f.change.clone())).collect();
    assert_eq!(
        regressions,
        [
            ("/forms/options/".to_string(), Change::NoLongerSuperuserOnly),
            ("/forms/scoped/".to_string(), Change::NowAnySignedIn),
        ]
    );
    let improvements: Vec<(String, Change)> =
        report.improvements.iter().map(|f| (f.key.path.clone(), f.change.clone())).collect();
    assert_eq!(
        improvements,
        [("/forms/me/".to_string(), Change::NowRestricted { to: "scopes".to_string() })]
    );
    let shown = report.to_string();
    assert!(shown.contains("no longer checks scopes: any signed-in caller may call it"), "{shown}");
    assert!(shown.contains("no longer reserved to active superusers"), "{shown}");
}

// ---------------------------------------------------------------------------------------------
// All-of requirements (`scopes = all(...)`): classified by what they let in
// ---------------------------------------------------------------------------------------------

mod match_before {
    #[scopegate::endpoint(method = GET, path = "/match/any-to-all/", scopes = ["member:write", "team:write"])]
    fn any_to_all() {}

    #[scopegate::endpoint(method = GET, path = "/match/all-to-any/", scopes = all("member:write", "team:write"))]
    fn all_to_any() {}

    #[scopegate::endpoint(method = GET, path = "/match/all-add/", scopes = all("member:write", "team:write"))]
    fn all_add() {}

    #[scopegate::endpoint(
        method = GET, path = "/match/all-drop/", scopes = all("member:write", "team:write", "project:write"),
    )]
    fn all_drop() {}

    #[scopegate::endpoint(method = GET, path = "/match/all-swap/", scopes = all("member:write", "team:write"))]
    fn all_swap() {}

    #[scopegate::endpoint(method = GET, path = "/match/replaced/", scopes = ["org:write", "project:write"])]
    fn replaced() {}

    #[scopegate::endpoint(method = GET, path = "/match/one-to-all/", scopes = ["member:write"])]
    fn one_to_all() {}

    #[scopegate::endpoint(method = GET, path = "/match/one-replaced/", scopes = ["org:write"])]
    fn one_replaced() {}

    #[scopegate::endpoint(
        method = GET, path = "/match/any-to-fewer-all/", scopes = ["member:write", "team:write", "org:write"],
    )]
    fn any_to_fewer_all() {}

    #[scopegate::endpoint(
        method = POST, path = "/match/debt-all-add/", scopes = all("member:read", "team:read"),
        readonly_exception = "Teammates may nudge each other.",
    )]
    fn debt_all_add() {}

    #[scopegate::endpoint(
        method = POST, path = "/match/debt-any-to-all/", scopes = ["member:read", "org:write"],
        readonly_exception = "Members may file their own requests.",
    )]
    fn debt_any_to_all() {}

    #[scopegate::endpoint(
        method = POST, path = "/match/debt-all-swap/", scopes = all("member:read", "team:read"),
        readonly_exception = "Teammates may nudge each other.",
    )]
    fn debt_all_swap() {}
}

mod match_after {
    /// Any one → all together, same scopes: stricter.
    #[scopegate::endpoint(method = GET, path = "/match/any-to-all/", scopes = all("member:write", "team:write"))]
    fn any_to_all() {}

    /// All together → any one, same scopes: looser.
    #[scopegate::endpoint(method = GET, path = "/match/all-to-any/", scopes = ["member:write", "team:write"])]
    fn all_to_any() {}

    /// One more required scope: stricter.
    #[scopegate::endpoint(
        method = GET, path = "/match/all-add/", scopes = all("member:write", "team:write", "project:write"),
    )]
    fn all_add() {}

    /// One required scope fewer: looser.
    #[scopegate::endpoint(method = GET, path = "/match/all-drop/", scopes = all("member:write", "team:write"))]
    fn all_drop() {}

    /// One required scope swapped for another: both.
    #[scopegate::endpoint(method = GET, path = "/match/all-swap/", scopes = all("member:write", "project:write"))]
    fn all_swap() {}

    /// Any-of over other scopes → all-of: holders of both new scopes get in, holders of the old one no longer.
    #[scopegate::endpoint(method = GET, path = "/match/replaced/", scopes = all("member:write", "team:write"))]
    fn replaced() {}

    /// One scope → that scope and another together: stricter.
    #[scopegate::endpoint(method = GET, path = "/match/one-to-all/", scopes = all("member:write", "team:write"))]
    fn one_to_all() {}

    /// One scope → two others together: the one is no longer required, the two are.
    #[scopegate::endpoint(method = GET, path = "/match/one-replaced/", scopes = all("member:write", "team:write"))]
    fn one_replaced() {}

    /// Any of three → all of two of them: stricter.
    #[scopegate::endpoint(method = GET, path = "/match/any-to-fewer-all/", scopes = all("member:write", "team:write"))]
    fn any_to_fewer_all() {}

    /// Debt kept; one more read-only scope required: stricter, not a newly accepted read-only scope.
    #[scopegate::endpoint(
        method = POST, path = "/match/debt-all-add/", scopes = all("member:read", "team:read", "event:read"),
        readonly_exception = "Teammates may nudge each other.",
    )]
    fn debt_all_add() {}

    /// The write scope is now needed beside the read-only one: the debt is gone.
    #[scopegate::endpoint(method = POST, path = "/match/debt-any-to-all/", scopes = all("member:read", "org:write"))]
    fn debt_any_to_all() {}

    /// A write scope required instead of a read-only one: the debt is gone, but callers without
    /// team:read get in.
    #[scopegate::endpoint(method = POST, path = "/match/debt-all-swap/", scopes = all("member:read", "org:write"))]
    fn debt_all_swap() {}
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Changes, each with its endpoint's path.
type PathChanges = Vec<(String, Change)>;

/// The baseline of `match_before` against `match_before` with the endpoints named in `changed`
/// replaced by their `match_after` versions: `(regressions, improvements)` as `(path, change)`.
fn match_changes(changed: &[&str]) -> (PathChanges, PathChanges) {
    let baseline = Baseline::from_registry(&build(declared("match_before")));
    let mut endpoints: Vec<&'static Endpoint> =
        declared("match_before").into_iter().filter(|e| !changed.contains(&e.name())).collect();
    endpoints.extend(declared("match_after").into_iter().filter(|e| changed.contains(&e.name())));
    let report = audit::audit(&build(endpoints), &baseline);
    let pairs = |findings: &[audit::Finding]| -> PathChanges {
        findings.iter().map(|f| (f.key.path.clone(), f.change.clone())).collect()
    };
    (pairs(&report.regressions), pairs(&report.improvements))
}

#[test]
fn any_of_to_all_of_is_stricter() {
    let (regressions, improvements) = match_changes(&["any_to_all"]);
    assert_eq!(regressions, []);
    let both = strings(&["member:write", "team:write"]);
    assert_eq!(
        improvements,
        [("/match/any-to-all/".to_string(), Change::NowAllOf { was: both.clone(), now: both.clone() })]
    );
    assert_eq!(
        improvements[0].1.to_string(),
        "requirement tightened from any one of member:write, team:write to all of member:write + team:write together"
    );
}

#[test]
fn all_of_to_any_of_is_looser() {
    let (regressions, improvements) = match_changes(&["all_to_any"]);
    let both = strings(&["member:write", "team:write"]);
    assert_eq!(
        regressions,
        [("/match/all-to-any/".to_string(), Change::NowAnyOf { was: both.clone(), now: both.clone() })]
    );
    assert_eq!(improvements, []);
    assert_eq!(
        regressions[0].1.to_string(),
        "requirement loosened from all of member:write + team:write together to any one of member:write, team:write"
    );
}

#[test]
fn adding_a_scope_to_an_all_of_list_is_stricter_and_removing_one_looser() {
    let (regressions, improvements) = match_changes(&["all_add"]);
    assert_eq!(regressions, []);
    assert_eq!(
        improvements,
        [("/match/all-add/".to_string(), Change::RequiredScopesAdded { added: strings(&["project:write"]) })]
    );
    assert_eq!(
        improvements[0].1.to_string(),
        "all-of requirement tightened: now also requires project:write"
    );

    let (regressions, improvements) = match_changes(&["all_drop"]);
    assert_eq!(
        regressions,
        [(
            "/match/all-drop/".to_string(),
            Change::RequiredScopesDropped { removed: strings(&["project:write"]) }
        )]
    );
    assert_eq!(improvements, []);
    assert_eq!(regressions[0].1.to_string(), "all-of requirement loosened: no longer requires project:write");

    // A scope of one requirement is a one-scope any-of list too: ["a"] → all("a", "b") adds a scope.
    let (regressions, improvements) = match_changes(&["one_to_all"]);
    assert_eq!(regressions, []);
    assert_eq!(
        improvements,
        [("/match/one-to-all/".to_string(), Change::RequiredScopesAdded { added: strings(&["team:write"]) })]
    );
}

#[test]
fn mixed_requirement_changes_are_reported_both_ways() {
    // A required scope swapped for another: one regression and one improvement, like an any-of
    // list that gains one scope and loses another.
    let (regressions, improvements) = match_changes(&["all_swap"]);
    assert_eq!(
        regressions,
        [(
            "/match/all-swap/".to_string(),
            Change::RequiredScopesDropped { removed: strings(&["team:write"]) }
        )]
    );
    assert_eq!(
        improvements,
        [(
            "/match/all-swap/".to_string(),
            Change::RequiredScopesAdded { added: strings(&["project:write"]) }
        )]
    );

    // Any one of some scopes → all of other scopes: a token with both new scopes gets in without
    // the old one (regression); one with only the old scope no longer does (improvement).
    let (regressions, improvements) = match_changes(&["replaced"]);
    assert_eq!(
        regressions,
        [(
            "/match/replaced/".to_string(),
            Change::RequirementReplaced {
                was: strings(&["org:write", "project:write"]),
                now: strings(&["member:write", "team:write"])
            }
        )]
    );
    assert_eq!(
        improvements,
        [(
            "/match/replaced/".to_string(),
            Change::ScopesNarrowed { removed: strings(&["org:write", "project:write"]) }
        )]
    );
    assert_eq!(
        regressions[0].1.to_string(),
        "requirement replaced: now all of member:write + team:write together instead of any one of \
         org:write, project:write; callers holding member:write + team:write get in without any of the old scopes"
    );

    // A one-scope list is an all-of list of one: replacing it is a swap of required scopes.
    let (regressions, improvements) = match_changes(&["one_replaced"]);
    assert_eq!(
        regressions,
        [(
            "/match/one-replaced/".to_string(),
            Change::RequiredScopesDropped { removed: strings(&["org:write"]) }
        )]
    );
    assert_eq!(
        improvements,
        [(
            "/match/one-replaced/".to_string(),
            Change::RequiredScopesAdded { added: strings(&["member:write", "team:write"]) }
        )]
    );

    // Any of three → all of two of them: stricter only (every token it lets in held one of them).
    let (regressions, improvements) = match_changes(&["any_to_fewer_all"]);
    assert_eq!(regressions, []);
    assert_eq!(
        improvements,
        [
            (
                "/match/any-to-fewer-all/".to_string(),
                Change::NowAllOf {
                    was: strings(&["member:write", "org:write", "team:write"]),
                    now: strings(&["member:write", "team:write"])
                }
            ),
            (
                "/match/any-to-fewer-all/".to_string(),
                Change::ScopesNarrowed { removed: strings(&["org:write"]) }
            ),
        ]
    );
}

#[test]
fn all_of_debt_changes_follow_the_requirement() {
    // Both sides carry debt (all read-only scopes); one more required read-only scope is stricter,
    // not "a newly accepted read-only scope".
    let (regressions, improvements) = match_changes(&["debt_all_add"]);
    assert_eq!(regressions, []);
    assert_eq!(
        improvements,
        [(
            "/match/debt-all-add/".to_string(),
            Change::RequiredScopesAdded { added: strings(&["event:read"]) }
        )]
    );

    // A read-only scope beside a write scope in all(...) lets no read-only token in: the debt is paid.
    let (regressions, improvements) = match_changes(&["debt_any_to_all"]);
    assert_eq!(regressions, []);
    assert_eq!(
        improvements,
        [
            (
                "/match/debt-any-to-all/".to_string(),
                Change::ExceptionRemoved { readonly_scopes: strings(&["member:read"]) }
            ),
            (
                "/match/debt-any-to-all/".to_string(),
                Change::NowAllOf {
                    was: strings(&["member:read", "org:write"]),
                    now: strings(&["member:read", "org:write"])
                }
            ),
        ]
    );

    // Paying the debt by swapping a read-only scope for a write one still lets in callers without
    // the dropped scope: the drop is a regression, whatever the debt finding says.
    let (regressions, improvements) = match_changes(&["debt_all_swap"]);
    assert_eq!(
        regressions,
        [(
            "/match/debt-all-swap/".to_string(),
            Change::RequiredScopesDropped { removed: strings(&["team:read"]) }
        )]
    );
    assert_eq!(
        improvements,
        [
            (
                "/match/debt-all-swap/".to_string(),
                Change::ExceptionRemoved { readonly_scopes: strings(&["member:read", "team:read"]) }
            ),
            (
                "/match/debt-all-swap/".to_string(),
                Change::RequiredScopesAdded { added: strings(&["org:write"]) }
            ),
        ]
    );

    // The reverse is a new exception, and looser.
    let after =
        build(declared("match_after").into_iter().filter(|e| e.name() == "debt_any_to_all").collect());
    let before =
        build(declared("match_before").into_iter().filter(|e| e.name() == "debt_any_to_all").collect());
    let report = audit::audit(&before, &Baseline::from_registry(&after));
    let changes: Vec<&Change> = report.regressions.iter().map(|f| &f.change).collect();
    assert!(matches!(changes[..], [Change::NewException { .. }, Change::NowAnyOf { .. }]), "{report}");
}

#[test]
fn the_baseline_records_all_of_and_reads_old_files_as_any_of() {
    let registry = build(
        declared("match_before")
            .into_iter()
            .filter(|e| ["all_add", "replaced"].contains(&e.name()))
            .collect(),
    );
    let text = Baseline::from_registry(&registry).to_json();
    let expected = r#"{
  "format": "scopegate-policy-baseline/1",
  "endpoints": {
    "GET /match/all-add/": {
      "handler": "audit::match_before::all_add",
      "owner": "unowned",
      "scopes": [
        "member:write",
        "team:write"
      ],
      "scope_match": "all",
      "readonly_scopes": [],
      "readonly_exception": null,
      "gate": null,
      "unauthenticated": false
    },
    "GET /match/replaced/": {
      "handler": "audit::match_before::replaced",
      "owner": "unowned",
      "scopes": [
        "org:write",
        "project:write"
      ],
      "readonly_scopes": [],
      "readonly_exception": null,
      "gate": null,
      "unauthenticated": false
    }
  }
}
"#;
    assert_eq!(text, expected);
    let parsed = Baseline::parse(&text).expect("parses");
    assert_eq!(parsed, Baseline::from_registry(&registry));
    assert_eq!(parsed.to_json(), text);

    // A baseline written before all-of requirements existed has no scope_match: any-of.
    let old = r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"GET /x/": {"handler": "h", "owner": "o", "scopes": ["org:read", "org:write"]}}}"#;
    let facts = Baseline::parse(old).expect("old baselines stay readable");
    assert_eq!(facts.get(&key(Method::Get, "/x/")).map(|f| f.scope_match), Some(scopegate::ScopeMatch::Any));
    let explicit = old.replace(r#""scopes": ["#, r#""scope_match": "any", "scopes": ["#);
    assert_eq!(Baseline::parse(&explicit).expect("explicit any"), facts);
    let bad = old.replace(r#""scopes": ["#, r#""scope_match": "some", "scopes": ["#);
    let err = Baseline::parse(&bad).expect_err("unknown match");
    assert!(err.to_string().contains(r#"unknown scope_match "some", expected "any" or "all""#), "{err}");

    // An old baseline pinning an any-of list the code now requires all together: stricter.
    let old_all_add = r#"{"format": "scopegate-policy-baseline/1", "endpoints": {"GET /match/all-add/": {"handler": "audit::match_before::all_add", "owner": "unowned", "scopes": ["member:write", "team:write"]}}}"#;
    let only = build(declared("match_before").into_iter().filter(|e| e.name() == "all_add").collect());
    let report = audit::audit(&only, &Baseline::parse(old_all_add).expect("parses"));
    assert!(report.passed(), "{report}");
    assert!(
        matches!(report.improvements[..], [audit::Finding { change: Change::NowAllOf { .. }, .. }]),
        "{report}"
    );
}

#[test]
fn the_debt_report_writes_all_of_requirements_as_such() {
    let registry = build(declared("match_before"));
    let debt = DebtReport::new(&registry);
    let remind = debt.items().iter().find(|d| d.path == "/match/debt-all-add/").expect("debt");
    assert_eq!(remind.scope_match, scopegate::ScopeMatch::All);
    let text = debt.to_string();
    assert!(
        text.contains("scopes: all of member:read + team:read; read-only: member:read, team:read"),
        "{text}"
    );
    assert!(text.contains("scopes: member:read, org:write; read-only: member:read"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Planned policies and sunsets
// ---------------------------------------------------------------------------------------------

#[scopegate::permission(
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
    planned_scopes(POST = all("org:write", "member:read")),
    sunsets(POST = "2026-12-31"),
)]
struct SunsetSearchPermission;

mod sunset_before {
    #[scopegate::endpoint(
        method = PUT, path = "/sunset/dashboards/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may edit the dashboards they created.", sunset = "2027-01-31",
        owner = "dashboards",
    )]
    fn dashboards() {}

    #[scopegate::endpoint(
        method = POST, path = "/sunset/searches/", permission = super::SunsetSearchPermission, owner = "search",
    )]
    fn searches() {}

    #[scopegate::endpoint(
        method = POST, path = "/sunset/alert-rules/", scopes = ["alerts:read", "org:write"],
        readonly_exception = "Members may create alert rules.", planned_scopes = ["alerts:write"],
        owner = "alerts",
    )]
    fn alert_rules() {}
}

mod sunset_after {
    /// The same exception, its sunset moved.
    #[scopegate::endpoint(
        method = PUT, path = "/sunset/dashboards/", scopes = ["org:read", "org:write"],
        readonly_exception = "Members may edit the dashboards they created.", sunset = "2027-06-30",
        owner = "dashboards",
    )]
    fn dashboards() {}
}

fn sunsets() -> Registry {
    build(declared("sunset_before"))
}

fn on(date: &str) -> audit::AuditOptions {
    audit::AuditOptions::on(scopegate::Date::parse(date).expect("a date"))
}

#[test]
fn the_debt_report_lists_each_plan_and_sunset() {
    let debt = DebtReport::new(&sunsets());
    /// Path, planned scopes, sunset.
    type Facts<'a> = (&'a str, Option<Vec<&'a str>>, Option<String>);
    let facts: Vec<Facts<'_>> = debt
        .items()
        .iter()
        .map(|d| (d.path, d.plan.as_ref().map(|p| p.scopes().to_vec()), d.sunset.map(|s| s.to_string())))
        .collect();
    assert_eq!(
        facts,
        [
            ("/sunset/alert-rules/", Some(vec!["alerts:write"]), None),
            ("/sunset/dashboards/", Some(vec!["org:write"]), Some("2027-01-31".to_string())),
            ("/sunset/searches/", Some(vec!["org:write", "member:read"]), Some("2026-12-31".to_string())),
        ]
    );
    let alerts = debt.items()[0].plan.as_ref().expect("a plan");
    assert_eq!(
        (alerts.adds.as_slice(), alerts.drops.as_slice()),
        (&["alerts:write"][..], &["alerts:read", "org:write"][..])
    );
    let text = debt.to_string();
    for expected in [
        "    POST /sunset/alert-rules/  audit::sunset_before::alert_rules  (runtime/tests/audit.rs:",
        "      plan: alerts:write; adds alerts:write; drops alerts:read, org:write\n      sunset: none\n",
        "      plan: org:write; adds nothing; drops org:read\n      sunset: 2027-01-31\n",
        "      plan: all of org:write + member:read; adds member:read; drops org:read\n      sunset: 2026-12-31\n",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
}

#[test]
fn the_baseline_records_sunsets_and_reads_old_baselines_without_them() {
    let registry = sunsets();
    let baseline = Baseline::from_registry(&registry);
    let text = baseline.to_json();
    assert!(
        text.contains(
            "      \"readonly_exception\": \"Members may edit the dashboards they created.\",\n      \"sunset\": \"2027-01-31\",\n"
        ),
        "{text}"
    );
    assert_eq!(text.matches("\"sunset\"").count(), 2, "written only where set: {text}");
    assert_eq!(Baseline::parse(&text).expect("round trip"), baseline);
    let facts = baseline.get(&key(Method::Post, "/sunset/searches/")).expect("pinned");
    assert_eq!(facts.sunset.map(|d| d.to_string()).as_deref(), Some("2026-12-31"));

    // A baseline written before sunsets existed still parses; the audit passes and calls it stale.
    let old = text
        .replace(",\n      \"sunset\": \"2027-01-31\"", "")
        .replace(",\n      \"sunset\": \"2026-12-31\"", "");
    assert!(!old.contains("\"sunset\""), "{old}");
    let old = Baseline::parse(&old).expect("an old baseline parses");
    let report = audit::audit_with(&registry, &old, &on("2026-06-01"));
    assert!(report.passed() && report.stale, "{report}");
    assert!(report.to_string().contains("(handler, owner, note, sunset) are out of date"), "{report}");

    // A sunset that is not a date is an error, not a panic.
    for bad in ["31/01/2027", "2027-02-30", ""] {
        let broken = text.replace("\"2027-01-31\"", &format!("{bad:?}"));
        let err = Baseline::parse(&broken).expect_err(bad);
        assert!(err.to_string().contains(&format!("bad sunset {bad:?}")), "{err}");
    }
    let broken = text.replace("\"2027-01-31\"", "20270131");
    assert!(Baseline::parse(&broken).is_err());
}

#[test]
fn a_sunset_passes_on_its_day_and_is_reported_without_failing_the_audit() {
    let registry = sunsets();
    let baseline = Baseline::from_registry(&registry);
    let passed = |day: &str| -> Vec<&'static str> {
        audit::audit_with(&registry, &baseline, &on(day)).sunsets_passed.iter().map(|d| d.path).collect()
    };
    assert!(passed("2026-12-30").is_empty());
    assert_eq!(passed("2026-12-31"), ["/sunset/searches/"], "on the sunset day itself");
    assert_eq!(passed("2027-01-30"), ["/sunset/searches/"]);
    assert_eq!(passed("2027-01-31"), ["/sunset/dashboards/", "/sunset/searches/"]);
    assert_eq!(passed("2030-01-01").len(), 2, "an exception without a sunset never passes one");

    let report = audit::audit_with(&registry, &baseline, &on("2027-02-01"));
    assert!(report.passed(), "a passed sunset fails only the strict audit: {report}");
    assert_eq!(report.today.to_string(), "2027-02-01");
    let text = report.to_string();
    assert!(text.contains("read-only exceptions past their sunset (today is 2027-02-01;"), "{text}");
    assert!(
        text.contains(
            "  PUT /sunset/dashboards/  (audit::sunset_before::dashboards, runtime/tests/audit.rs:"
        ),
        "{text}"
    );
    assert!(text.contains(")  sunset 2027-01-31\n"), "{text}");
    let clean = audit::audit_with(&registry, &baseline, &on("2026-01-01")).to_string();
    assert!(!clean.contains("past their sunset"), "{clean}");
}

#[test]
fn moving_a_sunset_passes_and_marks_the_baseline_stale() {
    let baseline = Baseline::from_registry(&sunsets());
    let moved = {
        let mut endpoints: Vec<&'static Endpoint> =
            declared("sunset_before").into_iter().filter(|e| e.name() != "dashboards").collect();
        endpoints.extend(declared("sunset_after"));
        build(endpoints)
    };
    let report = audit::audit_with(&moved, &baseline, &on("2027-02-01"));
    assert!(report.passed(), "{report}");
    assert!(report.stale && report.regressions.is_empty() && report.improvements.is_empty());
    // Moved past today: only the class's sunset has passed.
    let passed: Vec<&str> = report.sunsets_passed.iter().map(|d| d.path).collect();
    assert_eq!(passed, ["/sunset/searches/"]);
}

#[test]
fn strict_audit_fails_once_a_sunset_has_come() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scopegate-audit-sunset");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("policy-baseline.json");
    let file = path.to_str().expect("utf-8 path");
    std::fs::write(&path, Baseline::from_registry(&sunsets()).to_json()).expect("write");
    let run = |registry: &Registry, today: &str, args: &[&str]| {
        let options = scopegate::cli::Options { today: scopegate::Date::parse(today), ..Default::default() };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = scopegate::cli::execute_with_options(
            registry,
            &options,
            args.iter().copied(),
            &mut out,
            &mut err,
        );
        (status, String::from_utf8(out).expect("utf-8"), String::from_utf8(err).expect("utf-8"))
    };

    let (status, out, err) =
        run(&sunsets(), "2026-12-30", &["my-service", "audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Success, "{err}");
    assert!(!out.contains("past their sunset"), "{out}");

    // The class's sunset day: the plain audit passes and says so, the strict one fails.
    let (status, out, _) = run(&sunsets(), "2026-12-31", &["audit", "--baseline", file]);
    assert_eq!(status, Status::Success);
    assert!(out.contains("read-only exceptions past their sunset (today is 2026-12-31;"), "{out}");
    let (status, out, err) =
        run(&sunsets(), "2026-12-31", &["my-service", "audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Failure);
    assert!(out.is_empty());
    assert!(err.contains("  POST /sunset/searches/  (audit::sunset_before::searches"), "{err}");
    assert!(
        err.contains(
            "policy audit FAILED (--strict): the sunset of 1 read-only exception(s) has come (today is 2026-12-31); \
             remove each exception (`my-service tighten-report` lists who still relies on it)"
        ),
        "{err}"
    );
    assert!(!err.contains("no longer matches"), "the baseline is current: {err}");

    // Moving a sunset is recorded like any fact: strict fails on the stale baseline too, until
    // `--update`; the class's passed sunset still fails it.
    let moved = {
        let mut endpoints: Vec<&'static Endpoint> =
            declared("sunset_before").into_iter().filter(|e| e.name() != "dashboards").collect();
        endpoints.extend(declared("sunset_after"));
        build(endpoints)
    };
    let (status, _, err) = run(&moved, "2027-02-01", &["audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Failure);
    assert!(
        err.contains("no longer matches") && err.contains("the sunset of 1 read-only exception(s)"),
        "{err}"
    );
    let (status, _, _) = run(&moved, "2027-02-01", &["audit", "--update", "--baseline", file]);
    assert_eq!(status, Status::Success);
    assert!(std::fs::read_to_string(&path).expect("written").contains("\"sunset\": \"2027-06-30\""));
    let (status, _, err) = run(&moved, "2027-02-01", &["audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Failure, "the class's sunset has still passed");
    assert!(!err.contains("no longer matches"), "{err}");
    let (status, _, err) = run(&moved, "2026-12-01", &["audit", "--strict", "--baseline", file]);
    assert_eq!(status, Status::Success, "{err}");
}
