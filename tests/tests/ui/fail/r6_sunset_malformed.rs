// R6: a sunset is a real date written YYYY-MM-DD.

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write"],
    readonly_exception = "Members may edit the dashboards they created.",
    sunset = "2027-02-30",
)]
fn update_dashboard() {}

#[scopegate::permission(
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches."),
    sunsets(POST = "31/01/2027"),
)]
pub struct SearchPermission;

fn main() {}
