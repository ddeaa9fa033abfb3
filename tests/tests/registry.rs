//! The registry collects the endpoints of every module and crate linked into the binary: the
//! modules of this test, the `scopegate_tests` library and the `scopegate_test_classes` crate.
//! It iterates them sorted by path then method, and each record holds what its attribute declared.

use std::path::Path;

use scopegate::{Endpoint, Method, Publish, Registry};

/// A permission class declared in one module of this test and used from another.
mod permissions {
    #[scopegate::permission(
        GET = ["member:read", "member:write", "member:admin"],
        DELETE = ["member:admin"],
    )]
    pub(crate) struct MemberPermission;
}

mod members {
    #[scopegate::endpoint(
        method = GET,
        path = "/organizations/{organization_id_or_slug}/members/",
        permission = crate::permissions::MemberPermission,
        owner = "enterprise",
        publish = public,
    )]
    pub(crate) fn list_members() {}
}

mod teams {
    pub(crate) mod admin {
        #[scopegate::endpoint(
            method = DELETE,
            path = "/teams/{organization_id_or_slug}/{team_id_or_slug}/",
            scopes = ["team:admin"],
        )]
        pub(crate) async fn delete_team() {}
    }
}

/// What one registered endpoint is expected to hold.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    handler: String,
    method: Method,
    path: String,
    scopes: Vec<String>,
    readonly_scopes: Vec<String>,
    readonly_exception: Option<String>,
    permission: Option<String>,
    unauthenticated: Option<String>,
    owner: String,
    publish: Publish,
    gate: Option<String>,
    gate_exempt: Option<String>,
    /// The source file as `file!()` names it, relative to the workspace root.
    file: String,
    line: u32,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn record(e: &Endpoint) -> Record {
    Record {
        handler: e.handler().to_string(),
        method: e.method(),
        path: e.path().to_string(),
        scopes: strings(e.scopes()),
        readonly_scopes: strings(e.readonly_scopes()),
        readonly_exception: e.readonly_exception().map(str::to_string),
        permission: e.permission().map(|c| format!("{}::{}", c.module(), c.name())),
        unauthenticated: e.unauthenticated().map(str::to_string),
        owner: e.owner().to_string(),
        publish: e.publish(),
        gate: e.gate().map(str::to_string),
        gate_exempt: e.gate_exempt().map(str::to_string),
        file: e.source().file.replace('\\', "/"),
        line: e.source().line,
    }
}

/// The 1-based line of `fn {name}(` in `file` (a path relative to the workspace root).
fn line_of(file: &str, name: &str) -> u32 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    let needle = format!("fn {name}(");
    let index =
        text.lines().position(|l| l.contains(&needle)).unwrap_or_else(|| panic!("no {needle} in {file}"));
    u32::try_from(index + 1).expect("line fits u32")
}

/// Builds the expected record; `handler` is `crate::module::name` and `file` holds `fn name(`.
struct Expect {
    handler: &'static str,
    method: Method,
    path: &'static str,
    scopes: &'static [&'static str],
    readonly_scopes: &'static [&'static str],
    file: &'static str,
}

impl Expect {
    fn with(self, f: impl FnOnce(&mut Record)) -> Record {
        let name = self.handler.rsplit("::").next().unwrap_or(self.handler);
        let mut r = Record {
            handler: self.handler.to_string(),
            method: self.method,
            path: self.path.to_string(),
            scopes: strings(self.scopes),
            readonly_scopes: strings(self.readonly_scopes),
            readonly_exception: None,
            permission: None,
            unauthenticated: None,
            owner: "unowned".to_string(),
            publish: Publish::Private,
            gate: None,
            gate_exempt: None,
            file: self.file.to_string(),
            line: line_of(self.file, name),
        };
        f(&mut r);
        r
    }
}

