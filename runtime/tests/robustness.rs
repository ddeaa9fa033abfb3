//! Robustness against what comes from outside: request paths (empty, huge, `..`, percent-encoded,
//! arbitrary Unicode, and non-UTF-8 bytes through the axum layer), methods (extension methods),
//! `Authorization` headers (garbage, huge, non-ASCII) and token scope strings.
//!
//! Nothing panics, the server never answers 5xx, and nothing is granted that the plain reference
//! model (`scopegate::testing::reference`) would not grant: every decision is compared with the
//! model's, status and reason code.

#![allow(dead_code)] // The handlers exist to be registered (and, through the layer, called).

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use scopegate::testing::reference::{self, Caller, Case, Member, Organization};
use scopegate::{
    AccessRequest, Membership, Method, OrganizationId, OrganizationState, Principal, Registry, TeamId, UserId,
};

#[scopegate::endpoint(method = GET, path = "/", unauthenticated = "API root.")]
async fn root() -> &'static str {
    "robustness::root"
}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read", "org:write", "org:admin"])]
async fn org_details() -> &'static str {
    "robustness::org_details"
}

#[scopegate::endpoint(method = PUT, path = "/organizations/{org}/", scopes = ["org:write", "org:admin"])]
async fn org_update() -> &'static str {
    "robustness::org_update"
}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/members/me/", scopes = ["member:read"])]
async fn me() -> &'static str {
    "robustness::me"
}

#[scopegate::endpoint(method = DELETE, path = "/organizations/{org}/members/{member}/", scopes = ["member:admin"])]
async fn remove_member() -> &'static str {
    "robustness::remove_member"
}

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/", scopes = ["event:read"], gate = replay)]
async fn replays() -> &'static str {
    "robustness::replays"
}

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{org}/{project}/replays/{replay_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
    gate = replay
)]
async fn replay_details() -> &'static str {
    "robustness::replay_details"
}

#[scopegate::endpoint(
    method = DELETE,
    path = "/projects/{org}/{project}/replays/{replay_id}/",
    scopes = ["project:write", "project:admin"],
    gate = replay
)]
async fn replay_delete() -> &'static str {
    "robustness::replay_delete"
}

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
)]
struct SearchPermission;

#[scopegate::endpoint(method = POST, path = "/organizations/{org}/searches/", permission = SearchPermission)]
async fn save_search() -> &'static str {
    "robustness::save_search"
}

#[scopegate::endpoint(method = GET, path = "/files/{*rest}", unauthenticated = "Static files.")]
async fn files() -> &'static str {
    "robustness::files"
}

fn registry() -> &'static Registry {
    Registry::global()
}

// ---------------------------------------------------------------------------------------------
// The service's facts: organizations, memberships, gate settings. Both the engine's inputs and the
// model's are derived from them, in plain terms.

const OWNER_ROLE: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "member:read",
    "member:admin",
    "event:read",
    "event:admin",
    "project:read",
    "project:admin",
];
const MEMBER_ROLE: &[&str] = &["org:read", "member:read", "event:read", "project:read"];

/// Who calls, as the test service's credentials describe them.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Session(u64),
    Superuser(u64),
    Token(u64, Vec<String>),
    Org(u64, Vec<String>),
}

/// User 1 owns `acme` (team 10), user 2 is a member of it (team 11), user 4 owns `globex` (team 12),
/// user 3 belongs nowhere.
fn membership_of(user: u64, org: u64) -> Option<(&'static [&'static str], Vec<u64>)> {
    match (user, org) {
        (1, 1) | (4, 2) => Some((OWNER_ROLE, vec![if org == 1 { 10 } else { 12 }])),
        (2, 1) => Some((MEMBER_ROLE, vec![11])),
        _ => None,
    }
}

/// The organization a path names through its `{org}` parameter: `acme`/`1` or `globex`/`2`.
fn organization_of(method: Method, path: &str) -> Option<u64> {
    match registry().route(method, path)?.param("org")? {
        "acme" | "1" => Some(1),
        "globex" | "2" => Some(2),
        _ => None,
    }
}

/// One organization's replay gate settings.
#[derive(Clone, Debug)]
struct GateSettings {
    feature: bool,
    granular: bool,
    users: Vec<u64>,
    teams: Vec<u64>,
}

