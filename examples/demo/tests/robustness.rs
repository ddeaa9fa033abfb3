//! Robustness of the demo service against what comes from outside, over a real socket: request
//! lines (hostile paths, non-UTF-8 bytes, extension methods), `Authorization` headers (garbage,
//! huge, non-ASCII, repeated) and organization settings bodies (`PUT /organizations/{org}/`).
//!
//! The service never answers 5xx; every request the reference model (`scopegate::testing::
//! reference`, fed with the seeded facts) refuses is refused with the model's status and code, and
//! no request it refuses reaches a handler. A settings change is applied whole or not at all.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use scopegate::testing::reference::{self, Caller, Case, Member, Organization};
use scopegate::{Method, Registry};
use scopegate_demo::model::{IdOrSlug, Role};
use scopegate_demo::store::{DataStore, SqliteStore};
use scopegate_demo::{AppState, admin, roles, service};
use serde_json::{Value, json};

/// The demo's endpoints register themselves through `inventory`; referencing `app` keeps them
/// linked into this test binary.
fn registry() -> &'static Registry {
    let _ = std::hint::black_box(scopegate_demo::routes as fn() -> _);
    Registry::global()
}

/// A small deterministic generator (SplitMix64), so failures name a reproducible seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: sends exactly the bytes given, one connection per request.

