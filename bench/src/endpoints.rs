//! The endpoint sets the benchmarks register: a realistic Sentry-like API, and generated registries
//! of any size.
//!
//! Records are built with `Endpoint::__new` (what `#[scopegate::endpoint]` expands to), so the
//! benchmarks control exactly which endpoints a registry holds; generated records are leaked, as the
//! registry needs `&'static Endpoint`s.

use scopegate::{Access, Config, Endpoint, Method, MethodScopes, PermissionClass, Publish, Registry, Source};

const fn ms(
    method: Method,
    scopes: &'static [&'static str],
    readonly: &'static [&'static str],
    exception: Option<&'static str>,
) -> MethodScopes {
    // No planned policy: the run-time classes of these scenarios measure the decision as before
    // (the cost of a plan is the `shadow` bench's).
    MethodScopes::__new(method, scopegate::Requirement::any(scopes), readonly, exception, None, None)
}

const ORG_R: &[&str] = &["org:read", "org:write", "org:admin"];
const ORG_W: &[&str] = &["org:write", "org:admin"];
const ORG_A: &[&str] = &["org:admin"];
const RO_ORG: &[&str] = &["org:read"];

macro_rules! class {
    ($name:ident, $($entry:expr),+ $(,)?) => {
        #[allow(non_upper_case_globals)]
        static $name: PermissionClass =
            PermissionClass::__new(stringify!($name), module_path!(), &[$($entry),+]);
    };
}