impl GateSettings {
    /// `acme` in the axum tests: replays on, granular, only user 1 and team 11.
    fn fixed() -> GateSettings {
        GateSettings { feature: true, granular: true, users: vec![1], teams: vec![11] }
    }
}

/// The engine's decision and the model's, for one request.
fn both(
    method: Method,
    path: &str,
    who: &Who,
    gates: &GateSettings,
) -> (reference::Outcome, reference::Outcome) {
    let r = registry();
    let target = organization_of(method, path);
    let user = match who {
        Who::Session(u) | Who::Superuser(u) | Who::Token(u, _) => Some(*u),
        _ => None,
    };
    let member = user.zip(target).and_then(|(u, o)| membership_of(u, o).map(|m| (o, m)));

    let principal = match who {
        Who::Anonymous => Principal::Anonymous,
        Who::Session(u) => Principal::session(UserId::from(*u)),
        Who::Superuser(u) => Principal::active_superuser(UserId::from(*u)),
        Who::Token(u, scopes) => {
            Principal::user_token(UserId::from(*u), r.scope_set(scopes.iter().map(String::as_str)))
        }
        Who::Org(o, scopes) => {
            Principal::org_token(OrganizationId::from(*o), r.scope_set(scopes.iter().map(String::as_str)))
        }
    };
    let teams: Vec<TeamId> =
        member.as_ref().map(|(_, (_, t))| t.iter().map(|t| TeamId::from(*t)).collect()).unwrap_or_default();
    let membership = member.as_ref().map(|(o, (role, _))| Membership {
        organization: OrganizationId::from(*o),
        role_scopes: r.scope_set(role.iter().copied()),
        teams: &teams,
    });
    let state = target.map(|o| {
        OrganizationState::builder(r.config(), OrganizationId::from(o))
            .feature("organizations:session-replay", gates.feature)
            .granular("replay", gates.granular)
            .allow_users("replay", gates.users.iter().map(|u| UserId::from(*u)))
            .allow_teams("replay", gates.teams.iter().map(|t| TeamId::from(*t)))
            .build()
    });
    let decision = r.authorize(&AccessRequest {
        method,
        path,
        principal: &principal,
        membership: membership.as_ref(),
        organization: state.as_ref(),
    });
    let engine = reference::Outcome {
        status: decision.status(),
        code: decision.code(),
        handler: decision.endpoint().map(|e| e.handler()),
    };

    let set = |names: &[String]| names.iter().cloned().collect::<HashSet<String>>();
    let caller = match who {
        Who::Anonymous => Caller::Anonymous,
        Who::Session(u) => Caller::User { id: *u, token: None, active_superuser: false },
        Who::Superuser(u) => Caller::User { id: *u, token: None, active_superuser: true },
        Who::Token(u, scopes) => Caller::User { id: *u, token: Some(set(scopes)), active_superuser: false },
        Who::Org(o, scopes) => Caller::OrgToken { organization: *o, scopes: set(scopes) },
    };
    let case = Case {
        method,
        path: path.to_string(),
        caller,
        member: member.map(|(o, (role, teams))| Member {
            organization: o,
            role: role.iter().map(|s| s.to_string()).collect(),
            teams: teams.into_iter().collect(),
        }),
        organization: target.map(|o| Organization {
            id: o,
            features: if gates.feature {
                HashSet::from(["organizations:session-replay".to_string()])
            } else {
                HashSet::new()
            },
            granular: if gates.granular { HashSet::from(["replay".to_string()]) } else { HashSet::new() },
            users: HashMap::from([("replay".to_string(), gates.users.iter().copied().collect())]),
            teams: HashMap::from([("replay".to_string(), gates.teams.iter().copied().collect())]),
        }),
    };
    (engine, reference::decide(r.config(), r.endpoints(), &case))
}

// ---------------------------------------------------------------------------------------------
// Generators.