/// Sends one request and reads the response: status and body (`None` when the server answered
/// nothing within 10 s, or not HTTP).
fn exchange(addr: SocketAddr, raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer and close before reading everything (e.g. 431): ignore write errors.
    let _ = stream.write_all(raw);
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status = head.strip_prefix("http/1.1 ")?.get(..3)?.parse().ok()?;
    let mut body = buf[head_end + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = unchunk(&body);
    }
    Some((status, body))
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

fn request(method: &[u8], target: &[u8], headers: &[Vec<u8>], body: Option<(&[u8], &[u8])>) -> Vec<u8> {
    let mut raw = Vec::new();
    raw.extend_from_slice(method);
    raw.push(b' ');
    raw.extend_from_slice(target);
    raw.extend_from_slice(b" HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
    for h in headers {
        raw.extend_from_slice(h);
        raw.extend_from_slice(b"\r\n");
    }
    if let Some((content_type, body)) = body {
        if !content_type.is_empty() {
            raw.extend_from_slice(b"content-type: ");
            raw.extend_from_slice(content_type);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(body);
    } else {
        raw.extend_from_slice(b"\r\n");
    }
    raw
}

fn authorization(value: &[u8]) -> Vec<u8> {
    [b"authorization: ".as_slice(), value].concat()
}

// ---------------------------------------------------------------------------------------------
// The service under test, its credentials, and the facts the model decides on.

/// A credential, with what the model needs to know about it.
#[derive(Clone, Debug)]
enum Credential {
    None,
    Session {
        user: u64,
        superuser: bool,
    },
    UserToken {
        user: u64,
        org: u64,
        scopes: &'static str,
    },
    OrgToken {
        org: u64,
        scopes: &'static str,
    },
    /// Malformed, unknown, or sent twice: 401 `invalid_credentials` on any registered route.
    Invalid,
}

struct Demo {
    addr: SocketAddr,
    store: Arc<SqliteStore>,
    runtime: tokio::runtime::Runtime,
    /// Each credential with the `Authorization` header lines that present it.
    credentials: Vec<(Credential, Vec<Vec<u8>>)>,
}

const USERS: [(&str, u64); 5] = [("owner", 1), ("admin", 2), ("member", 3), ("gina", 4), ("staff", 5)];

impl Demo {
    fn start() -> Demo {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let state = AppState::with_registry(store.clone(), registry());
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, service(state)).await });
        let mut demo = Demo { addr, store, runtime, credentials: Vec::new() };
        demo.issue_credentials();
        demo
    }

    fn issue_credentials(&mut self) {
        let r = registry();
        let s = &*self.store;
        let mut creds: Vec<(Credential, Vec<Vec<u8>>)> = vec![(Credential::None, vec![])];
        for (name, user) in USERS {
            let secret = admin::create_session(s, name, false).unwrap();
            creds.push((
                Credential::Session { user, superuser: false },
                vec![authorization(format!("Session {}", secret.as_str()).as_bytes())],
            ));
        }
        let staff = admin::create_session(s, "staff", true).unwrap();
        let staff_line = format!("Session {}", staff.as_str());
        creds.push((
            Credential::Session { user: 5, superuser: true },
            vec![authorization(staff_line.as_bytes())],
        ));
        for (org, name, user, scopes) in [
            ("acme", "member", 3, "org:read,event:read"),
            ("acme", "owner", 1, "org:admin,event:admin,project:admin,member:admin"),
            ("acme", "owner", 1, "org:read,project:read"),
            ("globex", "gina", 4, "org:read,event:read"),
        ] {
            let secret = admin::create_user_token(s, r, org, name, scopes).unwrap();
            let org_id = if org == "acme" { 1 } else { 2 };
            let line = format!("Bearer {}", secret.as_str());
            creds.push((
                Credential::UserToken { user, org: org_id, scopes },
                vec![authorization(line.as_bytes())],
            ));
            // Scheme names are case-insensitive and surrounding blanks are trimmed.
            let relaxed = format!("bearer   {} ", secret.as_str());
            creds.push((
                Credential::UserToken { user, org: org_id, scopes },
                vec![authorization(relaxed.as_bytes())],
            ));
            // The same secret with anything appended, or under the session scheme, is refused.
            creds.push((Credential::Invalid, vec![authorization(format!("{line}x").as_bytes())]));
            creds.push((
                Credential::Invalid,
                vec![authorization(format!("Session {}", secret.as_str()).as_bytes())],
            ));
        }
        for (org, scopes) in [
            ("acme", "org:ci"),
            ("acme", "event:read,project:read,org:read"),
            ("globex", "org:admin,event:read"),
        ] {
            let secret = admin::create_org_token(s, r, org, scopes).unwrap();
            let org_id = if org == "acme" { 1 } else { 2 };
            creds.push((
                Credential::OrgToken { org: org_id, scopes },
                vec![authorization(format!("Bearer {}", secret.as_str()).as_bytes())],
            ));
        }
        let invalid: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b" ".to_vec(),
            b"Bearer".to_vec(),
            b"Bearer ".to_vec(),
            b"Bearer sgu_0000".to_vec(),
            b"Bearer sgo_".to_vec(),
            b"Session sgs_x".to_vec(),
            b"Basic dXNlcjpwdw==".to_vec(),
            b"Bearer sgu_\xff\xfe".to_vec(),
            "Bearer sgu_ünïcode".as_bytes().to_vec(),
            b"Bearer\tsgu_00".to_vec(),
            format!("Bearer sgu_{}", "0".repeat(60_000)).into_bytes(),
            format!("Bearer {}", "A".repeat(8_000)).into_bytes(),
            staff_line.replace("Session", "Bearer").into_bytes(),
        ];
        for value in invalid {
            creds.push((Credential::Invalid, vec![authorization(&value)]));
        }
        // Two Authorization headers, even two valid ones, are refused.
        creds.push((
            Credential::Invalid,
            vec![authorization(staff_line.as_bytes()), authorization(staff_line.as_bytes())],
        ));
        self.credentials = creds;
    }

    /// Starts over on a fresh database (after a request changed the data the model assumes).
    fn reset(&mut self) {
        let fresh = Demo::start();
        let old = std::mem::replace(self, fresh);
        old.runtime.shutdown_background();
    }
}

/// The organization a `{organization_id_or_slug}` value names in the seeded data, resolved as the
/// demo documents it: percent-decoded, digits are an id, anything else a slug.
fn organization_named(raw: &str) -> Option<u64> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
    match IdOrSlug::parse(&decoded) {
        IdOrSlug::Id(1) => Some(1),
        IdOrSlug::Id(2) => Some(2),
        IdOrSlug::Slug(s) if s == "acme" => Some(1),
        IdOrSlug::Slug(s) if s == "globex" => Some(2),
        _ => None,
    }
}

