//! The usage rollups of tightening, on every available backend (SQLite always; PostgreSQL when
//! `SCOPEGATE_TEST_POSTGRES_URL` is set): counts add up batch after batch, principals beyond the
//! bound fold into `other`, the retention window deletes old rows on write, gate uses are kept
//! once a day within their bound, and the sink `serve` drains into writes what scopegate drains.

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use common::stores::{TestStore, stores};
use scopegate::shadow::WouldBreak;
use scopegate::tighten::UsageStore;
use scopegate::{Date, Method, OrganizationId, Registry, UserId};
use scopegate_demo::store::{
    GateUse, GateUseWrite, GateUser, OTHER_PRINCIPAL, RollupKey, RollupWrite, UsageBounds, days_before,
};
use scopegate_demo::tightening::{RollupSink, StoredUsage};

fn on_each_backend(check: impl Fn(&TestStore)) {
    for test in stores() {
        eprintln!("backend: {}", test.backend);
        check(&test);
    }
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn key(on: &str, handler: &str, kind: &str, principal: Option<&str>, organization: Option<i64>) -> RollupKey {
    RollupKey {
        day: day(on),
        handler: handler.into(),
        method: Method::Post,
        principal_kind: kind.into(),
        principal: principal.map(Into::into),
        organization_id: organization,
    }
}

/// Bounds with the window ending 2026-12-06 (from 2026-09-08) and room for `principals`.
fn bounds(principals: u64) -> UsageBounds {
    UsageBounds { principals_per_endpoint_day: principals, ..UsageBounds::ending(day("2026-12-06")) }
}

/// A row as the tests compare it: `(day, handler, kind, principal, organization, requests)`.
type Row = (String, String, String, Option<String>, Option<String>, u64);

/// Every row since `since`.
fn rows(t: &TestStore, since: &str) -> Vec<Row> {
    let usage = StoredUsage(t.store.as_ref()).usage_since(day(since)).unwrap();
    usage
        .into_iter()
        .map(|u| {
            assert_eq!(u.method, Method::Post);
            (u.day.to_string(), u.handler, u.principal_kind, u.principal, u.organization, u.requests)
        })
        .collect()
}

#[test]
fn rollups_add_up_batch_after_batch() {
    on_each_backend(|t| {
        let store = &*t.store;
        let b = bounds(1_000);
        let batch = [
            (key("2026-12-05", "a::create", "user_token", Some("3"), Some(1)), 2),
            (key("2026-12-06", "a::create", "user_token", Some("3"), Some(1)), 1),
            (key("2026-12-06", "a::create", "org_token", Some("1"), Some(1)), 4),
            (key("2026-12-06", "a::create", "anonymous", None, None), 1),
            (key("2026-12-06", "a::create", "session", Some("3"), Some(1)), 0),
        ];
        let written = store.record_would_break(&batch, &b).unwrap();
        assert_eq!(written, RollupWrite { rows: 4, ..RollupWrite::default() });
        store.record_would_break(&batch[1..2], &b).unwrap();
        assert_eq!(
            rows(t, "2026-12-01"),
            [
                (
                    "2026-12-05".into(),
                    "a::create".into(),
                    "user_token".into(),
                    Some("3".into()),
                    Some("1".into()),
                    2
                ),
                ("2026-12-06".into(), "a::create".into(), "anonymous".into(), None, None, 1),
                (
                    "2026-12-06".into(),
                    "a::create".into(),
                    "org_token".into(),
                    Some("1".into()),
                    Some("1".into()),
                    4
                ),
                (
                    "2026-12-06".into(),
                    "a::create".into(),
                    "user_token".into(),
                    Some("3".into()),
                    Some("1".into()),
                    2
                ),
            ]
        );
        assert_eq!(rows(t, "2026-12-06").len(), 3, "the window starts on its first day");

        // The report folds them per plan: the handler must be a real one for that.
        let handler = "scopegate_demo::api::dashboards::create_dashboard";
        store
            .record_would_break(&[(key("2026-12-06", handler, "user_token", Some("1"), Some(1)), 5)], &b)
            .unwrap();
        let usage = StoredUsage(store).usage_since(day("2026-12-01")).unwrap();
        let reports = scopegate::tighten::report(Registry::global(), &usage);
        let create = reports.iter().find(|r| r.endpoint.handler() == handler).unwrap();
        assert_eq!((create.requests, create.verdict.as_str()), (5, "would_break"));
        assert_eq!(create.principals[0].id.as_deref(), Some("1"));
        assert!(
            reports.iter().filter(|r| r.endpoint.handler() != handler).all(|r| r.verdict.as_str() == "safe")
        );
    });
}

#[test]
fn principals_beyond_the_bound_fold_into_other() {
    on_each_backend(|t| {
        let store = &*t.store;
        let b = bounds(3);
        let batch: Vec<(RollupKey, u64)> = (1..=5)
            .map(|user| (key("2026-12-06", "a::create", "session", Some(&user.to_string()), Some(1)), 1))
            .chain([(key("2026-12-06", "a::create", "org_token", Some("2"), Some(2)), 7)])
            .collect();
        let written = store.record_would_break(&batch, &b).unwrap();
        assert_eq!((written.rows, written.folded), (6, 9), "users 4 and 5 and the org token fold");
        // A principal already counted adds to its own row; a new one folds; another endpoint and
        // another day have their own quota.
        let more = [
            (key("2026-12-06", "a::create", "session", Some("2"), Some(1)), 10),
            (key("2026-12-06", "a::create", "session", Some("9"), Some(1)), 1),
            (key("2026-12-06", "b::delete", "session", Some("9"), Some(1)), 1),
            (key("2026-12-05", "a::create", "session", Some("9"), Some(1)), 1),
        ];
        assert_eq!(store.record_would_break(&more, &b).unwrap().folded, 1);
        let all = rows(t, "2026-12-01");
        let on_a: Vec<_> = all.iter().filter(|r| r.0 == "2026-12-06" && r.1 == "a::create").collect();
        assert_eq!(on_a.len(), 3 + 2, "three principals and one `other` row per kind");
        let principals = |kind: &str| -> Vec<(Option<&str>, Option<&str>, u64)> {
            on_a.iter().filter(|r| r.2 == kind).map(|r| (r.3.as_deref(), r.4.as_deref(), r.5)).collect()
        };
        assert_eq!(
            principals("session"),
            [
                (Some("1"), Some("1"), 1),
                (Some("2"), Some("1"), 11),
                (Some("3"), Some("1"), 1),
                (Some(OTHER_PRINCIPAL), None, 3)
            ]
        );
        assert_eq!(principals("org_token"), [(Some(OTHER_PRINCIPAL), None, 7)]);
        assert_eq!(
            all.iter().filter(|r| r.3.as_deref() == Some("9")).count(),
            2,
            "b::delete, and the day before"
        );
    });
}

#[test]
fn rows_older_than_the_window_are_deleted_on_write() {
    on_each_backend(|t| {
        let store = &*t.store;
        let early = UsageBounds::ending(day("2026-10-01")); // keeps 2026-07-04 on
        let batch = [
            (key("2026-07-03", "a::create", "session", Some("1"), Some(1)), 1),
            (key("2026-07-04", "a::create", "session", Some("1"), Some(1)), 2),
            (key("2026-10-01", "a::create", "session", Some("1"), Some(1)), 3),
        ];
        let written = store.record_would_break(&batch, &early).unwrap();
        assert_eq!((written.rows, written.too_old, written.expired), (2, 1, 0));
        // Two months later, the July row has left the window: the next write deletes it.
        let later = UsageBounds::ending(day("2026-12-06"));
        assert_eq!(days_before(day("2026-12-06"), 89), later.oldest_kept);
        let written = store
            .record_would_break(&[(key("2026-12-06", "a::create", "session", Some("1"), Some(1)), 1)], &later)
            .unwrap();
        assert_eq!(written.expired, 1);
        let left: Vec<String> = rows(t, "1970-01-01").into_iter().map(|r| r.0).collect();
        assert_eq!(left, ["2026-10-01", "2026-12-06"]);
    });
}

#[test]
fn gate_uses_are_kept_once_a_day_within_their_bound() {
    on_each_backend(|t| {
        let store = &*t.store;
        let b = UsageBounds { gate_users_per_day: 2, ..UsageBounds::ending(day("2026-12-06")) };
        let used = |user: i64, on: &str| GateUse {
            organization_id: 1,
            gate: "replay".into(),
            user_id: user,
            day: day(on),
        };
        assert_eq!(store.record_gate_use(&used(3, "2026-12-05"), &b).unwrap(), GateUseWrite::Recorded);
        assert_eq!(store.record_gate_use(&used(3, "2026-12-06"), &b).unwrap(), GateUseWrite::Recorded);
        assert_eq!(store.record_gate_use(&used(3, "2026-12-06"), &b).unwrap(), GateUseWrite::AlreadyRecorded);
        assert_eq!(store.record_gate_use(&used(2, "2026-12-06"), &b).unwrap(), GateUseWrite::Recorded);
        assert_eq!(store.record_gate_use(&used(1, "2026-12-06"), &b).unwrap(), GateUseWrite::OverBound);
        assert_eq!(store.record_gate_use(&used(1, "2026-12-05"), &b).unwrap(), GateUseWrite::Recorded);
        assert_eq!(store.record_gate_use(&used(1, "2026-01-01"), &b).unwrap(), GateUseWrite::TooOld);
        let other = GateUse { organization_id: 2, ..used(4, "2026-12-06") };
        assert_eq!(store.record_gate_use(&other, &b).unwrap(), GateUseWrite::Recorded);

        let users = store.gate_users_since(1, "replay", day("2026-12-01")).unwrap();
        let last = |user_id: i64, on: &str| GateUser { user_id, last_used: day(on) };
        assert_eq!(users, [last(1, "2026-12-05"), last(2, "2026-12-06"), last(3, "2026-12-06")]);
        assert_eq!(store.gate_users_since(1, "replay", day("2026-12-06")).unwrap().len(), 2);
        assert!(store.gate_users_since(1, "other-gate", day("2026-12-01")).unwrap().is_empty());
        assert_eq!(store.gate_users_since(2, "replay", day("2026-12-01")).unwrap(), [last(4, "2026-12-06")]);

        // Past the window, the next write deletes them.
        let later = UsageBounds::ending(day("2027-03-10"));
        assert_eq!(store.record_gate_use(&used(2, "2027-03-10"), &later).unwrap(), GateUseWrite::Recorded);
        assert_eq!(store.gate_users_since(1, "replay", day("2026-01-01")).unwrap(), [last(2, "2027-03-10")]);
    });
}

#[test]
fn the_sink_writes_what_scopegate_drains() {
    on_each_backend(|t| {
        let registry = Registry::global();
        let endpoint = registry.iter().find(|e| e.name() == "create_dashboard").unwrap();
        let now_ms =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
        let by_user = WouldBreak {
            endpoint,
            principal_kind: "user_token",
            user: Some(UserId(3)),
            organization: Some(OrganizationId(1)),
            at_ms: now_ms,
        };
        let by_org_token = WouldBreak { principal_kind: "org_token", user: None, ..by_user };
        let sink = RollupSink::new(t.store.clone());
        scopegate::shadow::UsageSink::record(&sink, &[by_user, by_user, by_org_token], 0);
        assert_eq!(sink.pending(), 0, "written");
        let usage = StoredUsage(t.store.as_ref()).usage_since(Date::today()).unwrap();
        let seen: Vec<(&str, Option<&str>, Option<&str>, u64)> = usage
            .iter()
            .map(|u| {
                (u.principal_kind.as_str(), u.principal.as_deref(), u.organization.as_deref(), u.requests)
            })
            .collect();
        assert_eq!(seen, [("org_token", Some("1"), Some("1"), 1), ("user_token", Some("3"), Some("1"), 2)]);
        assert!(usage.iter().all(|u| u.handler == endpoint.handler() && u.method == Method::Post));
    });
}