/// Parameter values an attacker might send: traversal, encodings, separators, controls, Unicode.
const HOSTILE: &[&str] = &[
    "acme",
    "acme",
    "acme",
    "1",
    "globex",
    "2",
    "",
    ".",
    "..",
    "%2e%2e",
    "%2E%2E%2F",
    "%2F",
    "acme%2F..",
    "%61cme",
    "ACME",
    "acme ",
    " acme",
    "acme\u{0}",
    "\u{0}",
    "a/b",
    "a//b",
    "/",
    "\\",
    "..\\..",
    "?x=1",
    "#frag",
    "%",
    "%zz",
    "%00",
    "%ff%fe",
    "🙂",
    "\u{202E}",
    "ａｃｍｅ",
    "acme;x",
    "*",
    "{org}",
    "{*rest}",
    "me",
    "replays",
    "42",
    "-1",
    "99999999999999999999999",
];

const KNOWN_SCOPES: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "member:read",
    "member:admin",
    "event:read",
    "event:write",
    "project:read",
    "project:write",
    "project:admin",
    "alerts:read",
];

/// Scope strings as a token's stored list might hold them: known names and near misses.
const SCOPE_JUNK: &[&str] = &[
    "",
    " ",
    "org:read ",
    " org:read",
    "ORG:READ",
    "org:reаd", // Cyrillic а
    "org:read,org:write",
    "org:read org:write",
    "org:*",
    "*",
    "org",
    ":",
    "org:read\u{0}",
    "event:read\n",
    "🙂",
];

fn scope_names() -> impl Strategy<Value = Vec<String>> {
    let name = prop_oneof![
        6 => prop::sample::select(KNOWN_SCOPES).prop_map(str::to_string),
        3 => prop::sample::select(SCOPE_JUNK).prop_map(str::to_string),
        1 => "\\PC{0,24}",
        1 => (1..5000usize).prop_map(|n| format!("org:read{}", " ".repeat(n))),
    ];
    prop::collection::vec(name, 0..6)
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        1 => Just(Who::Anonymous),
        2 => (1..=4u64).prop_map(Who::Session),
        1 => (1..=5u64).prop_map(Who::Superuser),
        3 => ((1..=4u64), scope_names()).prop_map(|(u, s)| Who::Token(u, s)),
        2 => ((1..=3u64), scope_names()).prop_map(|(o, s)| Who::Org(o, s)),
    ]
}

fn gate_settings() -> impl Strategy<Value = GateSettings> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(1..=5u64, 0..3),
        prop::collection::vec(10..=13u64, 0..3),
    )
        .prop_map(|(feature, granular, users, teams)| GateSettings {
            feature: feature || granular,
            granular,
            users,
            teams,
        })
}