/// The seeded memberships: role and teams of a user in an organization.
fn seeded_member(user: u64, org: u64) -> Option<(Role, Vec<u64>)> {
    match (user, org) {
        (1, 1) => Some((Role::Owner, vec![])),
        (2, 1) => Some((Role::Admin, vec![2])),
        (3, 1) => Some((Role::Member, vec![1])),
        (4, 2) => Some((Role::Owner, vec![3])),
        _ => None,
    }
}

fn names(scopes: &str) -> HashSet<String> {
    scopes.split(',').map(str::to_string).collect()
}

/// The reference model's decision for `method path` by `credential`, on the seeded data (replays
/// on in both organizations, granular access off).
fn model(method: Method, path: &str, credential: &Credential) -> reference::Outcome {
    let r = registry();
    // Declarations are served under the base path and do not repeat it.
    let path = match path.strip_prefix(scopegate_demo::BASE_PATH) {
        Some(declared) if declared.starts_with('/') => declared,
        _ => "",
    };
    let target = r
        .route(method, path)
        .and_then(|route| route.param("organization_id_or_slug"))
        .and_then(organization_named);
    let (caller, member_user) = match credential {
        Credential::None | Credential::Invalid => (Caller::Anonymous, None),
        Credential::Session { user, superuser } => {
            (Caller::User { id: *user, token: None, active_superuser: *superuser }, Some(*user))
        }
        Credential::UserToken { user, org, scopes } => (
            Caller::User { id: *user, token: Some(names(scopes)), active_superuser: false },
            // A user token carries a membership only in its own organization.
            Some(*user).filter(|_| target == Some(*org)),
        ),
        Credential::OrgToken { org, scopes } => {
            (Caller::OrgToken { organization: *org, scopes: names(scopes) }, None)
        }
    };
    let member = member_user.zip(target).and_then(|(user, org)| {
        seeded_member(user, org).map(|(role, teams)| Member {
            organization: org,
            role: roles::scopes(role).iter().map(|s| s.to_string()).collect(),
            teams: teams.into_iter().collect(),
        })
    });
    let organization = target.map(|id| Organization {
        id,
        features: HashSet::from(["organizations:session-replay".to_string()]),
        granular: HashSet::new(),
        users: HashMap::new(),
        teams: HashMap::new(),
    });
    let case = Case { method, path: path.to_string(), caller, member, organization };
    reference::decide(r.config(), r.endpoints(), &case)
}

/// The reason codes of scopegate's denials; a handler never answers with one of these.
const DENIAL_CODES: &[&str] = &[
    "endpoint_not_found",
    "method_not_allowed",
    "no_credentials",
    "missing_scope",
    "wrong_organization",
    "feature_disabled",
    "not_a_member",
    "empty_allowlist",
    "not_on_allowlist",
];

fn error_code(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Value>(body).ok()?.get("error")?.as_str().map(str::to_string)
}

