//! From decision to report: random requests to endpoints with planned policies, decided by the
//! engine, recorded by the shadow evaluation, drained into a sink that keeps daily rollups, folded by
//! `tighten::report` — and the report counts exactly the requests the reference model says the
//! current policy allows and the plan denies, per endpoint and per principal.

use std::collections::HashMap;
use std::sync::Mutex;

use proptest::prelude::*;
use scopegate::shadow::{UsageSink, WouldBreak};
use scopegate::testing::reference::{self, Caller, Case, Member, Organization};
use scopegate::tighten::{Usage, Verdict, report};
use scopegate::{
    AccessRequest, Date, Membership, Method, OrganizationId, OrganizationState, Principal, Registry, UserId,
};

#[scopegate::endpoint(
    method = POST,
    path = "/pipeline/organizations/{org}/dashboards/",
    scopes = ["org:read", "org:write"],
    readonly_exception = "Members may create dashboards."
)]
fn create_dashboard() {}

#[scopegate::endpoint(
    method = PUT,
    path = "/pipeline/organizations/{org}/alert-rules/",
    scopes = ["alerts:read", "project:write"],
    readonly_exception = "Members may edit alert rules of their projects.",
    planned_scopes = all("alerts:write", "project:read")
)]
fn update_alert_rule() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/pipeline/organizations/{org}/searches/",
    scopes = ["member:read", "org:admin"],
    readonly_exception = "Nobody uses this any more."
)]
fn delete_search() {}

const SCOPES: [&str; 8] = [
    "org:read",
    "org:write",
    "org:admin",
    "alerts:read",
    "alerts:write",
    "project:read",
    "project:write",
    "member:read",
];
const PATHS: [(Method, &str); 2] = [
    (Method::Post, "/pipeline/organizations/acme/dashboards/"),
    (Method::Put, "/pipeline/organizations/acme/alert-rules/"),
];

/// A sink keeping rollups per (handler, method, kind, user, organization), as a service's store
/// would per day.
#[derive(Default)]
struct Rollups(Mutex<HashMap<RollupKey, u64>>);

/// Handler, method, principal kind, user, organization.
type RollupKey = (String, Method, String, Option<u128>, Option<u128>);

impl UsageSink for Rollups {
    fn record(&self, events: &[WouldBreak], dropped: u64) {
        assert_eq!(dropped, 0, "drained often enough that the ring never overflows");
        let mut rows = self.0.lock().expect("not poisoned");
        for e in events {
            let key = (
                e.endpoint.handler().to_string(),
                e.endpoint.method(),
                e.principal_kind.to_string(),
                e.user.map(|u| u.0),
                e.organization.map(|o| o.0),
            );
            *rows.entry(key).or_default() += 1;
        }
    }
}

impl Rollups {
    fn usage(&self, day: Date) -> Vec<Usage> {
        let rows = self.0.lock().expect("not poisoned");
        rows.iter()
            .map(|((handler, method, kind, user, organization), requests)| Usage {
                handler: handler.clone(),
                method: *method,
                principal_kind: kind.clone(),
                principal: user.map(|u| u.to_string()),
                organization: organization.map(|o| o.to_string()),
                day,
                requests: *requests,
            })
            .collect()
    }
}

/// One random request: a path, a user token's scopes, its role's scopes.
fn request() -> impl Strategy<Value = (usize, u64, Vec<bool>, Vec<bool>)> {
    (
        0..PATHS.len(),
        1..4u64,
        prop::collection::vec(any::<bool>(), SCOPES.len()),
        prop::collection::vec(any::<bool>(), SCOPES.len()),
    )
}