/// A request path: an endpoint's template with hostile parameters, a mangled template, or anything.
fn path() -> impl Strategy<Value = String> {
    let templates: Vec<&'static str> = registry().iter().map(|e| e.path()).collect();
    let filled =
        (prop::sample::select(templates.clone()), prop::collection::vec(prop::sample::select(HOSTILE), 4))
            .prop_map(|(template, params)| {
                let mut params = params.into_iter();
                template
                    .split('/')
                    .map(|seg| if seg.starts_with('{') { params.next().unwrap_or("x") } else { seg })
                    .collect::<Vec<_>>()
                    .join("/")
            });
    let mangled = (prop::sample::select(templates), any::<u8>(), prop::sample::select(HOSTILE)).prop_map(
        |(template, how, junk)| match how % 6 {
            0 => template.replace("{org}", "acme").replace(['{', '}'], ""),
            1 => template.trim_end_matches('/').replace("{org}", "acme"),
            2 => format!("{}{junk}", template.replace("{org}", "acme")),
            3 => template.replace("{org}", "acme").replacen('/', "//", 1 + usize::from(how / 6) % 3),
            4 => template.to_uppercase(),
            _ => format!("/{junk}{}", template.replace("{org}", "acme")),
        },
    );
    prop_oneof![
        6 => filled,
        3 => mangled,
        2 => "(/[a-z.%0-9{}*]{0,4}){0,10}/?",
        1 => "\\PC{0,64}",
        1 => any::<String>(),
        1 => (1..5_000usize, prop::sample::select(&["/", "/a", "/organizations/acme", "%2e", "/.."][..]))
            .prop_map(|(n, unit)| unit.repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any path, any principal, any gate settings: the engine decides exactly as the model.
    #[test]
    fn hostile_requests_are_decided_as_the_model_decides(
        method in prop::sample::select(Method::ALL.to_vec()),
        path in path(),
        who in who(),
        gates in gate_settings(),
    ) {
        let (engine, model) = both(method, &path, &who, &gates);
        prop_assert_eq!(engine, model, "{} {:?} as {:?}", method, path, who);
        // Routing a hostile path never panics either, and yields the template's parameters.
        if let Some(route) = registry().route(method, &path) {
            let expected = route.endpoint().path().matches('{').count();
            prop_assert_eq!(route.params().count(), expected);
            prop_assert_eq!(Some(route.endpoint().handler()), engine.handler);
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    /// Token scope strings: unknown or malformed names grant nothing, and known names grant
    /// exactly what the model grants, on every endpoint.
    #[test]
    fn token_scope_strings_grant_no_more_than_the_model(names in scope_names(), org in 1..=2u64) {
        let r = registry();
        let vocabulary = r.config().vocabulary();
        let set = r.scope_set(names.iter().map(String::as_str));
        let parsed: HashSet<&str> = r.scope_names(set).collect();
        let known: HashSet<&str> = names.iter().map(String::as_str).filter(|n| vocabulary.contains(n)).collect();
        prop_assert_eq!(&parsed, &known);
        let closed = r.closure(set);
        prop_assert_eq!(r.closure(closed), closed);
        prop_assert!(closed.is_superset(set) && r.all_scopes().is_superset(closed));
        for name in r.scope_names(closed) {
            prop_assert!(known.iter().any(|k| *k == name || vocabulary.implied_by(k).contains(&name)), "{}", name);
        }
        let gates = GateSettings::fixed();
        for endpoint in r.iter() {
            let path = endpoint.path().replace("{org}", if org == 1 { "acme" } else { "globex" });
            for who in [Who::Token(1, names.clone()), Who::Token(2, names.clone()), Who::Org(org, names.clone())] {
                let (engine, model) = both(endpoint.method(), &path, &who, &gates);
                prop_assert_eq!(engine, model, "{} {} as {:?}", endpoint.method(), path, who);
            }
        }
    }
}

/// Paths at the edges, for every method and principal kind.
#[test]
fn edge_paths_are_decided_as_the_model_decides() {
    let huge_segment = format!("/organizations/{}/", "a".repeat(1 << 16));
    let deep = "/a".repeat(20_000);
    let slashes = "/".repeat(50_000);
    let deep_files = format!("/files/{}", "x/".repeat(20_000));
    let paths = [
        "",
        "/",
        "//",
        "/..",
        "/../organizations/acme/",
        "/organizations/../organizations/acme/",
        "/organizations/acme/../globex/",
        "/organizations/%61cme/",
        "/organizations/acme/%2e%2e/",
        "/organizations/acme",
        "/organizations/acme//",
        "/ORGANIZATIONS/acme/",
        "/organizations/acme/?x=1",
        "/organizations/acme/#",
        "organizations/acme/",
        "\u{0}",
        "/files/",
        "/files/..",
        "/files/../../etc/passwd",
        "/projects/acme//replays/r/",
        "/projects/acme/web/replays//",
        &huge_segment,
        &deep,
        &slashes,
        &deep_files,
    ];
    let whos = [
        Who::Anonymous,
        Who::Session(1),
        Who::Session(2),
        Who::Superuser(5),
        Who::Token(1, vec!["org:admin".into(), "event:read".into()]),
        Who::Org(1, vec!["event:read".into(), "org:read".into()]),
        Who::Org(2, vec!["org:admin".into()]),
    ];
    for path in paths {
        for method in Method::ALL {
            for who in &whos {
                let (engine, model) = both(method, path, who, &GateSettings::fixed());
                assert_eq!(engine, model, "{method} {:?} as {who:?}", &path[..path.len().min(80)]);
            }
        }
    }
}

/// `GET …/members/me/` is a literal route; axum matches it for every method, so `DELETE
/// …/members/me/` has no handler, although `DELETE …/members/{member}/` would match the path.
/// The engine and the model route the same way (they used to pick the DELETE endpoint, which the
/// layer then refused as a router disagreement).
#[test]
fn a_literal_route_shadows_the_other_methods_parameter_routes() {
    let r = registry();
    assert_eq!(r.lookup(Method::Delete, "/organizations/acme/members/me/"), None);
    assert_eq!(
        r.lookup(Method::Get, "/organizations/acme/members/me/").map(|e| e.handler()),
        Some("robustness::me")
    );
    assert_eq!(
        r.lookup(Method::Delete, "/organizations/acme/members/7/").map(|e| e.handler()),
        Some("robustness::remove_member")
    );
    let (engine, model) =
        both(Method::Delete, "/organizations/acme/members/me/", &Who::Superuser(5), &GateSettings::fixed());
    assert_eq!((engine, model.code), (model, "method_not_allowed"));
}

/// An enforced axum service over a real socket: hostile request lines, methods and headers.
#[cfg(feature = "axum")]
mod layer {
    use std::io::{Read, Write};
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::request::Parts;
    use axum::http::{HeaderValue, Request, StatusCode, header};
    use scopegate::axum::{ApiRouter, OwnedMembership, Resolved, Resolver};
    use scopegate::{Endpoint, OrganizationId, OrganizationState, Principal, TeamId, UserId};
    use tower::ServiceExt;

    use super::*;

    /// `Authorization: session <user>`, `super <user>`, `token <user> <scopes,…>`, `org <org>
    /// <scopes,…>`; no header is anonymous, anything else is rejected with 401.
    #[derive(Clone)]
    struct TestResolver;

    /// Parses the test service's credentials; `Err` for anything malformed.
    fn parse_who(value: Option<&HeaderValue>) -> Result<Who, ()> {
        let Some(value) = value else { return Ok(Who::Anonymous) };
        let text = value.to_str().map_err(|_| ())?;
        let mut words = text.split(' ');
        let (kind, id) = (words.next().ok_or(())?, words.next().ok_or(())?);
        let id: u64 = id.parse().map_err(|_| ())?;
        let scopes =
            || words.clone().next().map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default();
        let who = match kind {
            "session" => Who::Session(id),
            "super" => Who::Superuser(id),
            "token" => Who::Token(id, scopes()),
            "org" => Who::Org(id, scopes()),
            _ => return Err(()),
        };
        if words.nth(1).is_some() {
            return Err(());
        }
        Ok(who)
    }

    impl Resolver for TestResolver {
        type Rejection = (StatusCode, &'static str);

        async fn resolve(
            &self,
            parts: &mut Parts,
            endpoint: &'static Endpoint,
        ) -> Result<Resolved, Self::Rejection> {
            let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
            let first = values.next();
            if values.next().is_some() {
                return Err((StatusCode::UNAUTHORIZED, "invalid_credentials"));
            }
            let who = parse_who(first).map_err(|()| (StatusCode::UNAUTHORIZED, "invalid_credentials"))?;
            let r = registry();
            let (principal, user) = match &who {
                Who::Anonymous => (Principal::Anonymous, None),
                Who::Session(u) => (Principal::session(UserId::from(*u)), Some(*u)),
                Who::Superuser(u) => (Principal::active_superuser(UserId::from(*u)), Some(*u)),
                Who::Token(u, s) => (
                    Principal::user_token(UserId::from(*u), r.scope_set(s.iter().map(String::as_str))),
                    Some(*u),
                ),
                Who::Org(o, s) => (
                    Principal::org_token(OrganizationId::from(*o), r.scope_set(s.iter().map(String::as_str))),
                    None,
                ),
            };
            let mut resolved = Resolved::new(principal);
            if let Some(org) = organization_of(endpoint.method(), parts.uri.path()) {
                let gates = GateSettings::fixed();
                resolved = resolved.with_organization(Arc::new(
                    OrganizationState::builder(r.config(), OrganizationId::from(org))
                        .feature("organizations:session-replay", gates.feature)
                        .granular("replay", gates.granular)
                        .allow_users("replay", gates.users.iter().map(|u| UserId::from(*u)))
                        .allow_teams("replay", gates.teams.iter().map(|t| TeamId::from(*t)))
                        .build(),
                ));
                if let Some((role, teams)) = user.and_then(|u| membership_of(u, org)) {
                    resolved = resolved.with_membership(OwnedMembership {
                        organization: OrganizationId::from(org),
                        role_scopes: r.scope_set(role.iter().copied()),
                        teams: teams.iter().map(|t| TeamId::from(*t)).collect(),
                    });
                }
            }
            Ok(resolved)
        }
    }

    /// Every endpoint at its declared method and path, each answering with its handler's name.
    fn app() -> scopegate::axum::ApiService {
        ApiRouter::new(registry(), TestResolver)
            .routes(scopegate::routes![
                root,
                org_details,
                org_update,
                me,
                remove_member,
                replays,
                replay_details,
                replay_delete,
                save_search,
                files,
            ])
            .into_service()
    }

    /// What the service must answer: 404 for unknown paths, 405 for methods the path does not
    /// declare (any method HTTP allows, not only the seven scopegate declares), then the
    /// resolver's 401 for malformed credentials, then the model's decision (200 with the
    /// handler's name).
    fn expected(method: &str, path: &str, auth: Result<Who, ()>) -> (u16, String) {
        let probe = auth.clone().unwrap_or(Who::Anonymous);
        let Some(method) = Method::parse(method) else {
            let (_, model) = both(Method::Get, path, &probe, &GateSettings::fixed());
            return match model.code {
                "endpoint_not_found" => (404, model.code.into()),
                _ => (405, "method_not_allowed".into()),
            };
        };
        let (_, model) = both(method, path, &probe, &GateSettings::fixed());
        if model.code == "endpoint_not_found" || model.code == "method_not_allowed" {
            return (model.status, model.code.into());
        }
        match auth {
            Err(()) => (401, "invalid_credentials".into()),
            Ok(_) if model.status == 200 => (200, model.handler.unwrap_or_default().to_string()),
            Ok(_) => (model.status, model.code.into()),
        }
    }

    /// A handler's answer, the JSON `error` code of a denial, or the resolver's rejection text.
    fn answer(status: u16, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        if status == 200 {
            return text.into_owned();
        }
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| text.into_owned())
    }

    const METHODS: &[&str] = &[
        "GET",
        "GET",
        "PUT",
        "POST",
        "DELETE",
        "HEAD",
        "OPTIONS",
        "PATCH",
        "get",
        "Get",
        "FOO",
        "PROPFIND",
        "CONNECT",
        "TRACE",
        "M-SEARCH",
        "GET_",
        "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ];

    /// `Authorization` values: valid ones, near misses, garbage, huge and non-ASCII.
    fn authorization() -> impl Strategy<Value = Vec<Vec<u8>>> {
        let one = prop_oneof![
            4 => prop::sample::select(&[
                "session 1", "session 2", "session 3", "super 5", "token 1 org:admin,event:read",
                "token 2 org:read", "token 2 event:read,project:admin", "org 1 event:read,org:read",
                "org 2 org:admin", "org 1 org:ci",
            ][..]).prop_map(|s| s.as_bytes().to_vec()),
            2 => prop::sample::select(&[
                "", " ", "session", "session one", "session 1 x y", "Session 1", "session  1", "session 1 ",
                "bearer x", "Basic dXNlcjpwdw==", "org -1 org:read", "token 18446744073709551616 org:read",
                "super\t5", "org 1 org:read\u{0}",
            ][..]).prop_map(|s| s.as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 0..64),
            1 => (1..65_536usize).prop_map(|n| format!("token 1 {}", "org:read,".repeat(n / 9 + 1)).into_bytes()),
            1 => "\\PC{0,32}".prop_map(String::into_bytes),
        ];
        prop::collection::vec(one, 0..3)
    }

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3_000, failure_persistence: None, ..ProptestConfig::default() })]

        /// In-process requests through the layer: answers match the model exactly, and no handler
        /// runs unless the model allows the request.
        #[test]
        fn the_layer_answers_as_the_model_decides(
            method in prop::sample::select(METHODS),
            path in path(),
            query in prop::option::weighted(0.1, "[a-z=&%]{0,12}"),
            auth in authorization(),
        ) {
            let uri = match &query { Some(q) => format!("{path}?{q}"), None => path.clone() };
            let mut request = Request::builder().method(method).uri(uri.as_str());
            for value in &auth {
                match HeaderValue::from_bytes(value) {
                    Ok(v) => request = request.header(header::AUTHORIZATION, v),
                    Err(_) => return Ok(()),
                }
            }
            // What `http` cannot represent never reaches a service; the raw-socket test covers it.
            let Ok(request) = request.body(Body::empty()) else { return Ok(()) };
            let seen_path = request.uri().path().to_string();
            let who = match auth.as_slice() {
                [] => Ok(Who::Anonymous),
                [one] => parse_who(HeaderValue::from_bytes(one).ok().as_ref()),
                _ => Err(()),
            };
            let (status, body) = runtime().block_on(async {
                let response = app().oneshot(request).await.expect("infallible");
                let status = response.status().as_u16();
                let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
                (status, body)
            });
            prop_assert!(status < 500, "{} {:?}: {}", method, uri, status);
            let want = expected(method, &seen_path, who);
            if method == "HEAD" {
                // axum answers HEAD without a body.
                prop_assert_eq!(status, want.0, "{} {:?} {:?}", method, uri, auth);
            } else {
                prop_assert_eq!((status, answer(status, &body)), want, "{} {:?} {:?}", method, uri, auth);
            }
        }
    }

    /// Sends raw bytes and reads one HTTP/1.1 response (the server closes the connection after
    /// it, as asked): its status and body, or `None` when nothing came within 3 s. Blocking; the
    /// server runs on the runtime's workers.
    fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> Option<(u16, Vec<u8>)> {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(3))).expect("timeout");
        // The server may answer and close before reading everything (e.g. 431): ignore write errors.
        let _ = stream.write_all(raw);
        let mut buf = Vec::new();
        // An incomplete request (e.g. only blank lines) is waited on, not answered: no status. A
        // reset after the answer was sent still leaves the answer in `buf`.
        let _ = stream.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        let status: u16 = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
        let body =
            buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| buf[i + 4..].to_vec()).unwrap_or_default();
        Some((status, body))
    }

    fn request(method: &[u8], target: &[u8], headers: &[&[u8]]) -> Vec<u8> {
        let mut raw = Vec::new();
        raw.extend_from_slice(method);
        raw.push(b' ');
        raw.extend_from_slice(target);
        raw.extend_from_slice(b" HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
        for h in headers {
            raw.extend_from_slice(h);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"\r\n");
        raw
    }

    /// Raw bytes on a real socket: hyper rejects what HTTP forbids (4xx, never a handler), and
    /// what it accepts is decided as the model decides. The server is still up afterwards.
    #[test]
    fn raw_requests_never_reach_a_handler_the_model_refuses() {
        runtime().block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let server = tokio::spawn(async move { axum::serve(listener, app()).await });

            let long_path = format!("/organizations/{}/", "a".repeat(200_000));
            let huge_auth = format!("authorization: token 1 {}", "org:read,".repeat(20_000));
            let mut cases: Vec<Vec<u8>> = vec![
                request(b"GET", b"/organizations/acme/", &[b"authorization: session 1"]),
                request(b"GET", b"/organizations/acme/\xff\xfe/", &[b"authorization: session 1"]),
                request(b"GET", b"/organizations/\xc3\x28/", &[b"authorization: session 1"]),
                request(b"GET", b"/organizations/acme/replays/\x80", &[b"authorization: super 5"]),
                request(b"GET", b"/organizations/acme/replays/", &[b"authorization: session \xff"]),
                request(b"GET", b"/organizations/acme/", &[b"authorization: session 1\xe2\x80\x8b"]),
                request(
                    b"GET",
                    b"/organizations/acme/",
                    &[b"authorization: session 1", b"authorization: session 2"],
                ),
                request(b"GET", b"/organizations/acme/", &[huge_auth.as_bytes()]),
                request(b"GET", long_path.as_bytes(), &[b"authorization: session 1"]),
                request(b"GET", b"/../organizations/acme/", &[b"authorization: session 1"]),
                request(b"GET", b"/organizations/acme/../globex/", &[b"authorization: session 1"]),
                request(b"GET", b"/organizations/%61cme/", &[b"authorization: session 1"]),
                request(b"GET", b"http://localhost/organizations/acme/", &[b"authorization: session 1"]),
                request(b"GET", b"*", &[]),
                request(b"GET", b"", &[]),
                request(b"GET", b"organizations/acme/", &[]),
                request(b"FOO", b"/organizations/acme/", &[b"authorization: super 5"]),
                request(b"get", b"/organizations/acme/", &[b"authorization: super 5"]),
                request(b"CONNECT", b"localhost:80", &[]),
                request(b"G\x00T", b"/", &[]),
                request(&[b'X'; 70_000], b"/", &[]),
                request(b"GET", b"/ HTTP/1.1", &[]),
                request(b"GET", b"/organizations/acme/", &[b"authorization session 1"]),
                request(b"GET", b"/organizations/acme/", &[b"\x00: x"]),
                // Blank lines before the request line are allowed (and skipped).
                [
                    b"\r\n\r\n".as_slice(),
                    &request(b"GET", b"/organizations/acme/", &[b"authorization: session 1"]),
                ]
                .concat(),
                b"GET /\n\n".to_vec(),
                b"GET / HTTP/9.9\r\n\r\n".to_vec(),
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
            ];
            // Random request targets from hostile bytes.
            let mut state = 0x5EED_u64;
            let mut next = move || {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (state >> 33) as usize
            };
            for _ in 0..300 {
                let mut target = b"/organizations/acme/".to_vec();
                for _ in 0..next() % 12 {
                    target.push(match next() % 5 {
                        0 => b'/',
                        1 => b'%',
                        2 => (next() % 256) as u8,
                        _ => b"acmereplays.{}"[next() % 14],
                    });
                }
                let who = [
                    &b"authorization: session 1"[..],
                    b"authorization: session 2",
                    b"authorization: super 5",
                ][next() % 3];
                cases.push(request([&b"GET"[..], b"PUT", b"DELETE", b"HEAD"][next() % 4], &target, &[who]));
            }

            let mut answered = 0;
            for raw in &cases {
                let Some((status, body)) = exchange(addr, raw) else { continue };
                answered += 1;
                let shown = String::from_utf8_lossy(&raw[..raw.len().min(120)]).into_owned();
                assert!(status < 500, "{status} for {shown:?}");
                // What `http` accepts is what the service saw: it must agree with the model.
                let start = raw.iter().position(|b| *b != b'\r' && *b != b'\n').unwrap_or(0);
                let line_end = raw[start..].iter().position(|b| *b == b'\r').map_or(raw.len(), |i| start + i);
                let mut parts = raw[start..line_end].splitn(3, |b| *b == b' ');
                let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
                let parsed = std::str::from_utf8(method)
                    .ok()
                    .zip(axum::http::Uri::try_from(target).ok())
                    .filter(|(m, u)| {
                        axum::http::Method::from_bytes(m.as_bytes()).is_ok() && u.path().starts_with('/')
                    });
                match parsed {
                    Some((method, uri)) if status != 400 && status != 414 && status != 431 => {
                        let auths: Vec<&[u8]> = raw
                            .split(|b| *b == b'\n')
                            .filter_map(|l| l.strip_prefix(b"authorization: "))
                            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                            .collect();
                        let who = match auths.as_slice() {
                            [] => Ok(Who::Anonymous),
                            [one] => parse_who(HeaderValue::from_bytes(one).ok().as_ref()),
                            _ => Err(()),
                        };
                        let want = expected(method, uri.path(), who);
                        if method == "HEAD" {
                            assert_eq!(status, want.0, "{shown:?}");
                        } else {
                            assert_eq!((status, answer(status, &body)), want, "{shown:?}");
                        }
                    }
                    // Refused by the HTTP layer: a client error, never a handler.
                    _ => assert!((400..500).contains(&status), "{status} for {shown:?}"),
                }
            }
            assert!(answered * 10 >= cases.len() * 9, "{answered} of {} answered", cases.len());
            // Still serving.
            let ok =
                exchange(addr, &request(b"GET", b"/organizations/acme/", &[b"authorization: session 1"]));
            assert_eq!(
                ok.map(|(s, b)| (s, String::from_utf8_lossy(&b).into_owned())),
                Some((200, "robustness::org_details".into()))
            );
            server.abort();
        });
    }
}
