//! The enforcement engine: decision order, the principal model, denials as JSON and tracing events,
//! routing with parameters, and the conformance generator on this binary's registry.

#![allow(dead_code)] // The handlers exist to be registered, not called.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scopegate::testing::{self, ORGANIZATION, OTHER_ORGANIZATION, USER};
use scopegate::{
    AccessRequest, Decision, Denial, Membership, Method, OrganizationId, OrganizationState, Principal,
    Reason, Registry, ScopeMatch, ScopeSet, TeamId, UserId,
};

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read", "org:write", "org:admin"])]
fn org_details() {}

#[scopegate::endpoint(method = PUT, path = "/organizations/{org}/", scopes = ["org:write", "org:admin"])]
fn org_update() {}

#[scopegate::endpoint(method = DELETE, path = "/organizations/{org}/", scopes = ["org:admin"])]
fn org_delete() {}

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{org}/searches/",
    scopes = ["org:read", "org:write"],
    readonly_exception = "Members may save personal searches without org:write."
)]
fn save_search() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/", scopes = ["member:read"])]
fn list_members() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/me/", scopes = ["member:read"])]
fn my_membership() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/{member_id}/", scopes = ["member:admin"])]
fn member_details() {}

#[scopegate::endpoint(method = GET, path = "/projects/{org}/{project}/events/{event_id}/", scopes = ["event:read"])]
fn event_details() {}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], gate = replay)]
fn list_replays() {}

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{org}/{project}/replays/{replay_id}/recording-segments/{segment_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
    gate = replay
)]
fn replay_segment() {}

#[scopegate::endpoint(method = GET, path = "/files/{*rest}", unauthenticated = "Public static assets.")]
fn static_files() {}

#[scopegate::endpoint(method = GET, path = "/health/", unauthenticated = "Load balancer probe.")]
fn health() {}

#[scopegate::permission(GET = ["project:read", "project:write"], POST = ["project:write"])]
struct ProjectPermission;

#[scopegate::endpoint(method = POST, path = "/projects/{org}/{project}/keys/", permission = ProjectPermission)]
fn create_key() {}

fn registry() -> &'static Registry {
    Registry::global()
}

fn all() -> ScopeSet {
    registry().all_scopes()
}

fn full_member() -> Membership<'static> {
    Membership { organization: ORGANIZATION, role_scopes: all(), teams: &[] }
}

fn open() -> OrganizationState {
    testing::open_organization(registry().config(), ORGANIZATION.0)
}

fn decide(
    method: Method,
    path: &str,
    p: Principal,
    m: Option<Membership<'_>>,
    org: Option<&OrganizationState>,
) -> Decision {
    registry().authorize(&AccessRequest {
        method,
        path,
        principal: &p,
        membership: m.as_ref(),
        organization: org,
    })
}

fn code(d: Decision) -> (u16, &'static str) {
    (d.status(), d.code())
}

#[test]
fn conformance_of_this_registry() {
    let report = testing::conformance(registry());
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.endpoints, registry().len());
    // Every endpoint contributes several cases.
    assert!(report.cases > 10 * report.endpoints, "{report}");
}

#[test]
fn conformance_reports_every_disagreement_of_a_wrong_decision() {
    // A decision that forgets the scope check (but keeps routing and 401s).
    let r = registry();
    let lax = |req: &AccessRequest<'_>| match r.lookup(req.method, req.path) {
        None => r.authorize(req),
        Some(_) if req.principal.is_anonymous() => r.authorize(req),
        Some(e) => Decision::Allow(e),
    };
    let report = testing::check(r, lax);
    assert!(!report.is_ok());
    let text = report.to_string();
    assert!(
        text.contains(
            "user token with none of the accepted scopes: expected 403 missing_scope, got 200 allowed"
        ),
        "{text}"
    );
    assert!(
        text.contains("gate replay: feature flag off: expected 404 feature_disabled, got 200 allowed"),
        "{text}"
    );
    assert!(text.contains("org token of another organization: expected 403 wrong_organization"), "{text}");
    // A decision that denies everything disagrees on every allowed case.
    let report = testing::check(r, |req| {
        Decision::Deny(Denial::new(Reason::NoCredentials, r.lookup(req.method, req.path)))
    });
    assert!(report.disagreements.iter().any(|d| d.case.starts_with("user token with only")));
    assert!(report.disagreements.iter().all(|d| d.actual.code == "no_credentials"));
}