const TEST_FILE: &str = "tests/tests/registry.rs";
const LIB_FILE: &str = "tests/src/lib.rs";
const CLASSES_FILE: &str = "tests/classes/src/lib.rs";
const ORG_SCOPES: &[&str] = &["org:read", "org:write", "org:admin"];

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn expected() -> Vec<Record> {
    vec![
        Expect {
            handler: "scopegate_tests::auth::login",
            method: Method::Post,
            path: "/auth/login/",
            scopes: &[],
            readonly_scopes: &[],
            file: LIB_FILE,
        }
        .with(|r| {
            r.unauthenticated = some("Users log in with a password, before they hold any credentials.");
            r.owner = "enterprise".into();
        }),
        Expect {
            handler: "scopegate_test_classes::organization_details",
            method: Method::Get,
            path: "/organizations/{organization_id_or_slug}/",
            scopes: ORG_SCOPES,
            readonly_scopes: &["org:read"],
            file: CLASSES_FILE,
        }
        .with(|r| {
            r.permission = some("scopegate_test_classes::OrganizationPermission");
            r.owner = "enterprise".into();
            r.publish = Publish::Public;
        }),
        Expect {
            handler: "scopegate_tests::dashboards::list_dashboards",
            method: Method::Get,
            path: "/organizations/{organization_id_or_slug}/dashboards/",
            scopes: ORG_SCOPES,
            readonly_scopes: &["org:read"],
            file: LIB_FILE,
        }
        .with(|r| {
            r.owner = "dashboards".into();
            r.publish = Publish::Public;
        }),
        Expect {
            handler: "scopegate_tests::dashboards::create_dashboard",
            method: Method::Post,
            path: "/organizations/{organization_id_or_slug}/dashboards/",
            scopes: ORG_SCOPES,
            readonly_scopes: &["org:read"],
            file: LIB_FILE,
        }
        .with(|r| {
            r.readonly_exception = some("Members may create personal dashboards without org:write.");
            r.owner = "dashboards".into();
            r.publish = Publish::PublicExperimental;
        }),
        Expect {
            handler: "scopegate_test_classes::update_dashboard",
            method: Method::Put,
            path: "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
            scopes: ORG_SCOPES,
            readonly_scopes: &["org:read"],
            file: CLASSES_FILE,
        }
        .with(|r| {
            r.permission = some("scopegate_test_classes::OrganizationDashboardsPermission");
            r.readonly_exception = some("Members may edit dashboards they created without org:write.");
            r.owner = "dashboards".into();
            r.publish = Publish::Experimental;
        }),
        Expect {
            handler: "registry::members::list_members",
            method: Method::Get,
            path: "/organizations/{organization_id_or_slug}/members/",
            scopes: &["member:read", "member:write", "member:admin"],
            readonly_scopes: &["member:read"],
            file: TEST_FILE,
        }
        .with(|r| {
            r.permission = some("registry::permissions::MemberPermission");
            r.owner = "enterprise".into();
            r.publish = Publish::Public;
        }),
        Expect {
            handler: "scopegate_tests::replays::list_replays",
            method: Method::Get,
            path: "/organizations/{organization_id_or_slug}/replays/",
            scopes: &["event:read", "event:write", "event:admin"],
            readonly_scopes: &["event:read"],
            file: LIB_FILE,
        }
        .with(|r| {
            r.owner = "replay".into();
            r.gate = some("replay");
        }),
        Expect {
            handler: "scopegate_tests::replays::probe_replays",
            method: Method::Head,
            path: "/organizations/{organization_id_or_slug}/replays/",
            scopes: &["event:read"],
            readonly_scopes: &["event:read"],
            file: LIB_FILE,
        }
        .with(|r| {
            r.owner = "replay".into();
            r.gate_exempt = some("A HEAD request reveals only whether the organization has any replay.");
        }),
        Expect {
            handler: "scopegate_test_classes::create_saved_search",
            method: Method::Post,
            path: "/organizations/{organization_id_or_slug}/searches/",
            scopes: ORG_SCOPES,
            readonly_scopes: &["org:read"],
            file: CLASSES_FILE,
        }
        .with(|r| {
            r.permission = some("scopegate_test_classes::OrganizationSearchPermission");
            // Not declared on the endpoint: inherited from the class.
            r.readonly_exception = some("Members may manage personal saved searches without org:write.");
            r.owner = "issues".into();
        }),
        Expect {
            handler: "scopegate_test_classes::delete_replay",
            method: Method::Delete,
            path: "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
            scopes: &["event:admin"],
            readonly_scopes: &[],
            file: CLASSES_FILE,
        }
        .with(|r| {
            r.permission = some("scopegate_test_classes::ProjectEventPermission");
            r.owner = "replay".into();
            r.gate = some("replay");
        }),
        Expect {
            handler: "registry::teams::admin::delete_team",
            method: Method::Delete,
            path: "/teams/{organization_id_or_slug}/{team_id_or_slug}/",
            scopes: &["team:admin"],
            readonly_scopes: &[],
            file: TEST_FILE,
        }
        .with(|_| {}),
    ]
}