/// Checks one answer against the model; `Err` explains the disagreement.
fn judge(method: &str, path: &str, credential: &Credential, status: u16, body: &[u8]) -> Result<(), String> {
    if status >= 500 {
        return Err(format!("{status}: {}", String::from_utf8_lossy(body)));
    }
    let code = error_code(body);
    let Some(method) = Method::parse(method) else {
        // Other methods never reach a handler: 405 on a declared path, 404 elsewhere.
        let declared = model(Method::Get, path, &Credential::None).code != "endpoint_not_found";
        let (want, want_code) =
            if declared { (405, "method_not_allowed") } else { (404, "endpoint_not_found") };
        return if status == want && (code.as_deref() == Some(want_code) || body.is_empty()) {
            Ok(())
        } else {
            Err(format!("unknown method answered {status} {code:?}, want {want} {want_code}"))
        };
    };
    let expected = model(method, path, credential);
    let head = method == Method::Head; // answered without a body
    match credential {
        // Routing answers before credentials are read.
        Credential::Invalid
            if expected.code != "endpoint_not_found" && expected.code != "method_not_allowed" =>
        {
            if status == 401 && (head || code.as_deref() == Some("invalid_credentials")) {
                return Ok(());
            }
            return Err(format!("invalid credentials answered {status} {code:?}"));
        }
        _ => {}
    }
    if expected.status != 200 {
        return if status == expected.status && (head || code.as_deref() == Some(expected.code)) {
            Ok(())
        } else {
            Err(format!("model: {} {}; service: {status} {code:?}", expected.status, expected.code))
        };
    }
    // Allowed: the handler answers, never with one of scopegate's denial codes.
    match code {
        Some(code) if DENIAL_CODES.contains(&code.as_str()) => {
            Err(format!("model allows ({:?}); service denied {status} {code}", expected.handler))
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// Values for each kind of path parameter: seeded objects, other organizations' objects, and junk.
fn param(rng: &mut Rng, name: &str) -> String {
    const HOSTILE: &[&str] = &[
        "",
        "..",
        ".",
        "%2e%2e",
        "%2F",
        "a%2Fb",
        "%",
        "%zz",
        "%ff",
        "%00",
        "🙂",
        "\u{202E}x",
        "ａｃｍｅ",
        " ",
        "*",
        "{x}",
        "-1",
        "0",
        "99999999999999999999999",
        "9223372036854775807",
        "me",
        "null",
        "a;b",
    ];
    let known: &[&str] = match name {
        "organization_id_or_slug" => {
            &["acme", "acme", "acme", "1", "globex", "2", "01", "%61cme", "ACME", "initech", "3"]
        }
        "project_id_or_slug" => &["web", "web", "api", "1", "2", "shop", "3"],
        "replay_id" => &[
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90",
            "99887766554433221100aabbccddeeff",
            "c0ffeec0ffeec0ffeec0ffeec0ffee00",
            "00000000000000000000000000000000",
            "not-a-replay",
        ],
        "member_id" => &["me", "1", "2", "3", "4"],
        "team_id_or_slug" => &["frontend", "backend", "1", "2", "platform", "3"],
        _ => &["1", "2", "3"],
    };
    if rng.chance(85) { rng.pick(known).to_string() } else { rng.pick(HOSTILE).to_string() }
}

fn random_target(rng: &mut Rng) -> (Method, String) {
    let r = registry();
    let endpoint = r.endpoints()[rng.below(r.len())];
    // Served under the base path, which declarations do not repeat.
    let mut path = String::from(scopegate_demo::BASE_PATH);
    for (i, seg) in endpoint.path().split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => path.push_str(&param(rng, name)),
            None => path.push_str(seg),
        }
    }
    match rng.below(12) {
        0 => path = path.replacen("/api/0", "/api/1", 1),
        1 => path = path.trim_end_matches('/').to_string(),
        2 => path.push_str(["x/", "/", "../", "%2F"][rng.below(4)]),
        3 => path = path.replacen('/', "//", 1 + rng.below(3)),
        _ => {}
    }
    let method = if rng.chance(80) { endpoint.method() } else { Method::ALL[rng.below(7)] };
    (method, path)
}

/// Random requests of every credential to the demo's routes (and near misses): the service agrees
/// with the model on every denial, answers allowed requests from the handlers, and never 5xx.
#[test]
fn requests_are_decided_as_the_model_decides() {
    let mut demo = Demo::start();
    let mut rng = Rng(0x0D30_5EED);
    let mut allowed = 0;
    let mut denied = 0;
    for i in 0..2_000 {
        let (method, path) = random_target(&mut rng);
        let method_text: String = match rng.below(25) {
            0 => ["get", "FOO", "PROPFIND", "Get", "TRACE"][rng.below(5)].to_string(),
            _ => method.as_str().to_string(),
        };
        let query = if rng.chance(10) {
            ["?project=web", "?project=", "?project=%ff", "?x=1&x=2", "?"][rng.below(5)]
        } else {
            ""
        };
        // Three in four requests carry a valid credential (or none); a third of those the
        // owner's or an active superuser's, who are allowed most.
        let want_valid = rng.chance(75);
        let powerful = want_valid && rng.chance(33);
        let valid: Vec<usize> = (0..demo.credentials.len())
            .filter(|&c| match &demo.credentials[c].0 {
                Credential::Invalid => !want_valid,
                Credential::Session { user: 1, .. } | Credential::Session { superuser: true, .. } => {
                    want_valid
                }
                _ => want_valid && !powerful,
            })
            .collect();
        let (credential, headers) = demo.credentials[rng.pick(&valid)].clone();
        let raw = request(method_text.as_bytes(), format!("{path}{query}").as_bytes(), &headers, None);
        let Some((status, body)) = exchange(demo.addr, &raw) else {
            panic!("#{i}: no answer to {method_text} {path}{query}");
        };
        if axum::http::Uri::try_from(format!("{path}{query}")).is_err() {
            // Not a request target HTTP allows (spaces, raw Unicode): the server refuses it.
            assert!((400..500).contains(&status), "#{i}: {status} for {path:?}");
            continue;
        }
        if let Err(why) = judge(&method_text, &path, &credential, status, &body) {
            panic!("#{i}: {method_text} {path}{query} as {credential:?}: {why}");
        }
        let granted = Method::parse(&method_text).is_some_and(|m| {
            model(m, &path, &credential).status == 200 && !matches!(credential, Credential::Invalid)
        });
        if granted {
            allowed += 1
        } else {
            denied += 1
        }
        // A change the model does not know about: start again from the seeded data.
        if status < 300 && method != Method::Get {
            demo.reset();
        }
    }
    // Not vacuous: both kinds of answer are common.
    assert!(allowed > 250 && denied > 400, "{allowed} allowed, {denied} denied");
}

/// Bytes HTTP forbids are refused by the server (4xx, never a handler, never 5xx); the service
/// stays up.
#[test]
fn malformed_request_lines_and_headers_are_refused() {
    let demo = Demo::start();
    let staff = demo
        .credentials
        .iter()
        .find(|(c, _)| matches!(c, Credential::Session { superuser: true, .. }))
        .unwrap()
        .1
        .clone();
    let cases: Vec<Vec<u8>> = vec![
        request(b"GET", b"/api/0/organizations/acme/\xff/", &staff, None),
        request(b"GET", b"/api/0/organizations/\xc3\x28/", &staff, None),
        request(b"GET", b"/api/0/organizations/acme/replays/\x80", &staff, None),
        request(b"DELETE", b"/api/0/organizations/acme/members/\xfe\xff/", &staff, None),
        request(b"GET", format!("/api/0/organizations/{}/", "a".repeat(300_000)).as_bytes(), &staff, None),
        request(b"GET", b"/api/0/organizations/acme/", &[authorization(&[b'x'; 500_000])], None),
        request(b"GET", b"/api/0/organizations/acme/", &[b"authorization: Session \x00".to_vec()], None),
        request(b"GET", b"/api/0/organizations/acme/", &[b"auth\xffrization: x".to_vec()], None),
        request(b"G\x00T", b"/api/0/", &[], None),
        request(&[b'X'; 100_000], b"/api/0/", &[], None),
        request(b"GET", b"", &[], None),
        b"GET /api/0/\n\n".to_vec(),
        b"GET /api/0/ HTTP/2.0\r\n\r\n".to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
        b"PUT /api/0/organizations/1/ HTTP/1.1\r\ncontent-length: -1\r\n\r\n".to_vec(),
        b"PUT /api/0/organizations/1/ HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n{}".to_vec(),
        b"PUT /api/0/organizations/1/ HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n".to_vec(),
    ];
    for raw in &cases {
        let shown = String::from_utf8_lossy(&raw[..raw.len().min(100)]).into_owned();
        let Some((status, _)) = exchange(demo.addr, raw) else { panic!("no answer to {shown:?}") };
        assert!((400..500).contains(&status), "{status} for {shown:?}");
    }
    let staff_ok = request(b"GET", b"/api/0/organizations/acme/", &staff, None);
    assert_eq!(exchange(demo.addr, &staff_ok).map(|(s, _)| s), Some(200), "still serving");
}

// ---------------------------------------------------------------------------------------------
// Organization settings bodies.

/// The organization's stored settings, as the test compares them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Settings {
    name: String,
    slug: String,
    open_membership: bool,
    granular: bool,
    members: Vec<i64>,
    teams: Vec<i64>,
}