fn hand_endpoint(handler: &'static str, path: &'static str) -> &'static scopegate::Endpoint {
    Box::leak(Box::new(scopegate::Endpoint::__new(scopegate::__private::Declaration {
        readonly: &["org:read"],
        source: scopegate::Source { file: "hand.rs", line: 1 },
        ..scopegate::__private::Declaration::new(
            handler,
            Method::Get,
            path,
            scopegate::Access::Scopes(scopegate::Requirement::any(&["org:read"])),
        )
    })))
}

#[test]
#[should_panic(expected = "the endpoint's own path routes to it")]
fn assert_conformance_panics_with_the_list() {
    // Every sample filling of `{x}` is taken by a literal route, so `/a/{x}/` cannot be reached with
    // the generator's paths: the report says so and assert_conformance panics.
    let endpoints = [
        hand_endpoint("hand::param", "/a/{x}/"),
        hand_endpoint("hand::p", "/a/p-x/"),
        hand_endpoint("hand::q", "/a/q-x/"),
        hand_endpoint("hand::s", "/a/scopegate-x/"),
    ];
    let registry = Registry::from_endpoints(scopegate::Config::sentry(), endpoints).expect("valid");
    let report = testing::conformance(&registry);
    assert_eq!(report.disagreements.len(), 1, "{report}");
    testing::assert_conformance(&registry);
}

#[test]
#[should_panic(expected = "the registry is empty")]
fn assert_conformance_refuses_an_empty_registry() {
    let empty = Registry::from_endpoints(scopegate::Config::sentry(), []).expect("valid");
    testing::assert_conformance(&empty);
}

#[scopegate::endpoint(method = GET, path = "/users/me/", authenticated = "Every user reads their own profile.")]
fn user_details() {}

#[scopegate::endpoint(method = PUT, path = "/internal/options/", superuser = "Instance-wide options.")]
fn update_options() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/settings/",
    scopes = ["org:read"]
)]
fn organization_settings() {}

#[test]
fn a_membership_counts_only_for_the_targeted_organization() {
    let org = open();
    let registry = registry();
    let scoped = registry.lookup(Method::Get, "/organizations/acme/settings/").expect("registered");
    assert!(registry.is_organization_scoped(scoped));
    let legacy = registry.lookup(Method::Get, "/organizations/acme/").expect("registered");
    assert!(!registry.is_organization_scoped(legacy), "`{{org}}` is not the configured parameter");
    let path = "/organizations/acme/settings/";
    for p in [Principal::session(USER), Principal::user_token(USER, all())] {
        // Targeting the member's organization: granted through the membership.
        assert!(decide(Method::Get, path, p, Some(full_member()), Some(&org)).is_allowed(), "{p:?}");
        // No target organization (a resolver that forgot it): never granted through a membership.
        assert_eq!(
            code(decide(Method::Get, path, p, Some(full_member()), None)),
            (403, "no_membership"),
            "{p:?}"
        );
    }
    // Elsewhere, as in Sentry, a membership without a target still counts.
    let d = decide(Method::Get, "/organizations/acme/", Principal::session(USER), Some(full_member()), None);
    assert!(d.is_allowed());
    // An active superuser needs no membership either way.
    assert!(decide(Method::Get, path, Principal::active_superuser(USER), None, None).is_allowed());
    // The effective scopes a handler sees follow the endpoint's tenancy, as the decision does.
    let member = full_member();
    let session = Principal::session(USER);
    let untargeted = AccessRequest::new(Method::Get, path, &session).with_membership(&member);
    assert_eq!(registry.effective_scopes_at(scoped, &untargeted), ScopeSet::EMPTY);
    assert_eq!(registry.effective_scopes_at(legacy, &untargeted), all());
    assert_eq!(registry.effective_scopes(&untargeted), all(), "without an endpoint: Sentry's rule");
}