/// Taking the address of one handler body of each library links it, and with it every endpoint it
/// registers (the body of a declared `fn name` is `name::name`, behind a `Checked<name>` proof).
fn link_libraries() {
    use scopegate::Checked;
    use scopegate_test_classes::organization_details;
    use scopegate_tests::auth::login;
    std::hint::black_box(login::login as fn(Checked<login>));
    std::hint::black_box(organization_details::organization_details as fn(Checked<organization_details>));
    std::hint::black_box(members::list_members::list_members as fn(Checked<members::list_members>));
    // An async body is mounted like any handler.
    let routes: scopegate::axum::Routes = scopegate::routes![teams::admin::delete_team];
    assert_eq!(routes.len(), 1);
}

#[test]
fn global_registry_holds_every_endpoint_sorted_with_its_record() {
    link_libraries();
    let registry = Registry::global();
    let actual: Vec<Record> = registry.iter().map(record).collect();
    let expected = expected();
    // Compare one by one first, for a readable failure, then as a whole (count and order).
    for (a, e) in actual.iter().zip(&expected) {
        assert_eq!(a, e);
    }
    assert_eq!(actual, expected);
    assert_eq!(registry.len(), expected.len());
    assert_eq!(registry.endpoints().len(), expected.len());
}

#[test]
fn iteration_is_sorted_by_path_then_method() {
    link_libraries();
    let keys: Vec<(&str, Method)> = Registry::global().iter().map(|e| (e.path(), e.method())).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:#?}");
}

#[test]
fn lookup_and_by_handler_find_endpoints_of_every_crate() {
    link_libraries();
    let registry = Registry::global();
    let cases = [
        (Method::Get, "/organizations/acme/", "scopegate_test_classes::organization_details"),
        (Method::Put, "/organizations/acme/dashboards/7/", "scopegate_test_classes::update_dashboard"),
        (Method::Get, "/organizations/acme/members/", "registry::members::list_members"),
        (Method::Head, "/organizations/acme/replays/", "scopegate_tests::replays::probe_replays"),
        (Method::Delete, "/teams/acme/backend/", "registry::teams::admin::delete_team"),
    ];
    for (method, path, handler) in cases {
        let found = registry.lookup(method, path).map(Endpoint::handler);
        assert_eq!(found, Some(handler), "{method} {path}");
        assert_eq!(
            registry.by_handler(handler).map(Endpoint::path),
            found.and(registry.lookup(method, path).map(Endpoint::path))
        );
    }
    // Unregistered method or path: nothing (the runtime answers 404).
    assert!(registry.lookup(Method::Patch, "/organizations/acme/").is_none());
    assert!(registry.lookup(Method::Get, "/organizations/acme/unknown/").is_none());
    assert!(registry.by_handler("registry::members::nope").is_none());
}

#[test]
fn class_records_are_shared_across_crates() {
    use scopegate::Permission;
    link_libraries();
    let registry = Registry::global();
    let saved = registry.by_handler("scopegate_test_classes::create_saved_search").expect("registered");
    let class = saved.permission().expect("uses a class");
    // The same map (consts are not guaranteed one address, so compare by value).
    assert_eq!(class, scopegate_test_classes::OrganizationSearchPermission::CLASS);
    let post = class.get(Method::Post).expect("maps POST");
    assert_eq!(post.readonly_exception(), saved.readonly_exception());
    assert_eq!(class.get(Method::Patch), None);
}