fn names(mask: &[bool]) -> Vec<&'static str> {
    SCOPES.iter().zip(mask).filter(|(_, on)| **on).map(|(s, _)| *s).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_report_counts_exactly_what_the_plan_would_deny(requests in prop::collection::vec(request(), 1..600)) {
        // A registry of this file's endpoints only, so that its counters start at zero.
        let endpoints: Vec<_> = scopegate::__private::inventory::iter::<scopegate::Endpoint>
            .into_iter()
            .filter(|e| e.path().starts_with("/pipeline/"))
            .collect();
        let registry = Registry::from_endpoints(scopegate::Config::sentry(), endpoints).expect("valid");
        let sink = Rollups::default();
        let organization = OrganizationState::builder(registry.config(), OrganizationId(1)).build();
        let mut expected: HashMap<(&str, u64), u64> = HashMap::new();
        // Every run has at least one request that relies on an exception: a read-only token and
        // role creating a dashboard.
        let only_org_read: Vec<bool> = SCOPES.iter().map(|s| *s == "org:read").collect();
        let first = (0, 9, only_org_read.clone(), only_org_read);
        for (i, (path, user, token, role)) in std::iter::once(&first).chain(&requests).enumerate() {
            let (method, path) = PATHS[*path];
            let (token, role) = (names(token), names(role));
            let principal = Principal::user_token(UserId::from(*user), registry.scope_set(token.iter().copied()));
            let member = Membership { organization: OrganizationId(1), role_scopes: registry.scope_set(role.iter().copied()), teams: &[] };
            let decision = registry.authorize(
                &AccessRequest::new(method, path, &principal).with_membership(&member).with_organization(&organization),
            );
            let case = Case {
                method,
                path: path.to_string(),
                caller: Caller::User { id: *user, token: Some(token.iter().map(|s| s.to_string()).collect()), active_superuser: false },
                member: Some(Member { organization: 1, role: role.iter().map(|s| s.to_string()).collect(), teams: Default::default() }),
                organization: Some(Organization { id: 1, ..Organization::default() }),
            };
            prop_assert_eq!(decision.status(), reference::decide(registry.config(), registry.endpoints(), &case).status);
            if reference::would_break(registry.config(), registry.endpoints(), &case) {
                *expected.entry((decision.endpoint().map_or("", |e| e.name()), *user)).or_default() += 1;
            }
            if i % 1_000 == 999 {
                registry.drain_would_break(&sink);
            }
        }
        registry.drain_would_break(&sink);

        let today = Date::today();
        let reports = report(&registry, &sink.usage(today));
        prop_assert_eq!(reports.len(), 3, "one report per endpoint with a plan");
        for plan in &reports {
            let name = plan.endpoint.name();
            let per_user: u64 = expected.iter().filter(|((n, _), _)| *n == name).map(|(_, c)| c).sum();
            prop_assert_eq!(plan.requests, per_user, "{}", name);
            prop_assert_eq!(plan.verdict, if per_user == 0 { Verdict::Safe } else { Verdict::WouldBreak });
            let users = expected.keys().filter(|(n, _)| *n == name).count();
            prop_assert_eq!(plan.principals.len(), users);
            for p in &plan.principals {
                let user: u64 = p.id.as_deref().and_then(|id| id.parse().ok()).expect("a user id");
                prop_assert_eq!(p.requests, expected[&(name, user)]);
                prop_assert_eq!(p.kind.as_str(), "user_token");
            }
            prop_assert_eq!(plan.organizations, usize::from(per_user > 0));
            prop_assert_eq!(plan.last_seen, (per_user > 0).then_some(today));
            // The registry's own counters agree.
            let counted = registry.would_break_counts().find(|(e, _)| e.name() == name).map(|(_, n)| n);
            prop_assert_eq!(counted, Some(per_user));
        }
        prop_assert!(expected.get(&("create_dashboard", 9)).copied().unwrap_or(0) >= 1);
        // Nobody ever calls `delete_search`: its plan is safe.
        let unused = reports.iter().find(|r| r.endpoint.name() == "delete_search").expect("a report");
        prop_assert_eq!((unused.requests, unused.verdict), (0, Verdict::Safe));
    }
}