fn stored(store: &SqliteStore) -> Settings {
    let org = store.organization(&IdOrSlug::Id(1)).unwrap().unwrap();
    let settings = store.organization_settings(1).unwrap();
    Settings {
        name: org.name,
        slug: org.slug,
        open_membership: org.open_membership,
        granular: settings.granular_replay,
        members: settings.replay_access_members,
        teams: settings.replay_access_teams,
    }
}

/// The body of `PUT /organizations/{org}/` as the API documents it: every field optional
/// (`null` counts as absent), no other field, no field twice.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SettingsInput {
    name: Option<String>,
    slug: Option<String>,
    open_membership: Option<bool>,
    has_granular_replay_permissions: Option<bool>,
    replay_access_members: Option<Vec<i64>>,
    replay_access_teams: Option<Vec<i64>>,
}

/// What a body should do to `before`: `Some(after)` when the service must accept it, `None` when
/// it must refuse it (and change nothing). The rules of `PUT /organizations/{org}/`, restated:
/// a JSON content type; names of 1 to 64 characters once trimmed, without control characters; slugs of 1 to 50 of `a-z 0-9 -`,
/// not all digits, not starting with `-`, not another organization's; allowlists of members
/// (users 1, 2, 3) and teams (1, 2) of the organization.
fn apply(before: &Settings, body: &[u8], content_type: &[u8]) -> Option<Settings> {
    let json_type = content_type
        .split(|b| *b == b';')
        .next()
        .is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(b"application/json"));
    if !json_type {
        return None;
    }
    let input: SettingsInput = serde_json::from_slice(body).ok()?;
    let mut after = before.clone();
    if let Some(name) = input.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return None;
        }
        after.name = name.to_string();
    }
    if let Some(slug) = input.slug {
        let valid = (1..=50).contains(&slug.len())
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.bytes().all(|b| b.is_ascii_digit())
            && !slug.starts_with('-');
        if !valid || slug == "globex" {
            return None;
        }
        after.slug = slug;
    }
    if let Some(open) = input.open_membership {
        after.open_membership = open;
    }
    if let Some(granular) = input.has_granular_replay_permissions {
        after.granular = granular;
    }
    for (ids, allowed, slot) in [
        (input.replay_access_members, &[1, 2, 3][..], &mut after.members),
        (input.replay_access_teams, &[1, 2][..], &mut after.teams),
    ] {
        if let Some(mut ids) = ids {
            if !ids.iter().all(|id| allowed.contains(id)) {
                return None;
            }
            ids.sort_unstable();
            ids.dedup();
            *slot = ids;
        }
    }
    Some(after)
}