// Permission classes modelled on Sentry's `scope_map`s.
class!(
    OrganizationPermission,
    ms(Method::Get, ORG_R, RO_ORG, None),
    ms(Method::Post, ORG_W, &[], None),
    ms(Method::Put, ORG_W, &[], None),
    ms(Method::Delete, ORG_A, &[], None),
);
class!(
    OrganizationTeamsPermission,
    ms(Method::Get, ORG_R, RO_ORG, None),
    ms(Method::Post, &["org:write", "org:admin", "team:write"], &[], None),
);
class!(
    MemberPermission,
    ms(Method::Get, &["member:read", "member:write", "member:admin"], &["member:read"], None),
    ms(Method::Post, &["member:write", "member:admin", "member:invite"], &[], None),
    ms(Method::Put, &["member:write", "member:admin", "member:invite"], &[], None),
    ms(Method::Delete, &["member:admin"], &[], None),
);
class!(
    TeamMembershipPermission,
    ms(
        Method::Post,
        &["org:read", "org:write", "team:write"],
        RO_ORG,
        Some("Members of an open-membership organization may join teams.")
    ),
    ms(
        Method::Delete,
        &["org:read", "org:write", "team:write"],
        RO_ORG,
        Some("Members may leave the teams they belong to.")
    ),
);
class!(
    DashboardsPermission,
    ms(Method::Get, ORG_R, RO_ORG, None),
    ms(Method::Post, ORG_R, RO_ORG, Some("Members may create dashboards without org:write.")),
    ms(Method::Put, ORG_R, RO_ORG, Some("Members may edit dashboards they created without org:write.")),
    ms(Method::Delete, ORG_R, RO_ORG, Some("Members may delete dashboards they created without org:write.")),
);
class!(
    OrganizationSearchPermission,
    ms(Method::Get, ORG_R, RO_ORG, None),
    ms(Method::Post, ORG_R, RO_ORG, Some("Members may manage personal saved searches without org:write.")),
    ms(Method::Put, ORG_R, RO_ORG, Some("Members may manage personal saved searches without org:write.")),
    ms(Method::Delete, ORG_R, RO_ORG, Some("Members may manage personal saved searches without org:write.")),
);
class!(
    OrgAuthTokenPermission,
    ms(Method::Get, ORG_R, RO_ORG, None),
    ms(Method::Post, ORG_R, RO_ORG, Some("Members may create organization tokens for CI.")),
    ms(Method::Put, ORG_W, &[], None),
    ms(Method::Delete, ORG_R, RO_ORG, Some("Members may revoke the tokens they created.")),
);
class!(
    OrganizationEventPermission,
    ms(Method::Get, &["event:read", "event:write", "event:admin"], &["event:read"], None),
    ms(Method::Post, &["event:write", "event:admin"], &[], None),
    ms(Method::Put, &["event:write", "event:admin"], &[], None),
    ms(Method::Delete, &["event:admin"], &[], None),
);
class!(
    ReleasePermission,
    ms(
        Method::Get,
        &["project:read", "project:write", "project:admin", "project:releases", "org:ci"],
        &["project:read"],
        None
    ),
    ms(Method::Post, &["project:write", "project:admin", "project:releases", "org:ci"], &[], None),
    ms(Method::Put, &["project:write", "project:admin", "project:releases", "org:ci"], &[], None),
    ms(Method::Delete, &["project:admin", "project:releases"], &[], None),
);
class!(
    AlertRulePermission,
    ms(
        Method::Get,
        &["org:read", "org:write", "alerts:read", "alerts:write"],
        &["org:read", "alerts:read"],
        None
    ),
    ms(Method::Post, &["org:write", "alerts:write"], &[], None),
    ms(Method::Put, &["org:write", "alerts:write"], &[], None),
    ms(Method::Delete, &["org:write", "alerts:write"], &[], None),
);
class!(
    IntegrationPermission,
    ms(Method::Get, &["org:read", "org:write", "org:admin", "org:integrations"], RO_ORG, None),
    ms(Method::Post, &["org:write", "org:admin", "org:integrations"], &[], None),
    ms(Method::Delete, &["org:admin", "org:integrations"], &[], None),
);
class!(AuditLogPermission, ms(Method::Get, &["org:write", "org:admin"], &[], None));
class!(
    ProjectPermission,
    ms(Method::Get, &["project:read", "project:write", "project:admin"], &["project:read"], None),
    ms(Method::Post, &["project:write", "project:admin"], &[], None),
    ms(Method::Put, &["project:write", "project:admin"], &[], None),
    ms(Method::Delete, &["project:admin"], &[], None),
);
class!(
    ProjectAlertRulePermission,
    ms(
        Method::Get,
        &["project:read", "project:write", "project:admin", "alerts:read", "alerts:write"],
        &["project:read", "alerts:read"],
        None
    ),
    ms(Method::Post, &["project:write", "project:admin", "alerts:write"], &[], None),
    ms(Method::Put, &["project:write", "project:admin", "alerts:write"], &[], None),
    ms(Method::Delete, &["project:write", "project:admin", "alerts:write"], &[], None),
);
class!(
    TeamPermission,
    ms(Method::Get, &["team:read", "team:write", "team:admin"], &["team:read"], None),
    ms(Method::Post, &["team:write", "team:admin"], &[], None),
    ms(Method::Put, &["team:write", "team:admin"], &[], None),
    ms(Method::Delete, &["team:admin"], &[], None),
);
class!(
    ReplayPermission,
    ms(Method::Get, &["event:read", "event:write", "event:admin"], &["event:read"], None),
    ms(Method::Delete, &["event:write", "event:admin"], &[], None),
);

const FILE: &str = "bench/src/endpoints.rs";

