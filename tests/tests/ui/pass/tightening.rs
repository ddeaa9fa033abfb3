// Planned policies and sunsets: the default plan (the requirement without its read-only scopes),
// a plan stated on the endpoint (a move to a narrower scope) and one stated per method on a class.

use scopegate::{Method, Registry, ScopeMatch};

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write", "org:admin"],
    readonly_exception = "Members may edit the dashboards they created.",
    sunset = "2027-01-31",
)]
fn update_dashboard() {}

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/alert-rules/",
    scopes = ["alerts:read", "org:write"],
    readonly_exception = "Members may create alert rules for their projects.",
    planned_scopes = ["alerts:write"],
)]
fn create_alert_rule() {}

#[scopegate::permission(
    GET = ["org:read"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
    planned_scopes(POST = all("org:write", "member:read")),
    sunsets(POST = "2027-06-30"),
)]
pub struct SearchPermission;

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/searches/",
    permission = SearchPermission,
)]
fn save_search() {}

fn main() {
    let registry = Registry::global();
    let dashboard = registry.lookup(Method::Put, "/organizations/acme/dashboards/7/").expect("registered");
    let plan = dashboard.planned().expect("debt has a plan");
    assert_eq!((plan.scopes(), plan.scope_match()), (&["org:write", "org:admin"][..], ScopeMatch::Any));
    assert_eq!(dashboard.sunset().map(|d| d.to_string()).as_deref(), Some("2027-01-31"));
    let alerts = registry.lookup(Method::Post, "/organizations/acme/alert-rules/").expect("registered");
    assert_eq!(alerts.planned().map(|p| p.scopes()), Some(&["alerts:write"][..]));
    assert_eq!(alerts.sunset(), None);
    let search = registry.lookup(Method::Post, "/organizations/acme/searches/").expect("registered");
    let plan = search.planned().expect("the class's plan");
    assert_eq!((plan.scopes(), plan.scope_match()), (&["org:write", "member:read"][..], ScopeMatch::All));
    assert_eq!(search.sunset().map(|d| d.to_string()).as_deref(), Some("2027-06-30"));
}