fn random_body(rng: &mut Rng) -> Vec<u8> {
    if rng.chance(15) {
        let raw: &[&[u8]] = &[
            b"",
            b"null",
            b"[]",
            b"1",
            b"\"x\"",
            b"{",
            b"{\"name\":",
            b"{\"name\": \"x\"",
            b"{\"name\": \"\xff\"}",
            b"{\"name\": \"x\"}garbage",
            b"{'name': 'x'}",
            b"{\"name\": \"a\", \"name\": \"b\"}",
            b"\xef\xbb\xbf{}",
            b"{\"replayAccessMembers\": [1e400]}",
            b"{\"replayAccessMembers\": [1.0]}",
            b"{\"replayAccessMembers\": [18446744073709551616]}",
        ];
        let mut body = rng.pick(raw).to_vec();
        if rng.chance(10) {
            body = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
        }
        return body;
    }
    let mut fields = serde_json::Map::new();
    let id_list = |rng: &mut Rng, good: &[i64]| -> Value {
        let n = if rng.chance(3) { 20_000 } else { rng.below(4) };
        let pool = [good, &[0, -1, 4, 5, 99, i64::MAX, i64::MIN]].concat();
        Value::from(
            (0..n)
                .map(|_| if rng.chance(85) { rng.pick(good) } else { rng.pick(&pool) })
                .collect::<Vec<i64>>(),
        )
    };
    let wrong = |rng: &mut Rng| -> Value {
        [json!("true"), json!(1), json!(1.5), json!([]), json!({}), json!([1, "2"]), json!(null), json!(-0.0)]
            [rng.below(8)]
        .clone()
    };
    for key in [
        "name",
        "slug",
        "openMembership",
        "hasGranularReplayPermissions",
        "replayAccessMembers",
        "replayAccessTeams",
    ] {
        if !rng.chance(40) {
            continue;
        }
        let value = if rng.chance(12) {
            wrong(rng)
        } else {
            match key {
                "name" => json!(
                    [
                        "Acme Corp",
                        "  Acme  ",
                        "",
                        "   ",
                        "é".repeat(64).as_str(),
                        "é".repeat(65).as_str(),
                        "\u{0}",
                        "🙂 Acme",
                        "x".repeat(100_000).as_str()
                    ][rng.below(9)]
                ),
                "slug" => json!(
                    [
                        "acme",
                        "acme-2",
                        "globex",
                        "123",
                        "-a",
                        "Acme",
                        "a b",
                        "ab/c",
                        "",
                        "z".repeat(51).as_str(),
                        "acme"
                    ][rng.below(11)]
                ),
                "openMembership" | "hasGranularReplayPermissions" => json!(rng.chance(50)),
                "replayAccessMembers" => id_list(rng, &[1, 2, 3]),
                _ => id_list(rng, &[1, 2]),
            }
        };
        fields.insert(key.to_string(), value);
    }
    if rng.chance(5) {
        fields.insert(["colour", "id", "Name", "features"][rng.below(4)].to_string(), json!("x"));
    }
    serde_json::to_vec(&Value::Object(fields)).unwrap()
}