#[test]
fn authenticated_and_superuser_endpoints() {
    let org = open();
    let nobody = decide(Method::Get, "/users/me/", Principal::Anonymous, None, None);
    assert_eq!(code(nobody), (401, "no_credentials"));
    // Any signed-in principal, whatever it holds and wherever it belongs.
    for p in [
        Principal::session(USER),
        Principal::user_token(USER, ScopeSet::EMPTY),
        Principal::org_token(OTHER_ORGANIZATION, ScopeSet::EMPTY),
        Principal::active_superuser(USER),
    ] {
        assert!(decide(Method::Get, "/users/me/", p, None, None).is_allowed(), "{p:?}");
    }
    assert_eq!(
        code(decide(Method::Put, "/internal/options/", Principal::Anonymous, None, None)),
        (401, "no_credentials")
    );
    for p in [
        Principal::session(USER),
        Principal::user_token(USER, all()),
        Principal::org_token(ORGANIZATION, all()),
    ] {
        let d = decide(Method::Put, "/internal/options/", p, Some(full_member()), Some(&org));
        assert_eq!(code(d), (403, "superuser_required"), "{p:?}");
    }
    let su = decide(Method::Put, "/internal/options/", Principal::active_superuser(USER), None, None);
    assert!(su.is_allowed());
    let denial = decide(Method::Put, "/internal/options/", Principal::session(USER), None, None);
    assert_eq!(
        denial.denial().map(|d| d.to_json()).as_deref(),
        Some(
            r#"{"status":403,"error":"superuser_required","detail":"This endpoint is reserved to active superusers."}"#
        )
    );
}