/// One endpoint of the Sentry-like set: `(method, path template, class, gate)`; `None` as class
/// declares an unauthenticated endpoint.
type Row = (Method, &'static str, Option<&'static PermissionClass>, Option<&'static str>);

macro_rules! endpoints {
    ($($method:ident $path:literal => $class:tt $(gate $gate:literal)?;)+) => {
        /// The Sentry-like endpoint table.
        const ROWS: &[Row] = &[$((endpoints!(@method $method), $path, endpoints!(@class $class), endpoints!(@gate $($gate)?))),+];
    };
    (@method GET) => { Method::Get };
    (@method POST) => { Method::Post };
    (@method PUT) => { Method::Put };
    (@method DELETE) => { Method::Delete };
    (@class open) => { None };
    (@class $class:ident) => { Some(&$class) };
    (@gate) => { None };
    (@gate $gate:literal) => { Some($gate) };
}

endpoints! {
    GET "/api/0/" => open;
    GET "/api/0/internal/health/" => open;

    GET "/api/0/organizations/{organization_id_or_slug}/" => OrganizationPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/" => OrganizationPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/" => OrganizationPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/projects/" => OrganizationPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/teams/" => OrganizationTeamsPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/teams/" => OrganizationTeamsPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/members/" => MemberPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/members/" => MemberPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/members/{member_id}/" => MemberPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/members/{member_id}/" => MemberPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/members/{member_id}/" => MemberPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/" => TeamMembershipPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/" => TeamMembershipPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/dashboards/" => DashboardsPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/dashboards/" => DashboardsPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/" => DashboardsPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/" => DashboardsPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/" => DashboardsPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/searches/" => OrganizationSearchPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/searches/" => OrganizationSearchPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/searches/{search_id}/" => OrganizationSearchPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/searches/{search_id}/" => OrganizationSearchPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/org-auth-tokens/" => OrgAuthTokenPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/org-auth-tokens/" => OrgAuthTokenPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/org-auth-tokens/{token_id}/" => OrgAuthTokenPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/org-auth-tokens/{token_id}/" => OrgAuthTokenPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/org-auth-tokens/{token_id}/" => OrgAuthTokenPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/replays/" => ReplayPermission gate "replay";
    GET "/api/0/organizations/{organization_id_or_slug}/replays/{replay_id}/" => ReplayPermission gate "replay";
    GET "/api/0/organizations/{organization_id_or_slug}/issues/" => OrganizationEventPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/issues/" => OrganizationEventPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/issues/" => OrganizationEventPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/events/" => OrganizationEventPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/releases/" => ReleasePermission;
    POST "/api/0/organizations/{organization_id_or_slug}/releases/" => ReleasePermission;
    GET "/api/0/organizations/{organization_id_or_slug}/releases/{version}/" => ReleasePermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/releases/{version}/" => ReleasePermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/releases/{version}/" => ReleasePermission;
    GET "/api/0/organizations/{organization_id_or_slug}/alert-rules/" => AlertRulePermission;
    POST "/api/0/organizations/{organization_id_or_slug}/alert-rules/" => AlertRulePermission;
    GET "/api/0/organizations/{organization_id_or_slug}/alert-rules/{alert_rule_id}/" => AlertRulePermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/alert-rules/{alert_rule_id}/" => AlertRulePermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/alert-rules/{alert_rule_id}/" => AlertRulePermission;
    GET "/api/0/organizations/{organization_id_or_slug}/monitors/" => OrganizationPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/monitors/" => OrganizationPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/monitors/{monitor_id_or_slug}/" => OrganizationPermission;
    PUT "/api/0/organizations/{organization_id_or_slug}/monitors/{monitor_id_or_slug}/" => OrganizationPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/monitors/{monitor_id_or_slug}/" => OrganizationPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/stats_v2/" => OrganizationPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/integrations/" => IntegrationPermission;
    POST "/api/0/organizations/{organization_id_or_slug}/integrations/" => IntegrationPermission;
    DELETE "/api/0/organizations/{organization_id_or_slug}/integrations/{integration_id}/" => IntegrationPermission;
    GET "/api/0/organizations/{organization_id_or_slug}/audit-logs/" => AuditLogPermission;

    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/" => ProjectPermission;
    PUT "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/" => ProjectPermission;
    DELETE "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/" => ProjectPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/" => ProjectPermission;
    POST "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/" => ProjectPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/{key_id}/" => ProjectPermission;
    PUT "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/{key_id}/" => ProjectPermission;
    DELETE "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/{key_id}/" => ProjectPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/" => OrganizationEventPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/" => OrganizationEventPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/" => OrganizationEventPermission;
    PUT "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/" => OrganizationEventPermission;
    DELETE "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/" => OrganizationEventPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/rules/" => ProjectAlertRulePermission;
    POST "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/rules/" => ProjectAlertRulePermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/rules/{rule_id}/" => ProjectAlertRulePermission;
    PUT "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/rules/{rule_id}/" => ProjectAlertRulePermission;
    DELETE "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/rules/{rule_id}/" => ProjectAlertRulePermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/releases/" => ReleasePermission;
    POST "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/releases/" => ReleasePermission;
    POST "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/user-feedback/" => OrganizationEventPermission;
    GET "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/stats/" => ProjectPermission;

    GET "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/" => TeamPermission;
    PUT "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/" => TeamPermission;
    DELETE "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/" => TeamPermission;
    GET "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/members/" => TeamPermission;
    GET "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/projects/" => TeamPermission;
    POST "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/projects/" => ProjectPermission;

    GET "/api/0/issues/{issue_id}/" => OrganizationEventPermission;
    PUT "/api/0/issues/{issue_id}/" => OrganizationEventPermission;
    DELETE "/api/0/issues/{issue_id}/" => OrganizationEventPermission;
    GET "/api/0/issues/{issue_id}/events/" => OrganizationEventPermission;
    GET "/api/0/issues/{issue_id}/notes/" => OrganizationEventPermission;
    POST "/api/0/issues/{issue_id}/notes/" => OrganizationEventPermission;
    GET "/api/0/issues/{issue_id}/hashes/" => OrganizationEventPermission;
}

fn handler_name(method: Method, path: &str) -> String {
    let mut name = format!("sentry_like::{}", method.as_str().to_ascii_lowercase());
    for seg in path.split('/').filter(|s| !s.is_empty() && !s.starts_with('{')) {
        name.push('_');
        name.extend(seg.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
    }
    if path.ends_with("}/") {
        name.push_str("_detail");
    }
    name
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The Sentry-like API: organizations, members, teams, dashboards, saved searches, organization
/// tokens, replays (gated), issues and events, releases, alert rules, monitors, integrations,
/// projects and their keys, and two unauthenticated endpoints. Access is declared with permission
/// classes modelled on Sentry's `scope_map`s.
///
/// The records are built once and leaked; later calls return the same records.
pub fn sentry_like() -> &'static [&'static Endpoint] {
    static SET: std::sync::OnceLock<Vec<&'static Endpoint>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        ROWS.iter()
            .enumerate()
            .map(|(line, &(method, path, class, gate))| {
                let access = match class {
                    Some(class) => Access::Permission(class),
                    None => Access::Unauthenticated("Public index and health probe."),
                };
                let handler = leak_str(handler_name(method, path));
                let source = Source { file: FILE, line: u32::try_from(line).unwrap_or(u32::MAX) + 1 };
                &*Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
                    owner: "bench",
                    publish: Publish::Public,
                    gate,
                    source,
                    ..scopegate::__private::Declaration::new(handler, method, path, access)
                })))
            })
            .collect()
    })
}