/// Organization settings bodies of every shape: accepted exactly when valid, applied whole, and a
/// refused body (or a caller without `org:write`) changes nothing.
#[test]
fn settings_bodies_are_applied_whole_or_not_at_all() {
    let demo = Demo::start();
    let mut rng = Rng(0x5E77_1265);
    let writers: Vec<Vec<Vec<u8>>> = demo
        .credentials
        .iter()
        .filter(|(c, _)| {
            matches!(c, Credential::Session { user: 1, .. } | Credential::Session { superuser: true, .. })
        })
        .map(|(_, h)| h.clone())
        .collect();
    let readers: Vec<(Credential, Vec<Vec<u8>>)> = demo
        .credentials
        .iter()
        .filter(|(c, _)| {
            matches!(
                c,
                Credential::Session { user: 2 | 3, .. }
                    | Credential::UserToken { scopes: "org:read,project:read", .. }
            )
        })
        .cloned()
        .collect();
    let (mut applied, mut refused) = (0, 0);
    for i in 0..900 {
        let body = random_body(&mut rng);
        let content_type: &[u8] = rng.pick(&[
            b"application/json".as_slice(),
            b"application/json",
            b"application/json",
            b"application/json; charset=utf-8",
            b"text/plain",
            b"",
            b"APPLICATION/JSON",
            b"application/json\xff",
        ]);
        let before = stored(&demo.store);
        let (headers, may_write) = if rng.chance(85) {
            (rng.pick(&writers.iter().collect::<Vec<_>>()).clone(), true)
        } else {
            let (_, h) = &readers[rng.below(readers.len())];
            (h.clone(), false)
        };
        let raw = request(b"PUT", b"/api/0/organizations/1/", &headers, Some((content_type, &body)));
        let (status, answer) = exchange(demo.addr, &raw).unwrap_or_else(|| panic!("#{i}: no answer"));
        let after = stored(&demo.store);
        let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        assert!(status < 500, "#{i}: {status} for {shown}");
        let expected = if may_write { apply(&before, &body, content_type) } else { None };
        match expected {
            Some(want) => {
                assert_eq!(
                    status,
                    200,
                    "#{i}: {shown} ({}): {}",
                    String::from_utf8_lossy(content_type),
                    String::from_utf8_lossy(&answer)
                );
                assert_eq!(after, want, "#{i}: {shown}");
                applied += 1;
            }
            None => {
                assert_ne!(status, 200, "#{i}: accepted {shown} ({})", String::from_utf8_lossy(content_type));
                assert_eq!(after, before, "#{i}: a refused body changed the settings: {shown}");
                if !may_write {
                    assert_eq!(error_code(&answer).as_deref(), Some("missing_scope"), "#{i}");
                }
                refused += 1;
            }
        }
    }
    assert!(applied > 150 && refused > 150, "{applied} applied, {refused} refused");
}