#[test]
fn decision_order_404_401_403() {
    let org = open();
    // 1. Unknown path → 404, undeclared method → 405 with the declared ones, even for a superuser.
    let su = Principal::active_superuser(USER);
    assert_eq!(code(decide(Method::Get, "/nope/", su, None, Some(&org))), (404, "endpoint_not_found"));
    let d = decide(Method::Patch, "/organizations/acme/", su, None, Some(&org));
    assert_eq!(code(d), (405, "method_not_allowed"));
    let allow = match d.denial().map(|d| d.reason) {
        Some(Reason::MethodNotAllowed { allow }) => allow.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(allow, "GET, HEAD, PUT, DELETE");
    // HEAD is decided as the GET endpoint of the path.
    let head = decide(Method::Head, "/organizations/acme/", Principal::Anonymous, None, None);
    assert_eq!(code(head), (401, "no_credentials"));
    assert_eq!(head.endpoint().map(|e| e.method()), Some(Method::Get));
    assert_eq!(
        code(decide(Method::Get, "organizations/acme/", su, None, Some(&org))),
        (404, "endpoint_not_found")
    );
    assert_eq!(code(decide(Method::Get, "", su, None, Some(&org))), (404, "endpoint_not_found"));
    // 2. Anonymous → 401 before any scope consideration.
    assert_eq!(
        code(decide(Method::Get, "/organizations/acme/", Principal::Anonymous, None, None)),
        (401, "no_credentials")
    );
    // 3. A wrong-organization token → 403 wrong_organization even when it holds every scope.
    let other = Principal::org_token(OTHER_ORGANIZATION, all());
    assert_eq!(
        code(decide(Method::Get, "/organizations/acme/", other, None, Some(&org))),
        (403, "wrong_organization")
    );
    // 3. Missing scope → 403 with the accepted scopes.
    let reader = Principal::user_token(USER, registry().scope_set(["org:read"]));
    let d = decide(Method::Delete, "/organizations/acme/", reader, Some(full_member()), Some(&org));
    assert_eq!(
        d.denial().map(|d| d.reason),
        Some(Reason::MissingScope { accepted: &["org:admin"], scope_match: ScopeMatch::Any })
    );
    // Unauthenticated endpoints need nothing.
    assert!(decide(Method::Get, "/health/", Principal::Anonymous, None, None).is_allowed());
    assert!(decide(Method::Get, "/files/css/site.css", Principal::Anonymous, None, None).is_allowed());
    assert_eq!(
        code(decide(Method::Get, "/files/", Principal::Anonymous, None, None)),
        (404, "endpoint_not_found")
    );
}

#[test]
fn user_token_is_token_scopes_with_hierarchy_intersected_with_role() {
    let r = registry();
    let org = open();
    let path = "/organizations/acme/";
    // org:admin implies org:read and org:write.
    let admin_token = Principal::user_token(USER, r.scope_set(["org:admin"]));
    let reader_role = Membership { role_scopes: r.scope_set(["org:read"]), ..full_member() };
    assert!(decide(Method::Get, path, admin_token, Some(reader_role), Some(&org)).is_allowed());
    // ...but the role caps it: an admin token of a reader cannot write.
    assert_eq!(
        code(decide(Method::Put, path, admin_token, Some(reader_role), Some(&org))),
        (403, "missing_scope")
    );
    // The hierarchy is not applied to role scopes: a role listing only org:admin cannot read via a session
    // on an endpoint that accepts org:read alone.
    let member_path = "/organizations/acme/members/";
    let admin_role = Membership { role_scopes: r.scope_set(["member:admin"]), ..full_member() };
    let session = Principal::session(USER);
    assert_eq!(
        code(decide(Method::Get, member_path, session, Some(admin_role), Some(&org))),
        (403, "missing_scope")
    );
    // A token's hierarchy does apply: member:admin implies member:read, and the role holds member:read.
    let both_role = Membership { role_scopes: r.scope_set(["member:read", "member:admin"]), ..full_member() };
    let token = Principal::user_token(USER, r.scope_set(["member:admin"]));
    assert!(decide(Method::Get, member_path, token, Some(both_role), Some(&org)).is_allowed());
    // A user who is not a member holds nothing, session or token, and is told so (not which scopes
    // the endpoint accepts: the token may well hold them).
    assert_eq!(code(decide(Method::Get, path, session, None, Some(&org))), (403, "no_membership"));
    let all_token = Principal::user_token(USER, all());
    assert_eq!(code(decide(Method::Get, path, all_token, None, Some(&org))), (403, "no_membership"));
    // A membership in another organization is ignored.
    let elsewhere = Membership { organization: OTHER_ORGANIZATION, ..full_member() };
    assert_eq!(code(decide(Method::Get, path, session, Some(elsewhere), Some(&org))), (403, "no_membership"));
    // Without an organization context, the service's membership is taken as given.
    assert!(decide(Method::Get, path, session, Some(full_member()), None).is_allowed());
    // An active superuser holds every scope without membership; a plain superuser does not.
    assert!(decide(Method::Delete, path, Principal::active_superuser(USER), None, Some(&org)).is_allowed());
    let inactive =
        Principal::User { id: USER, credential: scopegate::UserCredential::Session, active_superuser: false };
    assert_eq!(code(decide(Method::Delete, path, inactive, None, Some(&org))), (403, "no_membership"));
}

#[test]
fn org_tokens_and_integrations_only_inside_their_organization() {
    let r = registry();
    let org = open();
    let path = "/organizations/acme/";
    for make in [Principal::org_token as fn(OrganizationId, ScopeSet) -> Principal, Principal::integration] {
        let token = make(ORGANIZATION, r.scope_set(["org:admin"]));
        assert!(decide(Method::Delete, path, token, None, Some(&org)).is_allowed());
        // Hierarchy applies to their scopes.
        assert!(decide(Method::Get, path, token, None, Some(&org)).is_allowed());
        // Not in another organization, nor without an organization context.
        let theirs = testing::open_organization(r.config(), OTHER_ORGANIZATION.0);
        assert_eq!(code(decide(Method::Get, path, token, None, Some(&theirs))), (403, "wrong_organization"));
        assert_eq!(code(decide(Method::Get, path, token, None, None)), (403, "wrong_organization"));
        let weak = make(ORGANIZATION, r.scope_set(["project:read"]));
        assert_eq!(code(decide(Method::Get, path, weak, None, Some(&org))), (403, "missing_scope"));
    }
}

#[test]
fn untrusted_scope_strings_are_ignored_never_panic() {
    let r = registry();
    let junk = ["", " ", "org:read ", "ORG:READ", "org:", ":", "org:read\0", "🔥", "event:read:extra"];
    assert_eq!(r.scope_set(junk), ScopeSet::EMPTY);
    let long = "x".repeat(1 << 16);
    assert_eq!(r.scope_set([long.as_str(), "org:read"]), r.scope_set(["org:read"]));
    // Bits beyond the vocabulary are not scopes: they are ignored by names and closure, and grant nothing.
    let beyond = ScopeSet::from_words([u64::MAX; 16]) - r.all_scopes();
    assert_eq!(r.scope_names(beyond).count(), 0);
    assert_eq!(r.closure(beyond), beyond);
    let org = open();
    let token = Principal::org_token(ORGANIZATION, beyond);
    assert_eq!(
        code(decide(Method::Get, "/organizations/acme/", token, None, Some(&org))),
        (403, "missing_scope")
    );
    // Hostile paths route nowhere without panicking.
    for path in ["/", "//", "/organizations/acme", "/organizations/acme//", "\u{0}", "/%2e%2e/"] {
        let d = decide(Method::Get, path, Principal::active_superuser(USER), None, Some(&org));
        assert_eq!(code(d), (404, "endpoint_not_found"), "{path:?}");
    }
    // Like axum's router, a parameter followed by `/` may be empty (the service then finds no
    // organization ""); the decision is still made on the endpoint's policy.
    let empty_org = r.lookup(Method::Get, "/organizations//").map(|e| e.name());
    assert_eq!(empty_org, Some("org_details"));
    let d = decide(Method::Get, "/organizations//", Principal::Anonymous, None, None);
    assert_eq!(code(d), (401, "no_credentials"));
    let deep = "/a".repeat(100_000);
    assert!(!decide(Method::Get, &deep, Principal::Anonymous, None, None).is_allowed());
}

#[test]
fn routing_prefers_literals_and_captures_params() {
    let r = registry();
    let e = r.lookup(Method::Get, "/organizations/acme/members/me/").map(|e| e.name());
    assert_eq!(e, Some("my_membership"));
    let route = r.route(Method::Get, "/organizations/acme/members/42/").expect("routed");
    assert_eq!(route.endpoint().name(), "member_details");
    assert_eq!(route.params().collect::<Vec<_>>(), [("org", "acme"), ("member_id", "42")]);
    assert_eq!(route.accepted_scopes(), r.scope_set(["member:admin"]));
    let route = r.route(Method::Get, "/projects/acme/web/replays/r1/recording-segments/7/").expect("routed");
    assert_eq!(route.param("segment_id"), Some("7"));
    assert_eq!(route.params().count(), 4);
    let route = r.route(Method::Get, "/files/a/b.css").expect("routed");
    assert_eq!(route.param("rest"), Some("a/b.css"));
    // by_handler and the accepted set agree with the declaration, including via a permission class.
    let key = r.by_handler(concat!(module_path!(), "::create_key")).expect("registered");
    assert_eq!(r.accepted_scopes(key), r.scope_set(["project:write"]));
    assert_eq!(r.scope_names(r.accepted_scopes(key)).collect::<Vec<_>>(), ["project:write"]);
}

#[test]
fn hierarchy_is_closed_at_build() {
    let r = registry();
    let names = |s: &[&str]| r.scope_names(r.closure(r.scope_set(s.iter().copied()))).collect::<Vec<_>>();
    assert_eq!(names(&["team:admin"]), ["team:read", "team:write", "team:admin"]);
    assert_eq!(names(&["member:admin"]), ["member:invite", "member:read", "member:write", "member:admin"]);
    assert_eq!(names(&["project:releases"]), ["project:releases"]);
    assert_eq!(names(&[]), Vec::<&str>::new());
    assert_eq!(r.scope_names(r.scope_set(r.config().vocabulary().readonly().iter().copied())).count(), 6);
    assert_eq!(r.all_scopes().len(), r.config().vocabulary().scopes().len());
}

#[test]
fn denials_serialise_to_json_bodies() {
    let body = |reason: Reason| serde_json::to_value(Denial::new(reason, None)).expect("serialises");
    assert_eq!(
        body(Reason::MissingScope { accepted: &["org:write", "org:admin"], scope_match: ScopeMatch::Any }),
        serde_json::json!({"status": 403, "error": "missing_scope",
            "detail": "Your credentials hold none of the scopes this endpoint accepts.",
            "accepted_scopes": ["org:write", "org:admin"], "scope_match": "any"})
    );
    assert_eq!(
        body(Reason::MissingScope { accepted: &["member:read", "team:write"], scope_match: ScopeMatch::All }),
        serde_json::json!({"status": 403, "error": "missing_scope",
            "detail": "Your credentials lack a scope this endpoint requires: it requires all of them.",
            "accepted_scopes": ["member:read", "team:write"], "scope_match": "all"})
    );
    assert_eq!(
        body(Reason::FeatureDisabled { gate: "replay", feature: "organizations:session-replay" }),
        serde_json::json!({"status": 404, "error": "feature_disabled",
            "detail": "This feature is not enabled for the organization.",
            "gate": "replay", "feature": "organizations:session-replay"})
    );
    for (reason, status, code) in [
        (Reason::EndpointNotFound, 404, "endpoint_not_found"),
        (Reason::NoCredentials, 401, "no_credentials"),
        (Reason::WrongOrganization, 403, "wrong_organization"),
        (Reason::NoMembership, 403, "no_membership"),
        (Reason::NotAMember { gate: "replay" }, 403, "not_a_member"),
        (Reason::EmptyAllowlist { gate: "replay" }, 403, "empty_allowlist"),
        (Reason::NotOnAllowlist { gate: "replay" }, 403, "not_on_allowlist"),
    ] {
        let v = body(reason);
        assert_eq!(v["status"], status);
        assert_eq!(v["error"], code);
        assert_eq!(reason.code(), code);
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(v.get("gate").is_some(), reason.gate().is_some());
    }
    // The endpoint never leaks into the body.
    let org = open();
    let d = decide(Method::Delete, "/organizations/acme/", Principal::session(UserId(5)), None, Some(&org));
    let json = d.denial().expect("denied").to_json();
    assert!(!json.contains("org_delete"), "{json}");
    assert!(d.denial().expect("denied").to_string().contains("org_delete"));
}

/// One captured event: its level and its fields, formatted.
type Event = (tracing::Level, HashMap<String, String>);

#[derive(Default, Clone)]
struct Captured(Arc<Mutex<Vec<Event>>>);

struct Fields(HashMap<String, String>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl tracing::Subscriber for Captured {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == "scopegate" {
            let mut fields = Fields(HashMap::new());
            event.record(&mut fields);
            self.0.lock().expect("not poisoned").push((*event.metadata().level(), fields.0));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn one_structured_tracing_event_per_denial() {
    let captured = Captured::default();
    let org = OrganizationState::builder(registry().config(), ORGANIZATION)
        .feature("organizations:session-replay", true)
        .granular("replay", true)
        .allow_teams("replay", [TeamId(9)])
        .build();
    tracing::subscriber::with_default(captured.clone(), || {
        // Other tests' threads may have cached a callsite's interest while no subscriber listened
        // (a race in tracing's global callsite cache): ask every callsite again.
        tracing::callsite::rebuild_interest_cache();
        let _ = decide(Method::Get, "/nope/", Principal::Anonymous, None, None);
        let _ = decide(
            Method::Get,
            "/organizations/acme/replays/",
            Principal::session(USER),
            Some(full_member()),
            Some(&org),
        );
        // Allowed decisions emit nothing.
        let _ = decide(Method::Get, "/health/", Principal::Anonymous, None, None);
    });
    let events = captured.0.lock().expect("not poisoned");
    assert_eq!(events.len(), 2, "{events:?}");
    let (level, first) = &events[0];
    assert_eq!(*level, tracing::Level::DEBUG);
    assert_eq!(first["status"], "404");
    assert_eq!(first["reason"], "endpoint_not_found");
    assert_eq!(first["path"], "/nope/");
    assert_eq!(first["principal"], "anonymous");
    assert!(!first.contains_key("handler"));
    let (level, second) = &events[1];
    assert_eq!(*level, tracing::Level::INFO);
    assert_eq!(second["status"], "403");
    assert_eq!(second["reason"], "not_on_allowlist");
    assert_eq!(second["method"], "GET");
    assert_eq!(second["gate"], "replay");
    assert_eq!(second["organization"], "1");
    assert_eq!(second["principal"], "session");
    assert!(second["handler"].ends_with("::list_replays"), "{second:?}");
}

/// `authorize_endpoint` (for a framework that already routed the request) decides exactly as
/// `authorize` does once the path is routed, for every endpoint and several kinds of principal.
#[test]
fn authorize_endpoint_agrees_with_routed_authorize() {
    let registry = registry();
    let state = testing::open_organization(registry.config(), ORGANIZATION.0);
    let teams = [TeamId(1)];
    let member =
        testing::member(registry, ORGANIZATION.0, &["org:read", "event:read", "project:write"], &teams);
    let principals = [
        Principal::Anonymous,
        testing::session(USER.0),
        testing::user_token(registry, USER.0, &["org:read"]),
        testing::org_token(registry, ORGANIZATION.0, &["event:read", "org:write"]),
        testing::org_token(registry, OTHER_ORGANIZATION.0, &["org:admin"]),
        testing::active_superuser(USER.0),
    ];
    let mut compared = 0;
    for endpoint in registry.iter() {
        let id = registry.endpoint_id(endpoint.method(), endpoint.path()).expect("registered");
        assert!(std::ptr::eq(registry.endpoint(id).expect("same registry"), endpoint));
        let path = testing::concrete_path(endpoint.path());
        for principal in &principals {
            let request = AccessRequest::new(endpoint.method(), &path, principal)
                .with_membership(&member)
                .with_organization(&state);
            let routed = registry.authorize(&request);
            if routed.endpoint().is_some_and(|e| std::ptr::eq(e, endpoint)) {
                assert_eq!(registry.authorize_endpoint(id, &request), routed, "{} {path}", endpoint.method());
                compared += 1;
            }
        }
    }
    assert!(compared >= registry.len() * principals.len() / 2, "{compared} decisions compared");
    // Not a declared template: no id.
    assert_eq!(registry.endpoint_id(Method::Get, "/organizations/acme/"), None);
}

/// This binary's endpoints under Sentry's vocabulary, as a single-tenant service
/// (`[tenancy] organizations = false`).
fn single_tenant() -> &'static Registry {
    use scopegate::__private::{Config, Vocabulary};
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let v = Config::sentry().vocabulary();
        let config: &'static Config = Box::leak(Box::new(
            Config::__new(Vocabulary::__new(v.scopes(), v.readonly(), v.implies()), Config::sentry().gates())
                .__single_tenant(),
        ));
        assert!(!config.has_organizations());
        Registry::from_endpoints(config, registry().iter()).expect("valid")
    })
}