/// An area of a generated registry: `(path root, GET scopes, mutation scopes, read-only subset of GET)`.
type Area = (&'static str, &'static [&'static str], &'static [&'static str], &'static [&'static str]);

/// The areas of a generated registry.
const AREAS: [Area; 5] = [
    ("organizations", ORG_R, ORG_W, RO_ORG),
    (
        "projects",
        &["project:read", "project:write", "project:admin"],
        &["project:write", "project:admin"],
        &["project:read"],
    ),
    ("teams", &["team:read", "team:write", "team:admin"], &["team:write", "team:admin"], &["team:read"]),
    (
        "projects",
        &["event:read", "event:write", "event:admin"],
        &["event:write", "event:admin"],
        &["event:read"],
    ),
    (
        "organizations",
        &["member:read", "member:write", "member:admin"],
        &["member:write", "member:admin"],
        &["member:read"],
    ),
];

/// The path prefix of an area: organization areas have one parameter, project and team areas two.
fn prefix(area: &str) -> &'static str {
    match area {
        "organizations" => "/api/0/organizations/{organization_id_or_slug}",
        "projects" => "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}",
        _ => "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}",
    }
}

/// `count` generated endpoints (rounded down to a multiple of 5), leaked.
///
/// Resource `g` has a list route (`GET`, `POST`) and a detail route (`GET`, `PUT`, `DELETE`)
/// under one of five areas (organization, project, team, event and member scopes), e.g.
/// `PUT /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/res17/{item_id}/`. `GET`
/// accepts the area's read, write and admin scopes, mutations its write and admin scopes.
///
/// ```
/// let endpoints = scopegate_bench::endpoints::generated(10);
/// assert_eq!(endpoints.len(), 10);
/// assert_eq!(endpoints[2].path(), "/api/0/organizations/{organization_id_or_slug}/res0/{item_id}/");
/// ```
pub fn generated(count: usize) -> Vec<&'static Endpoint> {
    let mut out = Vec::with_capacity(count);
    for g in 0..count / 5 {
        let (area, read, write, readonly) = AREAS[g % AREAS.len()];
        let list = leak_str(format!("{}/res{g}/", prefix(area)));
        let detail = leak_str(format!("{}/res{g}/{{item_id}}/", prefix(area)));
        let routes = [
            (Method::Get, list, read, readonly),
            (Method::Post, list, write, &[][..]),
            (Method::Get, detail, read, readonly),
            (Method::Put, detail, write, &[]),
            (Method::Delete, detail, write, &[]),
        ];
        for (i, (method, path, scopes, ro)) in routes.into_iter().enumerate() {
            let handler = leak_str(format!("generated::res{g}_{}_{i}", method.as_str().to_ascii_lowercase()));
            let line = u32::try_from(g * 5 + i + 1).unwrap_or(u32::MAX);
            out.push(&*Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
                handler,
                method,
                path,
                access: Access::Scopes(scopegate::Requirement::any(scopes)),
                readonly: ro,
                readonly_exception: None,
                owner: "bench",
                publish: Publish::Private,
                gate: None,
                gate_exempt: None,
                planned: None,
                sunset: None,
                source: Source { file: "generated.rs", line },
            }))));
        }
    }
    out
}

/// A registry of `endpoints` with the built-in (Sentry) configuration, leaked so that it can be
/// handed to the axum layer.
///
/// # Panics
/// When the endpoints conflict (a bug in the fixtures).
pub fn leak_registry(endpoints: &[&'static Endpoint]) -> &'static Registry {
    match Registry::from_endpoints(Config::sentry(), endpoints.iter().copied()) {
        Ok(r) => Box::leak(Box::new(r)),
        Err(errors) => panic!("benchmark fixtures do not form a valid registry: {errors:?}"),
    }
}

/// A concrete request path for `template`: organization `acme`, project `backend`, team
/// `platform`, and numbers for every other parameter (`variant` makes them differ between calls).
///
/// ```
/// let p = scopegate_bench::endpoints::concrete_path("/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/keys/{key_id}/", 7);
/// assert_eq!(p, "/api/0/projects/acme/backend/keys/1007/");
/// ```
pub fn concrete_path(template: &str, variant: usize) -> String {
    template
        .split('/')
        .map(|seg| match seg {
            "{organization_id_or_slug}" => "acme".to_string(),
            "{project_id_or_slug}" => "backend".to_string(),
            "{team_id_or_slug}" | "{monitor_id_or_slug}" => "platform".to_string(),
            s if s.starts_with('{') => (1000 + variant).to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}