#[test]
fn a_single_tenant_service_needs_no_organization() {
    let registry = single_tenant();
    let standing = Membership::single_tenant(registry.scope_set(["org:read", "member:read"]), &[]);
    let decide = |method, path, p: Principal, m: Option<Membership<'_>>, org: Option<&OrganizationState>| {
        registry.authorize(&AccessRequest {
            method,
            path,
            principal: &p,
            membership: m.as_ref(),
            organization: org,
        })
    };
    // The caller's standing counts without any organization, on every endpoint.
    for path in ["/organizations/acme/", "/organizations/acme/settings/"] {
        assert!(
            decide(Method::Get, path, Principal::session(USER), Some(standing), None).is_allowed(),
            "{path}"
        );
        // A user token: its own scopes with the hierarchy, ∩ the role's.
        let token = Principal::user_token(USER, registry.scope_set(["org:admin"]));
        assert!(decide(Method::Get, path, token, Some(standing), None).is_allowed(), "{path}");
        let token = Principal::user_token(USER, registry.scope_set(["project:read"]));
        assert_eq!(code(decide(Method::Get, path, token, Some(standing), None)), (403, "missing_scope"));
    }
    assert!(
        !registry.is_organization_scoped(
            registry.lookup(Method::Get, "/organizations/acme/settings/").expect("x")
        )
    );
    // An organization token is a service token: no organization to be outside of.
    let service = Principal::org_token(OrganizationId::SERVICE, registry.scope_set(["org:read"]));
    assert!(decide(Method::Get, "/organizations/acme/", service, None, None).is_allowed());
    // Gates read the service's one state.
    let state = OrganizationState::single_tenant(registry.config())
        .feature("organizations:session-replay", true)
        .build();
    let replays = "/organizations/acme/replays/";
    let event_reader = Membership::single_tenant(registry.scope_set(["event:read"]), &[]);
    assert!(
        decide(Method::Get, replays, Principal::session(USER), Some(event_reader), Some(&state)).is_allowed()
    );
    let off = OrganizationState::single_tenant(registry.config()).build();
    let d = decide(Method::Get, replays, Principal::session(USER), Some(event_reader), Some(&off));
    assert_eq!(code(d), (404, "feature_disabled"));
    // The conformance generator knows the mode.
    testing::assert_conformance(registry);
}
